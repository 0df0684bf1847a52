"""Who may do what with points (积分权限), in one place for services, selectors, the API and the pages.

- award points by hand and work the counter of a 爱心超市 (收银): grid workers and grid leaders serving the
  resident's (or the supermarket's) community — a post on the community, on a grid in it, or above it —
  and administrators;
- read a resident's statement: the same, and dispatchers and leaders whose scope covers the community;
- the monthly 积分榜 is public (masked names).
Outside every scope a resident or supermarket does not exist for the caller (404, as cases do).
"""

from __future__ import annotations

from django.utils.translation import gettext

from gridgov.core.errors import Forbidden, NotFound
from gridgov.people.actors import Actor

STAFF_ROLES = ("grid_worker", "grid_leader")  # award and the counter
READ_ROLES = (*STAFF_ROLES, "dispatcher", "leader")
COMMUNITY_LEN = 12  # 410102014001: district 6 + street 3 + community 3 (a grid adds 3)


def community_of(grid_code: str) -> str:
    return grid_code[:COMMUNITY_LEN]


def serves(actor: Actor, roles, community: str) -> bool:
    """Holds one of `roles` on the community, on a grid inside it, or on an area above it."""
    if actor.is_admin:
        return True
    return any(
        r in roles and s and not s.startswith("D") and (community.startswith(s) or s.startswith(community))
        for r, s in actor.posts
    )


def staff_scopes(actor: Actor, roles=STAFF_ROLES) -> list[str]:
    """The communities (or areas above them) the person works points in; [""] for administrators."""
    if actor.is_admin:
        return [""]
    return list(dict.fromkeys(s[:COMMUNITY_LEN] for r, s in actor.posts if r in roles and s and not s.startswith("D")))


def require_staff(actor: Actor, community: str, what: str) -> None:
    if actor.user is None:
        raise Forbidden(gettext("points are awarded and redeemed by grid staff who are signed in"))
    if not serves(actor, STAFF_ROLES, community):
        raise NotFound(gettext("no such %(what)s in your communities") % {"what": what})


def require_reader(actor: Actor, community: str) -> None:
    if actor.user is None:
        raise Forbidden(gettext("sign in as grid staff to read a resident's points"))
    if not serves(actor, READ_ROLES, community):
        raise NotFound(gettext("no such resident in your communities"))
