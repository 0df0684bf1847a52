"""The words inside a refusal (说明用语): statuses, actions, roles and fields in the reader's language.

Services raise their messages translated at raise time (`gettext` in the language the request
activated), so a case number stays a number but "in_progress" reads 处置中 and "register" reads 立案.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import pgettext_lazy

from gridgov.cases.models import Status
from gridgov.core.validation import any_of
from gridgov.people.models import Role

# English: the action's code as the API spells it; zh-hans: exactly transitions.TABLE[action].label.
_ACTIONS = {
    "register": pgettext_lazy("case action", "register"),
    "reject": pgettext_lazy("case action", "reject"),
    "merge": pgettext_lazy("case action", "merge"),
    "dispatch": pgettext_lazy("case action", "dispatch"),
    "accept": pgettext_lazy("case action", "accept"),
    "return": pgettext_lazy("case action", "return"),
    "escalate": pgettext_lazy("case action", "escalate"),
    "request_extension": pgettext_lazy("case action", "request_extension"),
    "grant_extension": pgettext_lazy("case action", "grant_extension"),
    "deny_extension": pgettext_lazy("case action", "deny_extension"),
    "suspend": pgettext_lazy("case action", "suspend"),
    "resume": pgettext_lazy("case action", "resume"),
    "supervise": pgettext_lazy("case action", "supervise"),
    "resolve": pgettext_lazy("case action", "resolve"),
    "verify": pgettext_lazy("case action", "verify"),
    "close": pgettext_lazy("case action", "close"),
    "evaluate": pgettext_lazy("case action", "evaluate"),
    "reopen": pgettext_lazy("case action", "reopen"),
    "change_mode": pgettext_lazy("case action", "change_mode"),
    "site_visit": pgettext_lazy("case action", "site_visit"),
    "progress": pgettext_lazy("case action", "progress"),
    "reply": pgettext_lazy("case action", "reply"),
}

# The fields services check with their `_text` helper, named as the form names them.
_FIELDS = {
    "title": pgettext_lazy("field", "title"),
    "description": pgettext_lazy("field", "description"),
    "location description": pgettext_lazy("field", "location description"),
    "reporter name": pgettext_lazy("field", "reporter name"),
    "reporter phone": pgettext_lazy("field", "reporter phone"),
    "result": pgettext_lazy("field", "result"),
    "note": pgettext_lazy("field", "note"),
    "reason": pgettext_lazy("field", "reason"),
    "participant": pgettext_lazy("field", "participant"),
    "decision": pgettext_lazy("field", "decision"),
    "reply": pgettext_lazy("field", "reply"),
}


def action_name(action: str) -> str:
    return str(_ACTIONS.get(action, action))


def status_name(status: str) -> str:
    return str(Status(status).label) if status in Status.values else status


def role_name(role: str) -> str:
    return str(Role(role).label) if role in Role.values else role


def field_name(field: str) -> str:
    """A field's name in the reader's language; codes such as Idempotency-Key stay as they are."""
    return str(_FIELDS.get(field, field))


def statuses(codes: Iterable[str]) -> str:
    return any_of(status_name(c) for c in sorted(codes))


def roles(codes: Iterable[str]) -> str:
    return any_of(role_name(c) for c in sorted(codes))
