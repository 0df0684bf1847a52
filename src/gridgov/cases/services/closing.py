"""The end of the loop: 处置反馈 (the result with photos), 核查 (checked on site, or rework) and 结案."""

from __future__ import annotations

from datetime import datetime
from typing import cast

from django.db import transaction
from django.utils.translation import gettext

from gridgov.cases import deadlines
from gridgov.cases.models import Case, Status
from gridgov.cases.services.inputs import check_case_photos, check_photos, text
from gridgov.cases.services.locking import begin, move, record_step
from gridgov.cases.services.modes import required_before_result, set_reply
from gridgov.cases.services.platforms import resolution_level
from gridgov.cases.services.record import now as _now
from gridgov.cases.services.record import record_event
from gridgov.core.errors import BadInput, Conflict
from gridgov.people.actors import Actor


@transaction.atomic
def resolve_case(
    *, actor: Actor, number: str, result: str, photos: list[str] | None = None, at: datetime | None = None
) -> Case:
    """处置反馈: the lead unit reports the result, with photos — once its mode's steps are done (a site visit
    for 现场办, a consultation for 联动办: cases/services/modes.py)."""
    case, t, role = begin(actor, number, "resolve")
    missing = required_before_result(case)
    if missing:
        raise Conflict(missing)
    now = _now(at)
    case.result = text(result, "result", required=True)
    photos = check_case_photos(case, check_photos(photos))
    case.resolved_at = now
    case.resolved_by = actor.user
    case.resolved_level = resolution_level(case)
    before = move(case, t)
    case.light = deadlines.case_light(case, now) or ""
    record_step(
        case,
        t,
        actor=actor,
        role=role,
        before=before,
        note=case.result,
        data={"photos": photos, "level": case.resolved_level},
        at=now,
    )
    return case


@transaction.atomic
def verify_case(
    *,
    actor: Actor,
    number: str,
    passed: bool,
    note: str = "",
    photos: list[str] | None = None,
    at: datetime | None = None,
) -> Case:
    """核查: a grid worker or leader — not the one who resolved it — checks the fix on site; a failure
    is rework (返工)."""
    case, t, role = begin(actor, number, "verify")
    if not isinstance(passed, bool):
        raise BadInput(gettext("passed must be true or false"))
    photos = check_case_photos(case, check_photos(photos))
    now = _now(at)
    if passed:
        before = move(case, t)
    else:
        case.rework_count += 1
        case.resolved_at = case.resolved_by = None
        case.resolved_level = ""
        before = move(case, t, cast(str, Status.IN_PROGRESS))  # cast: a TextChoices member is a str
    record_step(
        case,
        t,
        actor=actor,
        role=role,
        before=before,
        note=text(note, "note"),
        data={"passed": passed, "photos": photos},
        at=now,
    )
    return case


@transaction.atomic
def close_case(*, actor: Actor, number: str, reply: str = "", at: datetime | None = None) -> Case:
    """结案, with the reply to the requester (句号管理): given here, or recorded before (答复); without one the
    case stays open."""
    case, t, role = begin(actor, number, "close")
    now = _now(at)
    if reply:
        set_reply(case, reply, now)
    elif not case.reply:
        raise BadInput(gettext("reply to the requester before closing: what was done, or why it cannot be (句号管理)"))
    case.closed_at = now
    before = move(case, t)
    record_event(case, actor=actor, action=t.action, from_status=before, role=role, note=case.reply, at=now)
    return case
