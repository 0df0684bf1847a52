"""Service stations in the admin, view only: written by the services (the API, the staff pages). Bookings
appear by their masked names and phones only."""

from django.contrib import admin

from gridgov.core.admin_forms import ViewOnlyAdminMixin
from gridgov.stations.models import Booking, CatalogueItem, Offering, ServiceLog, Station


@admin.register(Station)
class StationAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "code", "level", "active")
    list_filter = ("level",)
    search_fields = ("name", "code")


@admin.register(CatalogueItem)
class CatalogueItemAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "station", "service_type", "active")
    list_filter = ("service_type",)


@admin.register(Offering)
class OfferingAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("title", "station", "kind", "starts_at", "capacity", "status")
    list_filter = ("kind", "status")


@admin.register(Booking)
class BookingAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("offering", "name_masked", "phone_masked", "status", "booked_at")
    fields = ("offering", "name_masked", "phone_masked", "status", "booked_at", "changed_at")
    list_filter = ("status",)


@admin.register(ServiceLog)
class ServiceLogAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("station", "day", "service_type", "person_times")
    list_filter = ("service_type",)
