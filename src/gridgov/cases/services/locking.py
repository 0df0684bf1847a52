"""What every step does first and last: lock the case (only one the actor may read), check the action,
move the status, and the deadlines or cleared clock its event records."""

from __future__ import annotations

from datetime import datetime

from gridgov.cases import permissions
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.selectors import no_such_case, visibility
from gridgov.cases.services.record import record_event
from gridgov.cases.transitions import TABLE, Transition
from gridgov.core.timefmt import iso
from gridgov.people.actors import Actor


def lock_case(number: str, actor: Actor | None = None) -> Case:
    """The case, its row locked. With a person's `actor`: only a case they may read — one outside their
    sight is refused exactly like an unknown number (selectors.no_such_case), so that trying actions
    tells nobody which numbers exist. The system's actors see every case."""
    cases = Case.objects.select_for_update(of=("self",)).select_related("grid", "category").filter(number=number)
    if actor is not None and not actor.is_system:
        cases = cases.filter(visibility(actor))  # the reading rule (selectors.may_read), in the same statement
    case = cases.first()
    if case is None:
        raise no_such_case(number)
    return case


def begin(actor: Actor, number: str, action: str) -> tuple[Case, Transition, str]:
    """The locked case, the action's transition and the role the actor takes it in (every rule of
    cases.permissions checked: who, the status, the action's extra rule)."""
    case = lock_case(number, actor)
    role = permissions.require(actor, case, action)
    return case, TABLE[action], role


def move(case: Case, t: Transition, target: str | None = None) -> str:
    """Set the case's new status; the status it had."""
    before = case.status
    case.status = target or t.target or case.status
    return before


def deadline_data(case: Case) -> dict:
    return {"deadlines": {"sign_by": iso(case.sign_by), "resolve_by": iso(case.resolve_by)}}


def clear_clock(case: Case) -> None:
    case.lead_unit, case.assisting_units = "", []
    case.dispatched_at = case.clock_start = case.sign_by = case.resolve_by = case.accepted_at = None
    case.clock_banked = 0.0
    case.pending_extension_days = None
    case.light = ""


def record_step(
    case: Case,
    t: Transition,
    *,
    actor: Actor,
    role: str,
    before: str,
    note: str = "",
    data: dict | None = None,
    at: datetime,
) -> CaseEvent:
    """The step's one event, at the case's lead unit (most steps happen there): record_event with what
    every step passes the same way, written once."""
    return record_event(
        case,
        actor=actor,
        action=t.action,
        from_status=before,
        role=role,
        unit=case.lead_unit,
        note=note,
        data=data,
        at=at,
    )
