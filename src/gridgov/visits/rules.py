"""Who may visit households and who may read visit figures (走访权限), in one place for services,
selectors and the API. Outside every scope a household does not exist for the caller (404, as cases do)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext

from gridgov.core.errors import Forbidden, NotFound
from gridgov.people.actors import Actor, nearest_scope

VISIT_ROLES = ("grid_worker", "grid_leader", "deputy")  # visit households in the grid subtree of their post
# read the visits, care list and coverage of everyone in their subtree (a grid worker: their own grid)
FIGURE_ROLES = ("grid_worker", "grid_leader", "leader", "admin")


def _grid_scopes(actor: Actor, roles) -> list[str]:
    # unit scopes ("D…") are no grid subtree; an empty scope only for admins (below)
    return list(dict.fromkeys(s for r, s in actor.posts if r in roles and s and not s.startswith("D")))


def figure_scopes(actor: Actor) -> list[str]:
    return [""] if actor.is_admin else _grid_scopes(actor, FIGURE_ROLES)


def under(field: str, scopes: list[str]) -> Q:
    """Rows whose grid code (`field`) lies under one of the scopes; nothing when there are none."""
    q = Q(pk__in=[])
    for scope in scopes:
        q |= Q(**{f"{field}__startswith": scope})
    return q


def visit_scope(actor: Actor, grid_code: str) -> str:
    """The scope of the post the actor visits a household of `grid_code` under; 404 outside every one."""
    if actor.user is None:
        raise Forbidden(gettext("household visits are recorded by grid staff who are signed in"))
    scopes = [s for s in _grid_scopes(actor, VISIT_ROLES) if grid_code.startswith(s)]
    if not scopes:
        raise NotFound(gettext("no such household in your grids"))
    return nearest_scope(scopes, [grid_code])


def require_figures(actor: Actor, grid_code: str) -> None:
    if not (actor.is_admin or actor.can_any(FIGURE_ROLES, grid_code)):
        raise NotFound(gettext("no grid %(grid)s among your grids") % {"grid": grid_code})
