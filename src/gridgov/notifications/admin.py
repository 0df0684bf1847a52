from django.contrib import admin

from gridgov.core.admin_forms import ViewOnlyAdminMixin
from gridgov.notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "title", "subject", "read_at", "delivered_at"]
    list_filter = ["kind", ("read_at", admin.EmptyFieldListFilter), ("delivered_at", admin.EmptyFieldListFilter)]
    search_fields = ["subject", "title", "recipient__username", "dedupe_key"]
    list_select_related = ["recipient"]
    raw_id_fields = ["recipient"]
    date_hierarchy = "created_at"
    # Notifications are written by services only; the admin looks.
    readonly_fields = [f.name for f in Notification._meta.fields]
