"""The steps of the closed loop (办理流程), one function each: 立案 … 结案 (docs/architecture.md).

Each checks the actor's role and scope (403), then the case's state (409) — both in cases.permissions —
then writes the case and exactly one CaseEvent in one transaction, holding the case's row lock so that
two people cannot both sign for, resolve or close it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.cases import deadlines, permissions
from gridgov.cases.models import Case, Status
from gridgov.cases.selectors import no_such_case, visibility
from gridgov.cases.services.inputs import check_case_photos, check_photos, text
from gridgov.cases.services.platforms import parent_platform, resolution_level
from gridgov.cases.services.record import now as _now
from gridgov.cases.services.record import record_event
from gridgov.cases.transitions import TABLE, Transition
from gridgov.cases.wording import status_name
from gridgov.core.errors import BadInput, Conflict
from gridgov.core.timefmt import iso
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor, covers
from gridgov.people.models import Unit
from gridgov.routing import selectors as routing

MAX_EXTENSION_DAYS = 30
COMPLEXITIES = ("simple", "general", "complex", "legacy", "major")


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


@transaction.atomic
def register_case(
    *,
    actor: Actor,
    number: str,
    category: str | None = None,
    complexity: str | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Case:
    """立案: accept a report as a case, fixing its category and complexity."""
    case, t, role = begin(actor, number, "register")
    if category:
        cat = routing.category(category)
        if cat is None or not cat.is_leaf:
            raise BadInput(
                gettext("unknown category %(category)r: pick a leaf of the category tree") % {"category": category}
            )
        case.category = cat
        case.complexity = cat.complexity
    if complexity:
        if complexity not in COMPLEXITIES:
            raise BadInput(gettext("complexity must be simple, general, complex, legacy or major"))
        case.complexity = complexity
    before = move(case, t)
    record_event(
        case,
        actor=actor,
        action=t.action,
        from_status=before,
        role=role,
        note=text(note, "note"),
        data={"category": case.category.code if case.category else None, "complexity": case.complexity},
        at=_now(at),
    )
    return case


@transaction.atomic
def reject_case(*, actor: Actor, number: str, reason: str, at: datetime | None = None) -> Case:
    """不予立案: not a case for this platform (with the reason the reporter will read)."""
    case, t, role = begin(actor, number, "reject")
    reason = text(reason, "reason", required=True)
    before = move(case, t)
    record_event(case, actor=actor, action=t.action, from_status=before, role=role, note=reason, at=_now(at))
    return case


@transaction.atomic
def merge_case(*, actor: Actor, number: str, into: str, at: datetime | None = None) -> Case:
    """合并: a duplicate points at its master case; its reporter follows the master."""
    case, t, role = begin(actor, number, "merge")
    if into == number:
        raise BadInput(gettext("a case cannot be merged into itself"))
    # Both cases must be in the actor's scope: an out-of-scope master is refused exactly like an unknown
    # one, so the merge neither leaks that case (its timeline and result through the duplicate's
    # tracking code) nor reveals that it exists.
    master = Case.objects.filter(visibility(actor), number=into).first()
    if master is None:
        raise BadInput(gettext("no case numbered %(number)s to merge into") % {"number": into})
    if master.status in (Status.MERGED, Status.REJECTED):
        raise Conflict(
            gettext("case %(number)s is %(status)s: merge into the case it points at, or an open one")
            % {"number": into, "status": status_name(master.status)}
        )
    case.master = master
    before = move(case, t)
    record_event(
        case,
        actor=actor,
        action=t.action,
        from_status=before,
        role=role,
        note=f"→ {into}",
        data={"into": into},
        at=_now(at),
    )
    return case


def _check_unit(case: Case, unit: str, *, lead: bool) -> str:
    unit = (unit or "").strip()
    if unit.startswith("D"):
        if not Unit.objects.filter(code=unit, active=True).exists():
            raise BadInput(
                gettext("unknown unit %(unit)s: see the units of district %(district)s")
                % {"unit": unit, "district": case.platform[:6]}
            )
        return unit
    grid = Grid.objects.filter(code=unit, valid_to__isnull=True).first()
    if grid is None:
        raise BadInput(gettext("unknown unit %(unit)r: give a grid code or a unit code (D…)") % {"unit": unit})
    if lead and not covers(case.platform, unit):
        raise BadInput(
            gettext("grid %(grid)s is outside platform %(platform)s: escalate or pick a grid below it")
            % {"grid": unit, "platform": case.platform}
        )
    return unit


@transaction.atomic
def dispatch_case(
    *,
    actor: Actor,
    number: str,
    unit: str | None = None,
    assisting: list[str] | None = None,
    note: str = "",
    at: datetime | None = None,
) -> Case:
    """派遣: to a lead unit (a grid or a unit) and assisting units (联合执法); the clock starts."""
    case, t, role = begin(actor, number, "dispatch")
    now = _now(at)
    route = routing.responsible_unit(category=case.category, grid_code=case.grid.code, district=case.platform[:6])
    lead = _check_unit(case, unit or route.unit, lead=True)
    helpers = [_check_unit(case, u, lead=False) for u in (assisting if assisting is not None else route.assisting)]
    helpers = [u for u in dict.fromkeys(helpers) if u != lead]
    limits = routing.limits(case.category, case.complexity)
    case.lead_unit, case.assisting_units = lead, helpers
    case.urgent = limits.urgent
    case.dispatched_at = case.clock_start = now
    case.clock_banked = 0.0
    case.accepted_at = None
    case.sign_by, case.resolve_by = deadlines.initial(
        start=now,
        sign_hours=limits.sign_hours,
        resolve_days=limits.resolve_days,
        urgent=limits.urgent,
        resolve_hours=limits.resolve_hours,
    )
    before = move(case, t)
    record_event(
        case,
        actor=actor,
        action=t.action,
        from_status=before,
        role=role,
        unit=lead,
        note=text(note, "note"),
        data={"assisting": helpers, "route": route.source, **deadline_data(case)},
        at=now,
    )
    return case


@transaction.atomic
def register_and_dispatch(
    *,
    actor: Actor,
    number: str,
    category: str | None = None,
    complexity: str | None = None,
    note: str = "",
    unit: str | None = None,
    assisting: list[str] | None = None,
    at: datetime | None = None,
) -> Case:
    """立案并派遣: register and dispatch in one step — both events or, if either is refused, neither."""
    register_case(actor=actor, number=number, category=category, complexity=complexity, note=note, at=at)
    return dispatch_case(actor=actor, number=number, unit=unit, assisting=assisting, at=at)


@transaction.atomic
def accept_case(*, actor: Actor, number: str, at: datetime | None = None) -> Case:
    """签收: the lead unit takes the case on."""
    case, t, role = begin(actor, number, "accept")
    now = _now(at)
    case.accepted_at = now
    before = move(case, t)
    record_event(case, actor=actor, action=t.action, from_status=before, role=role, unit=case.lead_unit, at=now)
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
    record_event(
        case,
        actor=actor,
        action=t.action,
        from_status=case.status,
        role=role,
        unit=case.lead_unit,
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
    record_event(
        case,
        actor=actor,
        action=t.action,
        from_status=case.status,
        role=role,
        unit=case.lead_unit,
        data={"days": days, **deadline_data(case)},
        at=_now(at),
    )
    return case


@transaction.atomic
def deny_extension(*, actor: Actor, number: str, reason: str, at: datetime | None = None) -> Case:
    """驳回延期."""
    case, t, role = begin(actor, number, "deny_extension")
    days = case.pending_extension_days
    case.pending_extension_days = None
    record_event(
        case,
        actor=actor,
        action=t.action,
        from_status=case.status,
        role=role,
        unit=case.lead_unit,
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
    record_event(
        case,
        actor=actor,
        action=t.action,
        from_status=before,
        role=role,
        unit=case.lead_unit,
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
    record_event(
        case,
        actor=actor,
        action=t.action,
        from_status=before,
        role=role,
        unit=case.lead_unit,
        data=deadline_data(case),
        at=now,
    )
    return case


@transaction.atomic
def supervise_case(*, actor: Actor, number: str, note: str, at: datetime | None = None) -> Case:
    """督办: a supervisor, leader or dispatcher presses for progress."""
    case, t, role = begin(actor, number, "supervise")
    record_event(
        case,
        actor=actor,
        action=t.action,
        from_status=case.status,
        role=role,
        unit=case.lead_unit,
        note=text(note, "note", required=True),
        at=_now(at),
    )
    return case


@transaction.atomic
def resolve_case(
    *, actor: Actor, number: str, result: str, photos: list[str] | None = None, at: datetime | None = None
) -> Case:
    """处置反馈: the lead unit reports the result, with photos."""
    case, t, role = begin(actor, number, "resolve")
    now = _now(at)
    case.result = text(result, "result", required=True)
    photos = check_case_photos(case, check_photos(photos))
    case.resolved_at = now
    case.resolved_by = actor.user
    case.resolved_level = resolution_level(case)
    before = move(case, t)
    case.light = deadlines.case_light(case, now) or ""
    record_event(
        case,
        actor=actor,
        action=t.action,
        from_status=before,
        role=role,
        unit=case.lead_unit,
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
    record_event(
        case,
        actor=actor,
        action=t.action,
        from_status=before,
        role=role,
        unit=case.lead_unit,
        note=text(note, "note"),
        data={"passed": passed, "photos": photos},
        at=now,
    )
    return case


@transaction.atomic
def close_case(*, actor: Actor, number: str, at: datetime | None = None) -> Case:
    """结案."""
    case, t, role = begin(actor, number, "close")
    now = _now(at)
    case.closed_at = now
    before = move(case, t)
    record_event(case, actor=actor, action=t.action, from_status=before, role=role, at=now)
    return case
