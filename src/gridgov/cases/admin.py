from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from gridgov.cases.models import Case, CaseEvent, Status
from gridgov.cases.reads import record_read
from gridgov.cases.transitions import LABELS
from gridgov.core.admin_forms import ViewOnlyAdminMixin
from gridgov.people.actors import Actor
from gridgov.people.models import Role


def _status(code: str) -> str:
    return str(Status(code).label) if code in Status.values else code or "—"


class EventInline(ViewOnlyAdminMixin, admin.TabularInline):
    """The case file (案件流转记录), in the reader's language: events say what happened, not their codes."""

    model = CaseEvent
    fields = ("seq", "step", "actor_label", "role", "from_state", "to_state", "unit", "note", "at")
    readonly_fields = fields
    extra = 0
    can_delete = False

    @admin.display(description=_("step"))
    def step(self, event):
        return str(LABELS.get(event.action, event.action))

    @admin.display(description=_("role"))
    def role(self, event):
        return str(Role(event.actor_role).label) if event.actor_role in Role.values else event.actor_role or "—"

    @admin.display(description=_("from status"))
    def from_state(self, event):
        return _status(event.from_status)

    @admin.display(description=_("to status"))
    def to_state(self, event):
        return _status(event.to_status)


@admin.register(Case)
class CaseAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Read-only: cases change only through the closed loop's actions (the API and the pages)."""

    list_display = ("number", "title", "status", "light", "channel", "platform", "lead_unit", "reported_at")
    list_filter = ("status", "light", "channel", "complexity", "resolved_level")
    search_fields = ("number", "title")
    date_hierarchy = "reported_at"
    inlines = [EventInline]
    # contact data (encrypted; shown only through a logged reveal) and keyed digests are no admin's business
    exclude = (
        "tracking_hash",
        "reporter_name",
        "reporter_phone",
        "reporter_digest",
        "reporter_phone_keys",
        "last_hash",
    )
    list_per_page = 100

    def change_view(self, request, object_id, form_url="", extra_context=None):
        case = self.get_object(request, object_id)
        if case is not None:  # opening a case file here is a reading like any other
            record_read(actor=Actor.of(request.user), case=case, via="admin")
        return super().change_view(request, object_id, form_url, extra_context)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Case._meta.fields if f.name not in self.exclude]
