"""The admin site's name, and the audit log (审计日志), which the admin only reads."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gridgov.core.admin_forms import ViewOnlyAdminMixin
from gridgov.core.models import AuditEvent, OutboxItem

# The product's name on every admin page (the browser title, the header and the index).
admin.site.site_header = _("gridgov grid-based service management platform")
admin.site.site_title = _("gridgov grid-based service management platform")
admin.site.index_title = _("Configuration")


@admin.register(AuditEvent)
class AuditEventAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Written by services only (gridgov.core.audit.record); here it is looked at, never changed."""

    list_display = ("at", "actor", "action", "object_type", "object_id")
    list_filter = ("action", "object_type")
    search_fields = ("action", "object_type", "object_id", "actor__username")
    date_hierarchy = "at"
    list_select_related = ("actor",)
    list_per_page = 100


@admin.register(OutboxItem)
class OutboxItemAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Follow-up work waiting to run, and the dead rows that failed too often (`gridgov outbox retry`)."""

    list_display = ("id", "task", "created_at", "not_before", "attempts", "dead", "short_error")
    list_filter = ("dead", "task")
    search_fields = ("task", "last_error")
    date_hierarchy = "created_at"
    list_per_page = 100

    @admin.display(description=_("last error"))
    def short_error(self, item: OutboxItem) -> str:
        return item.last_error.splitlines()[-1][:120] if item.last_error else ""
