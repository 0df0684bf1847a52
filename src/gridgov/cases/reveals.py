"""Logged reveals of residents' personal data that are not a case file's own reveal (个人信息查询留痕)."""

from __future__ import annotations

from django.db import transaction

from gridgov.core import audit
from gridgov.core.models import AuditEvent
from gridgov.people.actors import Actor


@transaction.atomic
def record_phone_search(*, actor: Actor, phone: str, numbers: list[str],
                        purpose: str = "queue") -> AuditEvent:
    """A search of cases by the reporter's phone: it tells which cases a person reported, so it is a
    reveal like opening the reporter's details, logged with the digits searched and the cases found."""
    return audit.record(actor=actor.user, action="personal_data.read", object_type="case",
                        data={"fields": ["reporter_phone"], "via": "phone_search", "phone": phone, "found": numbers[:200],
                              "count": len(numbers), "purpose": purpose, "as": actor.label})
