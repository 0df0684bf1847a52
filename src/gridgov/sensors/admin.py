"""Sensors in the admin, view only: devices are registered and retired through the services (they hand
out the secret once), alarms come from the devices. The secret's hash is never shown."""

from django.contrib import admin

from gridgov.core.admin_forms import ViewOnlyAdminMixin
from gridgov.sensors.models import Alarm, Device


@admin.register(Device)
class DeviceAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("serial", "kind", "household", "active", "last_seen_at", "silent_since", "silent_after_hours")
    list_filter = ("kind", "active")
    search_fields = ("serial", "household__grid__code")
    list_select_related = ("household__address",)
    exclude = ("secret_hash",)


@admin.register(Alarm)
class AlarmAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "device", "kind", "event_id", "case", "opened")
    list_filter = ("kind", "opened")
    search_fields = ("device__serial", "case__number", "event_id")
    date_hierarchy = "at"
    list_select_related = ("device", "case")
