"""Who may act on a station (3671 便民服务), in one place for services, selectors and the API.

Station staff are the posts covering the station's grid: its grid workers and leaders, the dispatchers of the
area, and admins; leaders of the area read. Residents (no account) book through the portal's sign-in.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext

from gridgov.core.errors import Forbidden, NotFound
from gridgov.people.actors import Actor

STAFF_ROLES = ("grid_worker", "grid_leader", "dispatcher")
READ_ROLES = (*STAFF_ROLES, "leader")
LEVEL_OF_LENGTH = {9: 1, 12: 2, 15: 3}


def may_act(actor: Actor, code: str) -> bool:
    return actor.is_admin or actor.is_system or actor.can_any(STAFF_ROLES, code)


def may_read(actor: Actor, code: str) -> bool:
    return actor.is_admin or actor.is_system or actor.can_any(READ_ROLES, code)


def area(actor: Actor, roles=READ_ROLES) -> Q:
    """Stations (by `code`) in the area of the actor's posts of these roles; all for admins."""
    if actor.is_admin or actor.is_system:
        return Q()
    q = Q(pk__in=[])
    for role, scope in actor.posts:
        if role in roles and scope and not scope.startswith("D"):
            q |= Q(code__startswith=scope)
    return q


def scopes(actor: Actor) -> list[str]:
    """The grid prefixes the actor reads stations in ("" for everything)."""
    if actor.is_admin or actor.is_system:
        return [""]
    return sorted({s for r, s in actor.posts if r in READ_ROLES and s and not s.startswith("D")})


def check_act(actor: Actor, code: str) -> None:
    """404 outside the actor's area, 403 for those who only read there."""
    if actor.user is None and not actor.is_system:
        raise Forbidden(gettext("station work is for staff who are signed in"))
    if may_act(actor, code):
        return
    if may_read(actor, code):
        raise Forbidden(gettext("you may read this station but not act for it"))
    raise not_found()


def not_found() -> NotFound:
    return NotFound(gettext("no such station among yours"))
