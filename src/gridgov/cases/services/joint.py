"""Steps beside the table that still go into the case file: 集中会商 (a consultation on an open case)
and 协办反馈 (an assisting unit's own part of a joint case, 联合执法)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext

from gridgov.cases import permissions
from gridgov.cases.models import CaseEvent, Consultation
from gridgov.cases.services.inputs import check_case_photos, check_photos, text
from gridgov.cases.services.locking import lock_case
from gridgov.cases.services.record import now as _now
from gridgov.cases.services.record import record_event
from gridgov.core.errors import BadInput
from gridgov.people.actors import Actor


@transaction.atomic
def consult_case(
    *, actor: Actor, number: str, participants: list[str], decision: str, at: datetime | None = None
) -> Consultation:
    """集中会商: record a meeting on an open case (participants, decision)."""
    case = lock_case(number, actor)
    permissions.require_consultation(actor, case)
    names = [text(p, "participant", required=True, limit=100) for p in participants or []]
    if not names:
        raise BadInput(gettext("name the participants"))
    now = _now(at)
    decision = text(decision, "decision", required=True)
    meeting = Consultation.objects.create(
        case=case, participants=names, decision=decision, held_at=now, recorded_by=actor.user
    )
    record_event(
        case,
        actor=actor,
        action="consult",
        from_status=case.status,
        role=permissions.first_role(actor),
        note=meeting.decision,
        data={"participants": names},
        at=now,
    )
    return meeting


@transaction.atomic
def report_assist_part(
    *, actor: Actor, number: str, result: str, photos: list[str] | None = None, at: datetime | None = None
) -> CaseEvent:
    """协办反馈: an assisting unit of a joint case (联合执法) reports its own part (result, photos) for
    the lead unit to see before it reports the whole result. The status does not change; a unit may
    report again (the latest counts), until the lead unit has resolved the case."""
    case = lock_case(number, actor)
    unit, role = permissions.require_assisting_unit(actor, case)
    result = text(result, "result", required=True)
    photos = check_case_photos(case, check_photos(photos))
    return record_event(
        case,
        actor=actor,
        action="assist",
        from_status=case.status,
        role=role,
        unit=unit,
        note=result,
        data={"unit": unit, "result": result, "photos": photos},
        at=_now(at),
    )
