"""Logged reveals of residents' personal data (个人信息查询留痕): a case's reporter, and phone searches."""

from __future__ import annotations

from django.db import transaction

from gridgov.cases import permissions
from gridgov.cases.models import Case
from gridgov.core import audit
from gridgov.core.models import AuditEvent
from gridgov.people.actors import Actor


@transaction.atomic
def record_phone_search(*, actor: Actor, phone: str, numbers: list[str], purpose: str = "queue") -> AuditEvent:
    """A search of cases by the reporter's phone: it tells which cases a person reported, so it is a
    reveal like opening the reporter's details, logged with the digits searched and the cases found."""
    return audit.record(
        actor=actor.user,
        action="personal_data.read",
        object_type="case",
        data={
            "fields": ["reporter_phone"],
            "via": "phone_search",
            "phone": phone,
            "found": numbers[:200],
            "count": len(numbers),
            "purpose": purpose,
            "as": actor.label,
        },
    )


@transaction.atomic
def reveal_reporter(*, actor: Actor, case: Case) -> bool:
    """Open a case's reporter (name and phone) to this actor: Forbidden unless they may
    (cases.permissions), logged when there is anything to show. Called before the case file is read
    with `selectors.staff_view(…, reveal=True)`; whether the reporter left contact data."""
    permissions.require_reveal_reporter(actor, case)
    if not (case.reporter_name or case.reporter_phone):
        return False
    audit.record(
        actor=actor.user,
        action="personal_data.read",
        object_type="case",
        object_id=case.number,
        data={"fields": ["reporter_name", "reporter_phone"], "as": actor.label},
    )
    return True
