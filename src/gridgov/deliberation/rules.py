"""Who may run and read deliberation (议事权限): grid leaders whose post covers the matter's community or
village (the community's 二级网格长, the street's 一级网格长) and admins run it; leaders of the area read it
too. Outside every scope a matter does not exist for the caller (404, as cases do)."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy

from gridgov.core.errors import Forbidden, NotFound
from gridgov.people.actors import Actor

PAGE_NAME = gettext_lazy("Deliberation")  # the staff page, as the console's navigation names it
RUN_ROLES = ("grid_leader",)
READ_ROLES = ("grid_leader", "leader")


def _scopes(actor: Actor, roles) -> list[str]:
    return [""] if actor.is_admin else [s for r, s in actor.posts if r in roles and s and not s.startswith("D")]


def readable(actor: Actor, field: str = "grid__code") -> Q:
    """Matters whose grid lies under one of the actor's reading scopes; nothing when there are none."""
    q = Q(pk__in=[])
    for scope in _scopes(actor, READ_ROLES):
        q |= Q(**{f"{field}__startswith": scope})
    return q


def read_scopes(actor: Actor) -> list[str]:
    """The grid subtrees whose matters the actor reads ([""]: all, an admin); empty: no staff page."""
    return _scopes(actor, READ_ROLES)


def run_scopes(actor: Actor) -> list[str]:
    return _scopes(actor, RUN_ROLES)


def require_run(actor: Actor, grid_code: str) -> None:
    """Forbidden for anyone not signed in; NotFound outside the actor's grids; Forbidden for a reader only."""
    if actor.user is None:
        raise Forbidden(gettext("deliberation is recorded by community staff who are signed in"))
    if actor.is_admin or actor.can_any(RUN_ROLES, grid_code):
        return
    if actor.can_any(READ_ROLES, grid_code):
        raise Forbidden(
            gettext("only the grid leaders of %(grid)s record its deliberation: ask the community's grid leader")
            % {"grid": grid_code}
        )
    raise NotFound(gettext("no such matter in your grids"))
