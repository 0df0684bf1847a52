"""Routing (三类三级) and who may act on a dispute, in one place for services, selectors and the API.

Routing as data: class → (team kind, the level it starts at). A level without such a team goes up one
level (community → street → district) and the dispute's record says so. The clock: 30 calendar days from
receipt (人民调解 practice: 一般纠纷 within 30 days, counted in calendar days, not working days), extended
once by 30 days when both parties consent; a second extension is refused (refer or close instead).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.db.models import Q
from django.utils.translation import gettext

from gridgov.core.errors import NotFound
from gridgov.mediation.models import Dispute, Level, MediationTeam, TeamKind, TeamMember
from gridgov.people.actors import Actor

PERIOD = timedelta(days=30)  # 调解期限
EXTENSION = timedelta(days=30)  # 延期, once, with both parties' consent
# plain strings: mypy without django-stubs reads TextChoices members as (value, label) tuples
LEVEL_LENGTHS = {"grid": 15, "community": 12, "street": 9, "district": 6}
LEVEL_OF_LENGTH = {n: level for level, n in LEVEL_LENGTHS.items()}
ROUTES = {  # class → team kind (TeamKind) and the level it is mediated at first
    1: ("grid", "grid"),  # 网格调解员 at the 三级网格
    2: ("joint", "community"),  # 四方联调 at the community
    3: ("professional", "street"),  # 专业调委会 of the domain at the street
}
OPEN_STATUSES = ("open", "mediating")  # the clock runs
ACT_ROLES = ("mediator",)  # act on the disputes of the teams they belong to or of their area
READ_ROLES = ("grid_leader", "dispatcher", "leader", "supervisor")  # read the disputes of their area
OPEN_ROLES = ("grid_worker", "grid_leader", "dispatcher", "mediator")  # take in a dispute in their area


def level_of(code: str) -> str:
    return LEVEL_OF_LENGTH.get(len(code), "district")


@dataclass(frozen=True)
class Route:
    team: MediationTeam | None
    level: str
    steps: list[dict]


def route(*, dispute_class: int, domain: str, grid_code: str) -> Route:
    """The team a dispute of this class (and domain) in this grid goes to, going up when a level has none."""
    kind, start = ROUTES[dispute_class]
    steps: list[dict] = []
    for n in (n for n in (15, 12, 9, 6) if n <= LEVEL_LENGTHS[start]):
        code = grid_code[:n]
        teams = MediationTeam.objects.filter(active=True, kind=kind, code=code)
        if kind == TeamKind.PROFESSIONAL:
            teams = teams.filter(domain=domain)
        team = teams.first()
        steps.append({"code": code, "kind": str(kind), "team": team.pk if team else None})
        if team is not None:
            return Route(team, team.level, steps)
    return Route(None, "", steps)


def routing_text(steps: list[dict]) -> str:
    """The routing record in words, in the reader's language."""
    names = dict(
        MediationTeam.objects.filter(pk__in=[s.get("team") or s.get("referred_to") for s in steps]).values_list(
            "pk", "name"
        )
    )
    words = []
    for s in steps:
        if "referred_to" in s:
            words.append(gettext("referred to %(team)s") % {"team": names.get(s["referred_to"], "?")})
        elif s["team"] is None:
            words.append(
                gettext("no %(kind)s at %(level)s %(code)s: up one level")
                % {"kind": TeamKind(s["kind"]).label, "level": Level(level_of(s["code"])).label, "code": s["code"]}
            )
        else:
            words.append(gettext("routed to %(team)s") % {"team": names.get(s["team"], "?")})
    if steps and all("referred_to" not in s and s["team"] is None for s in steps):
        words.append(gettext("no team found: the street's mediators route it by hand"))
    return "; ".join(words)


def area(actor: Actor, roles) -> list[str]:
    """The grid scopes of the actor's posts in `roles` (departments' scopes left out)."""
    return [s for r, s in actor.posts if r in roles and s and not s.startswith("D")]


def visible(actor: Actor) -> Q:
    """Disputes the actor may read: of their teams, taken in by them, or in the area of a post that reads."""
    if actor.is_admin:
        return Q()
    q = Q(pk__in=[])
    if actor.user is not None:
        q |= Q(team__in=TeamMember.objects.filter(user=actor.user).values("team")) | Q(opened_by=actor.user)
    for scope in area(actor, ACT_ROLES + READ_ROLES):
        q |= Q(grid__code__startswith=scope)
    return q


def may_act(actor: Actor, dispute: Dispute) -> bool:
    """Mediators act on the disputes of their teams, and those whose team (or, without one, whose grid) lies
    in the area of their mediator post: a street's mediators act on its communities' teams' disputes, a
    grid's mediator not on one referred up to the community. Readers of the area only read."""
    if actor.user is None:
        return False
    if dispute.team_id and TeamMember.objects.filter(team_id=dispute.team_id, user=actor.user).exists():
        return True
    return actor.can("mediator", dispute.team.code if dispute.team else dispute.grid.code)


def may_open(actor: Actor, grid_code: str) -> bool:
    return actor.is_admin or actor.can_any(OPEN_ROLES, grid_code)


def not_found() -> NotFound:
    return NotFound(gettext("no such dispute among yours"))
