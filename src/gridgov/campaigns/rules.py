"""Who may run campaigns and covert inspections (专项排查与暗访权限), in one place for services, selectors
and the API. Outside every scope a campaign or a grid does not exist for the caller (404, as cases do);
inside it, a role that may read but not act gets 403."""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext

from gridgov.core.errors import Forbidden, NotFound
from gridgov.people.actors import Actor

# create, start and close campaigns pushed from a district or street in their subtree
CAMPAIGN_ROLES = ("leader", "dispatcher", "admin")
# record a checklist result for a 三级网格 under their post
RESULT_ROLES = ("grid_worker", "grid_leader")
# record a covert inspection finding (暗访) in a street under their post; read findings' details
FINDING_ROLES = ("supervisor", "leader")
FINDING_READ_ROLES = ("supervisor", "leader", "dispatcher", "admin")
# read campaigns and their progress: everyone with a grid post, for the grids under it
READ_ROLES = ("grid_worker", "grid_leader", "dispatcher", "supervisor", "leader", "admin")


def grid_scopes(actor: Actor, roles) -> list[str]:
    # unit scopes ("D…") are no grid subtree; an admin's post covers the whole tree
    if "admin" in roles and actor.is_admin:
        return [""]
    return list(dict.fromkeys(s for r, s in actor.posts if r in roles and s and not s.startswith("D")))


def under(field: str, scopes: list[str]) -> Q:
    """Rows whose grid code (`field`) lies under one of the scopes; nothing when there are none."""
    q = Q(pk__in=[])
    for scope in scopes:
        q |= Q(**{f"{field}__startswith": scope})
    return q


def related(field: str, scopes: list[str]) -> Q:
    """Rows whose grid code lies under a scope or above it (a campaign pushed from the district reaches a
    grid worker's grid)."""
    q = under(field, scopes)
    for scope in scopes:
        ancestors = [scope[:n] for n in range(6, len(scope), 3)]
        if ancestors:
            q |= Q(**{f"{field}__in": ancestors})
    return q


def signed_in(actor: Actor) -> None:
    if actor.user is None:
        raise Forbidden(gettext("campaigns are run by staff who are signed in"))


def may_run_campaigns(actor: Actor, grid_code: str) -> bool:
    """Leaders, dispatchers and administrators over `grid_code`, and a street's 一级网格长 (a grid leader
    posted at a street or district) over it: those who push 专项排查 down."""
    if actor.is_admin or actor.can_any(CAMPAIGN_ROLES, grid_code):
        return True
    return any(r == "grid_leader" and len(s) <= 9 and grid_code.startswith(s) for r, s in actor.posts)


def campaign_scopes(actor: Actor) -> list[str]:
    """The districts and streets the actor may push campaigns down from (for forms)."""
    if actor.is_admin:
        return [""]
    roles = (*CAMPAIGN_ROLES, "grid_leader")
    return list(dict.fromkeys(s for r, s in actor.posts if r in roles and s and len(s) <= 9 and not s.startswith("D")))


def require_campaign_admin(actor: Actor, grid_code: str) -> None:
    """Creating, starting or closing a campaign from `grid_code` (a district or street)."""
    signed_in(actor)
    if may_run_campaigns(actor, grid_code):
        return
    raise Forbidden(
        gettext("campaigns of %(grid)s are created and started by its leaders, street grid leaders and dispatchers")
        % {"grid": grid_code}
    )


def require_result(actor: Actor, grid_code: str) -> None:
    signed_in(actor)
    if not actor.can_any(RESULT_ROLES, grid_code):
        raise Forbidden(
            gettext("the checklist of grid %(grid)s is ticked by its grid workers and grid leaders")
            % {"grid": grid_code}
        )


def require_finding(actor: Actor, street_code: str) -> None:
    signed_in(actor)
    if not actor.can_any(FINDING_ROLES, street_code):
        raise Forbidden(
            gettext("covert inspection findings in %(street)s are recorded by supervisors and leaders over it")
            % {"street": street_code}
        )


def require_read(actor: Actor, grid_code: str) -> None:
    """Reading figures of a grid's subtree; 404 when no post of the actor's reaches it."""
    if not any(grid_code.startswith(s) or s.startswith(grid_code) for s in grid_scopes(actor, READ_ROLES)):
        raise NotFound(gettext("no grid %(grid)s among your grids") % {"grid": grid_code})
