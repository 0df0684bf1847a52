"""一聘三督 in the admin, view only: appointments are made and ended through the services
(POST /api/v1/oversight/appointments), inspections and findings by the supervisors themselves."""

from django.contrib import admin

from gridgov.core.admin_forms import ViewOnlyAdminMixin
from gridgov.oversight.models import Appointment, Finding, Inspection


@admin.register(Appointment)
class AppointmentAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "area", "start_date", "end_date", "ended_on", "letter_number")
    search_fields = ("area", "user__username", "letter_number")
    list_select_related = ("user",)


@admin.register(Inspection)
class InspectionAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("day", "grid", "appointment")
    list_select_related = ("grid", "appointment")


@admin.register(Finding)
class FindingAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("day", "kind", "grid", "worker", "case", "opened")
    list_filter = ("kind", "opened")
    list_select_related = ("grid", "worker", "case")
