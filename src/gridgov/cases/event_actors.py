"""Who took each step of a case, as the timelines show it (经办人): a resident (居民), the system
(系统), or a person by name in the role they acted in, with their own unit or grid — not the case's
lead unit. Events record the actor's unit since it was added (`CaseEvent.actor_unit`); for older
ones it is the actor's post in that role nearest to the case."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from django.contrib.auth import get_user_model

from gridgov.cases.models import Case, CaseEvent
from gridgov.people.actors import nearest_scope
from gridgov.people.models import Post
from gridgov.people.selectors import person_name, unit_names

RESIDENT_ROLES = frozenset({"reporter", "resident"})  # no account: the public reporter
SYSTEM_ROLE = "system"


def actor_kind(role: str) -> str:
    """ "resident", "system" or "staff" (the role an event was recorded with)."""
    if role in RESIDENT_ROLES:
        return "resident"
    return "system" if role == SYSTEM_ROLE else "staff"


def event_actors(case: Case, events: Sequence[CaseEvent]) -> list[dict]:
    """For each event, in order: {kind, name, unit}; name and unit (a code) for staff only.
    Two queries at most: the actors' names and, for events older than `actor_unit`, their posts."""
    staff = [e for e in events if actor_kind(e.actor_role) == "staff" and e.actor_id]
    users = get_user_model().objects.in_bulk({e.actor_id for e in staff})
    scopes: dict[tuple[int, str], list[str]] = defaultdict(list)
    older = {e.actor_id for e in staff if not e.actor_unit}
    if older:
        for user_id, role, scope in (
            Post.objects.filter(user_id__in=older).order_by("id").values_list("user_id", "role", "scope")
        ):
            scopes[(user_id, role)].append(scope)
    related = (case.lead_unit, *case.assisting_units, case.grid.code, case.platform)
    out = []
    for e in events:
        kind = actor_kind(e.actor_role)
        if kind != "staff":
            out.append({"kind": kind, "name": "", "unit": ""})
            continue
        user = users.get(e.actor_id)
        unit = e.actor_unit or nearest_scope(scopes.get((e.actor_id, e.actor_role), []), related)
        out.append({"kind": kind, "name": person_name(user) if user else e.actor_label, "unit": unit})
    return out


def public_actors(case: Case, events: Sequence[CaseEvent]) -> list[dict]:
    """What the public timeline (/track/) says of who took each step: {"by": kind, "unit": {code,
    name} or None} — a staff member's unit or grid, never their name."""
    actors = event_actors(case, events)
    names = unit_names(a["unit"] for a in actors)
    return [
        {"by": a["kind"], "unit": {"code": a["unit"], "name": names.get(a["unit"], a["unit"])} if a["unit"] else None}
        for a in actors
    ]
