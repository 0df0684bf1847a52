"""Household visits in the admin, view only: visits and their findings are written by the workers' phones
(POST /api/v1/visits). Residents appear by their masked names only."""

from django.contrib import admin

from gridgov.core.admin_forms import ViewOnlyAdminMixin
from gridgov.visits.models import Visit, VisitFinding


class FindingInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = VisitFinding
    fields = ("case", "on_spot")
    extra = 0


@admin.register(Visit)
class VisitAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "household", "grid", "visitor", "purpose", "people_seen")
    list_filter = ("purpose",)
    search_fields = ("grid__code", "household__address__full_text", "visitor__username")
    list_select_related = ("household__address", "grid", "visitor")
    date_hierarchy = "at"
    fields = (
        "client_id",
        "household",
        "grid",
        "scope",
        "visitor",
        "purpose",
        "at",
        "people_seen",
        "residents",
        "notes",
    )
    inlines = [FindingInline]
