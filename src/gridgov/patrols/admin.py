"""Patrols in the admin, view only: plans are made through the service (POST /api/v1/patrols/plans),
sessions, tracks, check-ins and findings by the workers' phones."""

from django.contrib import admin

from gridgov.core.admin_forms import ViewOnlyAdminMixin
from gridgov.patrols.models import CheckIn, PatrolFinding, PatrolPlan, PatrolSession, PlanPoint


class PointInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = PlanPoint
    fields = ("order", "name", "lon", "lat", "radius_m")
    extra = 0


@admin.register(PatrolPlan)
class PatrolPlanAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("grid", "name", "frequency", "window_start", "window_end", "min_checkins", "valid_from", "active")
    list_filter = ("frequency", "active")
    search_fields = ("grid__code", "grid__name", "name")
    list_select_related = ("grid",)
    inlines = [PointInline]


class CheckInInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = CheckIn
    fields = ("point", "at", "distance_m")
    extra = 0


@admin.register(PatrolSession)
class PatrolSessionAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("started_at", "ended_at", "worker", "grid", "plan")
    search_fields = ("grid__code", "worker__username")
    date_hierarchy = "started_at"
    list_select_related = ("worker", "grid", "plan")
    inlines = [CheckInInline]


@admin.register(PatrolFinding)
class PatrolFindingAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("created_at", "case", "session", "on_spot")
    list_filter = ("on_spot",)
    search_fields = ("case__number",)
    list_select_related = ("case", "session")
