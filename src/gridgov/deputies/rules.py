"""Who may do what with needs, receptions and suggestions (人大代表进网格), and the levels of 塔式逐级反映.

- A deputy's level: their DeputyProfile; without one, read from the title of their deputy posts (全国/省/市/
  区县/乡镇 as the roster writes them, "区人大代表" → district), else district (most deputies in the grids).
- A need sits at a level (it starts at town, the bottom). The deputies whose posts cover its grid and whose
  level is at least the need's may claim it; escalating moves it one level above the escalating deputy's
  and clears the claim: from then on only deputies of that level or higher act on it (lower ones read it).
- Staff who collect needs in a grid: its deputies, grid workers and leaders, dispatchers (and admins).
- Readers: deputies and collectors of the grid's area, leaders (the 人大 office of the area), admins.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext

from gridgov.core.errors import NotFound
from gridgov.deputies.models import DeputyProfile, Need
from gridgov.people.actors import Actor
from gridgov.people.models import Post, in_force

LEVELS = ("town", "district", "city", "provincial", "national")  # bottom to top
TITLE_WORDS: tuple[tuple[str, str], ...] = (
    ("全国", "national"),
    ("省", "provincial"),
    ("市", "city"),
    ("区", "district"),
    ("县", "district"),
    ("乡", "town"),
    ("镇", "town"),
)
COLLECT_ROLES = ("deputy", "grid_worker", "grid_leader", "dispatcher")
READ_ROLES = ("deputy", "grid_worker", "grid_leader", "dispatcher", "leader")
OFFICE_ROLES = ("leader", "admin")  # 人大 office figures of an area


def level_of(user) -> str:
    profile = DeputyProfile.objects.filter(user=user).values_list("level", flat=True).first()
    if profile:
        return profile
    for title in Post.objects.filter(in_force(), user=user, role="deputy").values_list("title", flat=True):
        for word, level in TITLE_WORDS:
            if word in (title or ""):
                return level
    return "district"


def rank(level: str) -> int:
    return LEVELS.index(level)


def next_level(level: str) -> str | None:
    i = rank(level)
    return LEVELS[i + 1] if i + 1 < len(LEVELS) else None


def _area(actor: Actor, roles) -> list[str]:
    return [s for r, s in actor.posts if r in roles and s and not s.startswith("D")]


def visible(actor: Actor) -> Q:
    """Needs the actor may read: in the area of a reading post, claimed or collected by them."""
    if actor.is_admin or actor.is_system:
        return Q()
    q = Q(pk__in=[])
    if actor.user is not None:
        q |= Q(deputy=actor.user) | Q(collected_by=actor.user) | Q(hops__from_deputy=actor.user)
    for scope in _area(actor, READ_ROLES):
        q |= Q(grid__code__startswith=scope)
    return q


def may_collect(actor: Actor, grid_code: str) -> bool:
    return actor.is_admin or actor.is_system or actor.can_any(COLLECT_ROLES, grid_code)


def may_claim(actor: Actor, need: Need) -> bool:
    """A deputy of the need's grid whose level reaches the need's."""
    return (
        actor.user is not None
        and actor.can("deputy", need.grid.code)
        and rank(level_of(actor.user)) >= rank(need.level)
    )


def may_work(actor: Actor, need: Need) -> bool:
    """The deputy who claimed the task, while the need is at their level or below."""
    return (
        actor.user is not None
        and need.deputy_id == getattr(actor.user, "pk", None)
        and rank(level_of(actor.user)) >= rank(need.level)
    )


def may_see_office(actor: Actor, area: str) -> bool:
    return actor.is_admin or actor.can_any(OFFICE_ROLES, area)


def not_found() -> NotFound:
    return NotFound(gettext("no such need among yours"))
