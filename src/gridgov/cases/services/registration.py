"""立案, 不予立案, 合并 and 派遣: a report becomes a case (or not) and goes to a lead unit; the clock starts."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext

from gridgov.cases import deadlines
from gridgov.cases.models import URGENT_CHANNEL_HOURS, Case, Status
from gridgov.cases.selectors import visibility
from gridgov.cases.services.inputs import text
from gridgov.cases.services.locking import begin, deadline_data, move
from gridgov.cases.services.modes import next_progress_due
from gridgov.cases.services.record import now as _now
from gridgov.cases.services.record import record_event
from gridgov.cases.wording import status_name
from gridgov.core.errors import BadInput, Conflict
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor, covers
from gridgov.people.models import Unit
from gridgov.routing import selectors as routing

COMPLEXITIES = ("simple", "general", "complex", "legacy", "major")


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
    case.mode = routing.mode_for(case.complexity)  # 办理方式 follows from the class (ModeRule.complexities)
    before = move(case, t)
    record_event(
        case,
        actor=actor,
        action=t.action,
        from_status=before,
        role=role,
        note=text(note, "note"),
        data={
            "category": case.category.code if case.category else None,
            "complexity": case.complexity,
            "mode": case.mode,
        },
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
    rule = routing.mode_rule(case.mode) if case.mode else None
    if rule and rule.district_lead_required and not lead.startswith("D"):
        raise Conflict(
            gettext("%(mode)s: the lead must be a district-level unit (a department), with the others assisting")
            % {"mode": rule.get_mode_display()}
        )
    limits = routing.limits(case.category, case.complexity)
    if (hours := URGENT_CHANNEL_HOURS.get(case.channel)) and not limits.urgent:
        limits = replace(limits, urgent=True, resolve_hours=hours)  # an alarm stays urgent in any category
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
        resolve_working_hours=rule.resolve_working_hours if rule else None,  # 立即办: a short clock
    )
    case.progress_due = next_progress_due(case, rule, now) if rule else None
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
