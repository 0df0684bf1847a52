"""The case at its unit: 签收, 退单, 逐级上报, 延期 (asked, granted, denied), 挂账 and 恢复办理, 督办."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.cases import deadlines
from gridgov.cases.models import Case
from gridgov.cases.services.inputs import text
from gridgov.cases.services.locking import begin, clear_clock, deadline_data, move, record_step
from gridgov.cases.services.platforms import parent_platform
from gridgov.cases.services.record import now as _now
from gridgov.cases.services.record import record_event
from gridgov.core.errors import BadInput, Conflict
from gridgov.people.actors import Actor

MAX_EXTENSION_DAYS = 30


@transaction.atomic
def accept_case(*, actor: Actor, number: str, at: datetime | None = None) -> Case:
    """签收: the lead unit takes the case on."""
    case, t, role = begin(actor, number, "accept")
    now = _now(at)
    case.accepted_at = now
    before = move(case, t)
    record_step(case, t, actor=actor, role=role, before=before, at=now)
    return case


@transaction.atomic
def return_case(*, actor: Actor, number: str, reason: str, at: datetime | None = None) -> Case:
    """退单: not ours — back to the dispatcher, with the reason (counted against this dispatch)."""
    case, t, role = begin(actor, number, "return")
    reason = text(reason, "reason", required=True)
    unit = case.lead_unit
    case.return_count += 1
    clear_clock(case)
    before = move(case, t)
    record_event(
        case,
        actor=actor,
        action=t.action,
        from_status=before,
        role=role,
        unit=unit,
        note=reason,
        data=deadline_data(case),
        at=_now(at),
    )
    return case


@transaction.atomic
def escalate_case(*, actor: Actor, number: str, note: str, at: datetime | None = None) -> Case:
    """逐级上报: beyond the grid's power — registered again at the platform above."""
    case, t, role = begin(actor, number, "escalate")
    note = text(note, "note", required=True)
    parent = parent_platform(case.platform)
    if parent is None:
        raise Conflict(
            gettext("case %(number)s is at the district platform already; there is no level above")
            % {"number": case.number}
        )
    unit = case.lead_unit
    case.platform = parent
    case.escalation_count += 1
    clear_clock(case)
    before = move(case, t)
    record_event(
        case,
        actor=actor,
        action=t.action,
        from_status=before,
        role=role,
        unit=unit,
        note=note,
        data={"platform": parent, **deadline_data(case)},
        at=_now(at),
    )
    return case


@transaction.atomic
def request_extension(*, actor: Actor, number: str, days: int, reason: str, at: datetime | None = None) -> Case:
    """申请延期: the lead unit asks for more working days (one request waits at a time)."""
    case, t, role = begin(actor, number, "request_extension")
    if not isinstance(days, int) or not 1 <= days <= MAX_EXTENSION_DAYS:
        raise BadInput(
            gettext("days must be a whole number of working days from 1 to %(max)d") % {"max": MAX_EXTENSION_DAYS}
        )
    case.pending_extension_days = days
    record_step(
        case,
        t,
        actor=actor,
        role=role,
        before=case.status,
        note=text(reason, "reason", required=True),
        data={"days": days},
        at=_now(at),
    )
    return case


@transaction.atomic
def grant_extension(*, actor: Actor, number: str, at: datetime | None = None) -> Case:
    """同意延期: the resolve deadline moves by the requested working days (a second extension: by the
    platform above, cases.permissions)."""
    case, t, role = begin(actor, number, "grant_extension")
    days = case.pending_extension_days
    case.resolve_by = deadlines.extended(case.resolve_by, days=days, urgent=case.urgent)
    case.extension_count += 1
    case.pending_extension_days = None
    record_step(
        case, t, actor=actor, role=role, before=case.status, data={"days": days, **deadline_data(case)}, at=_now(at)
    )
    return case


@transaction.atomic
def deny_extension(*, actor: Actor, number: str, reason: str, at: datetime | None = None) -> Case:
    """驳回延期."""
    case, t, role = begin(actor, number, "deny_extension")
    days = case.pending_extension_days
    case.pending_extension_days = None
    record_step(
        case,
        t,
        actor=actor,
        role=role,
        before=case.status,
        note=text(reason, "reason", required=True),
        data={"days": days},
        at=_now(at),
    )
    return case


@transaction.atomic
def suspend_case(*, actor: Actor, number: str, reason: str, review_on: date, at: datetime | None = None) -> Case:
    """挂账: the clock stops until a review date (e.g. waiting for funds or a court)."""
    case, t, role = begin(actor, number, "suspend")
    now = _now(at)
    if not isinstance(review_on, date) or review_on <= timezone.localtime(now).date():
        raise BadInput(gettext("review_on must be a date after today"))
    case.suspended_at = now
    case.review_on = review_on
    before = move(case, t)
    record_step(
        case,
        t,
        actor=actor,
        role=role,
        before=before,
        note=text(reason, "reason", required=True),
        data={"review_on": review_on.isoformat()},
        at=now,
    )
    return case


@transaction.atomic
def resume_case(*, actor: Actor, number: str, at: datetime | None = None) -> Case:
    """恢复办理: the clock runs again; the deadlines move by the time spent suspended."""
    case, t, role = begin(actor, number, "resume")
    now = _now(at)
    paused = case.suspended_at or now
    case.clock_banked += deadlines.spent(case.clock_start or paused, paused, urgent=case.urgent)
    case.clock_start = now
    case.resolve_by = deadlines.shifted(case.resolve_by, paused_from=paused, resumed_at=now, urgent=case.urgent)
    if case.accepted_at is None:
        case.sign_by = deadlines.shifted(case.sign_by, paused_from=paused, resumed_at=now, urgent=case.urgent)
    case.suspended_at = None
    case.review_on = None
    before = move(case, t)
    record_step(case, t, actor=actor, role=role, before=before, data=deadline_data(case), at=now)
    return case


@transaction.atomic
def supervise_case(*, actor: Actor, number: str, note: str, at: datetime | None = None) -> Case:
    """督办: a supervisor, leader or dispatcher presses for progress."""
    case, t, role = begin(actor, number, "supervise")
    record_step(
        case, t, actor=actor, role=role, before=case.status, note=text(note, "note", required=True), at=_now(at)
    )
    return case
