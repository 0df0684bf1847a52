"""Who may do what to a case, and when (权限): the one home of every such rule and of its reason.

The transition table (cases.transitions) says which roles, standing how to the case, may take an action
from which statuses; this module turns it into answers — the role an actor acts in, or the refusal
with its explanation (403 for who, 409 for when) — and adds the rules the table cannot hold: a pending
extension request, a second extension by the platform above, reopen once and only after 不满意, the
verifier is not the resolver, the assisting units' part (协办反馈), consultations (集中会商), channels,
the on-the-spot fix (就地解决) and the reveal of a reporter's contact data.

The services call the `require_*` functions inside their transaction (the case row locked); the
selectors and pages ask `allowed_actions` / `may_*`, which apply exactly the same rules.
"""

from __future__ import annotations

from typing import cast

from django.db.models import Q
from django.utils.translation import gettext

from gridgov.cases.models import Case, Channel, Satisfaction, Status
from gridgov.cases.transitions import GRID_STAFF, OPEN_STATUSES, STEPS, TABLE, Transition
from gridgov.cases.wording import action_name, status_name, statuses
from gridgov.cases.wording import roles as role_names
from gridgov.core.errors import Conflict, Forbidden, GridgovError
from gridgov.people.actors import Actor, covers
from gridgov.routing.selectors import mode_rule

# Channels an actor may report through, by role; residents (no account) use the public ones.
PUBLIC_CHANNELS = {Channel.RESIDENT, Channel.WECHAT, Channel.OPEN311}
# cast: without django-stubs mypy reads a TextChoices member as its (value, label) tuple; it is a str.
CHANNEL_ROLES = cast(
    dict[str, set[str]],
    {
        # grid staff on patrol; the system for the platform's 未诉先办 (assessment.hotspots: the grid goes and looks)
        Channel.PATROL: {"grid_worker", "grid_leader", "system"},
        Channel.HOTLINE: {"dispatcher", "system"},  # a 受理员, or the city 12345 adapter (exchange.hotline)
        Channel.DEPUTY: {"deputy"},
        Channel.SUPERVISOR: {"supervisor", "leader"},  # 督查: supervisors, and leaders inspecting (暗访)
        Channel.SENSOR: {"system", "admin", "dispatcher"},
        Channel.IMPORT: {"system", "admin", "dispatcher"},
    },
)
# Who records a consultation (集中会商) on a case of their grid, besides the lead unit's handler.
CONSULT_ROLES = frozenset({"dispatcher", "leader", "grid_leader"})
# Who may see a reporter's name and phone unmasked (a logged reveal: cases.reveals).
REVEAL_ROLES = frozenset({"dispatcher", "leader", "admin"})
# 联合执法: an assisting unit's own part may be reported while the case is with the units.
ASSIST_STATUSES = cast(frozenset[str], frozenset({Status.DISPATCHED, Status.IN_PROGRESS}))  # cast: as above


def level_of_code(code: str) -> int:
    """The level of a grid or platform code by its length: 0 district … 4 micro-grid."""
    return {6: 0, 9: 1, 12: 2, 15: 3, 18: 4}[len(code)]


def first_role(actor: Actor) -> str:
    """The role written on an event that no transition names (a report, a consultation)."""
    return next(iter(sorted(actor.roles)), "resident" if actor.user is None else "")


# ---- the table: who, and from which statuses -----------------------------------------------------


def _relation_code(case: Case, relation: str) -> str | None:
    return {"platform": case.platform, "lead_unit": case.lead_unit or None, "case_grid": case.grid.code}.get(relation)


def _acting_role(actor: Actor, case: Case, t: Transition) -> str | None:
    code = _relation_code(case, t.relation)
    if code:
        for role in sorted(t.roles):
            if role == "department_handler" and not code.startswith("D"):
                continue
            if role in GRID_STAFF and code.startswith("D"):
                continue
            if actor.can(role, code):
                return role
    return None


def authorize(actor: Actor, case: Case, t: Transition) -> str:
    """The role the actor acts in; Forbidden when they hold none that reaches this case."""
    role = _acting_role(actor, case, t)
    if role is not None:
        return role
    if t.relation == "platform":
        who = gettext("the dispatcher of platform %(platform)s") % {"platform": case.platform}
    elif t.relation == "lead_unit":
        who = (
            gettext("the lead unit %(unit)s") % {"unit": case.lead_unit}
            if case.lead_unit
            else gettext("the lead unit (there is none yet)")
        )
    else:
        who = gettext("a %(roles)s covering grid %(grid)s") % {"roles": role_names(t.roles), "grid": case.grid.code}
    raise Forbidden(
        gettext("%(action)s on case %(number)s is for %(who)s")
        % {"action": action_name(t.action), "number": case.number, "who": who}
    )


def require_status(case: Case, t: Transition) -> None:
    """Conflict unless the case is in one of the statuses the action starts from."""
    if not t.allows_status(case.status):
        raise Conflict(
            gettext("case %(number)s is %(status)s; %(action)s needs it to be %(allowed)s")
            % {
                "number": case.number,
                "status": status_name(case.status),
                "action": action_name(t.action),
                "allowed": statuses(t.sources),
            }
        )


# ---- the rules the table cannot hold -------------------------------------------------------------


def _extension_request(actor: Actor, case: Case) -> GridgovError | None:
    if case.resolve_by is None:
        return Conflict(
            gettext("case %(number)s has no deadline running (it was never dispatched): nothing to extend")
            % {"number": case.number}
        )
    if case.pending_extension_days:
        return Conflict(
            gettext("case %(number)s already has an extension request waiting for the dispatcher")
            % {"number": case.number}
        )
    return None


def _extension_decision(actor: Actor, case: Case) -> GridgovError | None:
    if not case.pending_extension_days or case.resolve_by is None:
        return Conflict(gettext("case %(number)s has no extension request to decide") % {"number": case.number})
    # a second extension is for the platform above (二次延期由上级审批)
    if (
        case.extension_count >= 1
        and level_of_code(case.platform) > 0
        and not any(covers(s, case.platform) and len(s) < len(case.platform) for s in actor.scopes("dispatcher"))
    ):
        return Forbidden(
            gettext(
                "case %(number)s was extended once already: a second extension needs the "
                "dispatcher of the platform above"
            )
            % {"number": case.number}
        )
    return None


def _verification(actor: Actor, case: Case) -> GridgovError | None:
    if actor.user is not None and case.resolved_by_id == getattr(actor.user, "pk", None):
        return Forbidden(
            gettext("the person who resolved a case cannot verify it: ask another worker or the grid leader")
        )
    return None


def _reopening(actor: Actor, case: Case) -> GridgovError | None:
    if case.satisfaction != Satisfaction.DISSATISFIED:
        return Conflict(
            gettext("case %(number)s may be reopened only after a dissatisfied evaluation") % {"number": case.number}
        )
    if case.reopen_count >= 1:
        return Conflict(gettext("case %(number)s was reopened once already") % {"number": case.number})
    return None


STATE_RULES = {
    "request_extension": _extension_request,
    "grant_extension": _extension_decision,
    "deny_extension": _extension_decision,
    "verify": _verification,
    "reopen": _reopening,
}


def require_state(actor: Actor, case: Case, action: str) -> None:
    """The action's extra rule (STATE_RULES), checked after its role and status: raises its refusal."""
    rule = STATE_RULES.get(action)
    refusal = rule(actor, case) if rule else None
    if refusal is not None:
        raise refusal


def require(actor: Actor, case: Case, action: str) -> str:
    """Every rule of a transition, in the order the services answer them (403 who, 409 status, then
    the extra rule): the role the actor acts in."""
    t = TABLE[action]
    role = authorize(actor, case, t)
    require_status(case, t)
    require_state(actor, case, action)
    return role


def may(actor: Actor, case: Case, action: str) -> bool:
    """Whether `require` would let this actor take this action on this case now."""
    t = TABLE[action]
    if not t.allows_status(case.status) or _acting_role(actor, case, t) is None:
        return False
    rule = STATE_RULES.get(action)
    return rule is None or rule(actor, case) is None


def allowed_actions(actor: Actor, case: Case) -> list[str]:
    """The actions of the table this actor may take on this case now (pages show these and only these)."""
    return [action for action in TABLE if may(actor, case, action)]


def allowed_steps(actor: Actor, case: Case) -> list[str]:
    """The handling modes' steps (transitions.STEPS) this actor may take now and that the case's mode asks for:
    a site visit only under a mode that asks one, progress reports only under one with a schedule."""
    rule = mode_rule(case.mode) if case.mode else None
    relevant = {
        "site_visit": bool(rule and rule.site_visit_required),
        "progress": bool(rule and rule.progress_every_days),
    }
    return [
        step
        for step, t in STEPS.items()
        if relevant.get(step, True) and t.allows_status(case.status) and _acting_role(actor, case, t) is not None
    ]


def not_resolved_by(actor: Actor) -> Q:
    """Cases this person did not resolve: the ones whose fix they may verify (核查)."""
    return ~Q(resolved_by=actor.user) if actor.user is not None else Q()


# ---- actions outside the table -------------------------------------------------------------------


def require_consultation(actor: Actor, case: Case) -> None:
    """集中会商: recorded by the platform, a leader, the grid leader or the lead unit, on an open case."""
    if not (
        actor.can_any(CONSULT_ROLES, case.grid.code)
        or (case.lead_unit and actor.can("department_handler", case.lead_unit))
    ):
        raise Forbidden(
            gettext("a consultation is recorded by the platform, a leader, the grid leader or the lead unit")
        )
    if case.status not in OPEN_STATUSES:
        raise Conflict(
            gettext("case %(number)s is %(status)s: consultations are for open cases")
            % {"number": case.number, "status": status_name(case.status)}
        )


def assisting_unit_of(actor: Actor, case: Case) -> tuple[str, str] | None:
    """(unit, role): the first of the case's assisting units this actor answers for — as its handler,
    or as grid staff when the unit is a grid — in the role they act in; None when they answer for none."""
    for unit in case.assisting_units:
        roles = ("department_handler",) if unit.startswith("D") else sorted(GRID_STAFF)
        for role in roles:
            if actor.can(role, unit):
                return unit, role
    return None


def require_assisting_unit(actor: Actor, case: Case) -> tuple[str, str]:
    """协办反馈: (unit, role) of the assisting unit this actor reports for; Forbidden when they answer
    for none, Conflict when the case is not with the units."""
    stands = assisting_unit_of(actor, case)
    if stands is None and not case.assisting_units:
        raise Forbidden(
            gettext("case %(number)s has no assisting units: its lead unit reports the result")
            % {"number": case.number}
        )
    if stands is None:
        raise Forbidden(
            gettext("an assisting part of case %(number)s is reported by a handler of its assisting units (%(units)s)")
            % {"number": case.number, "units": ", ".join(case.assisting_units)}
        )
    if case.status not in ASSIST_STATUSES:
        raise Conflict(
            gettext("case %(number)s is %(status)s; an assisting unit reports its part while the case is %(allowed)s")
            % {"number": case.number, "status": status_name(case.status), "allowed": statuses(ASSIST_STATUSES)}
        )
    return stands


def may_report_assist(actor: Actor, case: Case) -> bool:
    """Whether this actor may report an assisting unit's part of this case now."""
    return assisting_unit_of(actor, case) is not None and case.status in ASSIST_STATUSES


def may_report_through(actor: Actor, channel: str) -> bool:
    """Whether the actor may report through `channel` (a known one): a public one, or one of their roles'."""
    return channel in PUBLIC_CHANNELS or bool(CHANNEL_ROLES[channel] & actor.roles)


def require_channel(actor: Actor, channel: str) -> None:
    """Forbidden when the actor holds no role that reports through `channel` (a known channel)."""
    if not may_report_through(actor, channel):
        raise Forbidden(
            gettext("reporting through %(channel)s needs the role %(roles)s")
            % {"channel": Channel(channel).label, "roles": role_names(CHANNEL_ROLES[channel])}
        )


def require_on_spot(actor: Actor, grid_code: str) -> None:
    """就地解决: only the grid's own worker reports a problem as solved on the spot."""
    if not actor.can("grid_worker", grid_code):
        raise Forbidden(
            gettext("only a grid worker of grid %(grid)s may report a problem as solved on the spot")
            % {"grid": grid_code}
        )


def may_reveal_reporter(actor: Actor, case: Case) -> bool:
    return actor.can_any(REVEAL_ROLES, case.grid.code)


def require_reveal_reporter(actor: Actor, case: Case) -> None:
    """Only the platform's dispatchers and leaders (and administrators) see the reporter unmasked."""
    if not may_reveal_reporter(actor, case):
        raise Forbidden(gettext("only the platform's dispatchers and leaders may see the reporter's name and phone"))
