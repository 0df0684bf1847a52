"""Who may do what in the party layer (党建权限), in one place for services, selectors, the API and pages.

- Grid leaders (网格长 of any level) and administrators manage groups, members, liaison links,
  registrations and calls in the grid subtree of their post, and record the hours of their calls' answers.
- Grid workers, leaders (领导), auditors and administrators read the figures of their subtree.
- A party member signed in (an account linked to an active PartyMember) sees the open calls of their
  community and answers them: an active member whose home grid lies in the call's community; an
  in-service member (在职党员) only once registered (报到) there — their registration is what puts them on the
  community's roster, and it is made in their home grid's community. A 联户党员 post alone shows the calls
  of the post's community, but answering needs the member record (the grid leader adds it).
Outside these, 403 with what to do; a member or call outside the reader's subtree does not exist (404).
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext, gettext_lazy

from gridgov.core.errors import Forbidden, NotFound
from gridgov.people.actors import Actor

MANAGE_ROLES = ("grid_leader",)
READ_ROLES = ("grid_leader", "grid_worker", "leader", "auditor")
PAGE_NAME = gettext_lazy("Party work in the grids")  # the console page, as links name it
COMMUNITY_LEN = 12  # a community's code: the first 12 digits of every grid code below it


def _grid_scopes(actor: Actor, roles) -> list[str]:
    return list(dict.fromkeys(s for r, s in actor.posts if r in roles and s and not s.startswith("D")))


def manage_scopes(actor: Actor) -> list[str]:
    """The grid subtrees the actor manages; [""] (everything) for administrators and the system."""
    if actor.is_admin or actor.is_system:
        return [""]
    return _grid_scopes(actor, MANAGE_ROLES)


def read_scopes(actor: Actor) -> list[str]:
    if actor.is_admin or actor.is_system:
        return [""]
    return _grid_scopes(actor, MANAGE_ROLES + READ_ROLES)


def under(field: str, scopes: list[str]) -> Q:
    """Rows whose grid code (`field`) lies under one of the scopes; nothing when there are none."""
    q = Q(pk__in=[])
    for scope in scopes:
        q |= Q(**{f"{field}__startswith": scope})
    return q


def require_manage(actor: Actor, grid_code: str) -> None:
    """Forbidden unless the actor manages the grid (a grid leader of its subtree, or an administrator)."""
    if actor.user is None and not actor.is_system:
        raise Forbidden(gettext("sign in as a grid leader to manage party work"))
    scopes = manage_scopes(actor)
    if not scopes:
        raise Forbidden(gettext("party groups, members and calls are managed by grid leaders: ask yours"))
    if not any(grid_code.startswith(s) for s in scopes):
        raise Forbidden(gettext("grid %(grid)s is outside the grids you lead") % {"grid": grid_code})


def require_read(actor: Actor, grid_code: str) -> None:
    scopes = read_scopes(actor)
    if not scopes:
        raise Forbidden(gettext("party figures are for grid staff, leaders and auditors of an area"))
    if not any(grid_code.startswith(s) for s in scopes):
        raise NotFound(gettext("no grid %(grid)s among your grids") % {"grid": grid_code})


def community_of(grid_code: str) -> str:
    return grid_code[:COMMUNITY_LEN]


def may_answer(*, kind: str, home_grid: str, registered_in: str | None, call_grid: str) -> bool:
    """The answer rule above, on codes."""
    community = community_of(call_grid)
    if kind == "in_service":  # MemberKind.IN_SERVICE
        return (registered_in or "") == community
    return community_of(home_grid) == community
