from django.contrib import admin

from gridgov.cases.models import Case, CaseEvent


class EventInline(admin.TabularInline):
    model = CaseEvent
    fields = ("seq", "action", "actor_label", "from_status", "to_status", "unit", "note", "at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    """Read-only: cases change only through the closed loop's actions (the API and the pages)."""

    list_display = ("number", "title", "status", "light", "channel", "platform", "lead_unit", "reported_at")
    list_filter = ("status", "light", "channel", "complexity", "resolved_level")
    search_fields = ("number", "title")
    date_hierarchy = "reported_at"
    inlines = [EventInline]
    exclude = ("tracking_hash", "reporter_name", "reporter_phone", "last_hash")
    list_per_page = 100

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Case._meta.fields if f.name not in self.exclude]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
