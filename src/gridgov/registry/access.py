"""Who may see, reveal and review the registry (登记信息的查看、查询与审计权限); one module answers.

- see (masked): a post in SEE_ROLES whose grid scope covers the record's grid;
- reveal an ID number or phone: a post in REVEAL_ROLES covering the resident's grid (网格员, 网格长 of
  the grid subtree); an auditor or dispatcher sees the masked record but may not reveal;
- review the access log: auditors (AUDIT_ROLES), within their grid scope; they reveal nothing.

Outside every scope a record does not exist for the caller (404, as cases do); in scope without the
role, 403.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext

from gridgov.core.errors import Forbidden
from gridgov.people.actors import Actor

SEE_ROLES = ("grid_worker", "grid_leader", "dispatcher", "leader", "auditor", "admin")
REVEAL_ROLES = ("grid_worker", "grid_leader")
AUDIT_ROLES = ("auditor",)


def _grid_scopes(actor: Actor, roles) -> list[str]:
    # department handlers' unit scopes ("D…") are not grid subtrees; "" would cover everything
    return sorted({s for role in roles for s in actor.scopes(role) if s and not s.startswith("D")})


def see_scopes(actor: Actor) -> list[str]:
    return _grid_scopes(actor, SEE_ROLES)


def within(scopes: list[str], field: str = "grid__code") -> Q:
    """Rows whose grid code lies under one of the scopes (none: no row)."""
    q = Q(pk__in=[])
    for scope in scopes:
        q |= Q(**{f"{field}__startswith": scope})
    return q


def can_see(actor: Actor, grid_code: str) -> bool:
    return actor.can_any(SEE_ROLES, grid_code)


def can_reveal(actor: Actor, grid_code: str) -> bool:
    return actor.can_any(REVEAL_ROLES, grid_code)


def audit_scopes(actor: Actor) -> list[str]:
    """The grid subtrees whose access log this person reviews; Forbidden for anyone but an auditor."""
    scopes = _grid_scopes(actor, AUDIT_ROLES)
    if not scopes:
        raise Forbidden(gettext("only auditors review who revealed residents' personal data"))
    return scopes
