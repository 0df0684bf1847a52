"""Who may patrol and who may read patrol figures (巡查权限), in one place for services, selectors and pages."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext

from gridgov.core.errors import Forbidden, NotFound
from gridgov.people.actors import Actor

PATROL_ROLES = ("grid_worker", "grid_leader")  # walk patrols in the grids their posts cover
# read everyone's attendance and coverage in the subtree their posts cover; a worker reads only their own
OVERSIGHT_ROLES = ("grid_leader", "leader", "admin")


def patrol_scopes(actor: Actor) -> list[str]:
    return list(dict.fromkeys(scope for role, scope in actor.posts if role in PATROL_ROLES and scope))


def under_scopes(field: str, scopes: list[str]) -> Q:
    """Rows whose grid code (`field`) lies under one of the scopes; nothing when there are none."""
    q = Q(pk__in=[])
    for scope in scopes:
        q |= Q(**{f"{field}__startswith": scope})
    return q


def require_patrol(actor: Actor, grid_code: str) -> None:
    """Only a grid worker or grid leader whose post covers the grid patrols it (404 otherwise, like cases)."""
    if actor.user is None:
        raise Forbidden(gettext("patrols are for grid workers and grid leaders"))
    if not actor.can_any(PATROL_ROLES, grid_code):
        raise NotFound(gettext("no grid %(grid)s among your grids") % {"grid": grid_code})


def oversees(actor: Actor, grid_code: str) -> bool:
    return actor.is_admin or actor.can_any(OVERSIGHT_ROLES, grid_code)


def require_figures(actor: Actor, grid_code: str) -> None:
    """Attendance and coverage of a grid: its workers (their own rows) and those who oversee it."""
    if not (oversees(actor, grid_code) or actor.can("grid_worker", grid_code)):
        raise NotFound(gettext("no grid %(grid)s among your grids") % {"grid": grid_code})
