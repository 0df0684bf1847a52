"""Deliberation in the admin, view only: matters, rounds and publications are written through the services
(the staff page /deliberation/ and /api/v1/deliberation). Opinions show masked names and phones only."""

from django.contrib import admin

from gridgov.core.admin_forms import ViewOnlyAdminMixin
from gridgov.deliberation.models import Matter, Opinion, Publication, Round


class RoundInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = Round
    fields = ("stage", "attempt", "held_on", "body", "expected", "present", "votes_for", "votes_against", "passed")
    extra = 0


class PublicationInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = Publication
    fields = ("kind", "published_at", "place", "text")
    extra = 0


@admin.register(Matter)
class MatterAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("title", "grid", "procedure", "stage", "status", "opened_at")
    list_filter = ("procedure", "status")
    search_fields = ("title", "grid__code", "grid__name")
    list_select_related = ("grid",)
    fields = (
        "title",
        "description",
        "grid",
        "procedure",
        "stage",
        "status",
        "opinions_from",
        "opinions_until",
        "opened_by",
        "opened_at",
    )
    inlines = [RoundInline, PublicationInline]


@admin.register(Opinion)
class OpinionAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("matter", "at", "name_masked", "phone_masked", "resident", "credited")
    list_filter = ("credited",)
    list_select_related = ("matter", "resident")
    fields = ("matter", "at", "name_masked", "phone_masked", "text", "resident", "credited")
