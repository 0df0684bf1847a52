"""The grid worker's visits page (入户走访, /m/visits/): the care visits due in my grids and a form to record
a visit. It translates only: reads are `visits.selectors.care_due` and `registry.selectors.households`
(scoped to the person), the write is `visits.services.record_visit`. Each form carries a visit id made
by the server (hidden field), so a double submit of one form records one visit.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from gridgov.core.errors import GridgovError
from gridgov.people.actors import Actor
from gridgov.registry import selectors as registry
from gridgov.visits import selectors, services
from gridgov.visits.models import Purpose
from gridgov.web.mobile import _forbidden, _grid_scopes

MAX_DUE = 100
MAX_HOUSEHOLDS = 500  # a 三级网格 holds a few hundred households


def _households(actor: Actor, scopes: list[str]) -> list[dict]:
    return [
        {"id": h.pk, "address": h.address.full_text, "grid": h.grid.code}
        for scope in scopes
        for h in registry.households(actor, grid=scope)[:MAX_HOUSEHOLDS]
    ]


def _context(actor: Actor, scopes: list[str], values: dict, error: str = "") -> dict:
    due = [row for scope in scopes for row in selectors.care_due(actor, on=timezone.localdate(), grid=scope)]
    return {
        "due": due[:MAX_DUE],
        "households": _households(actor, scopes),
        "purposes": Purpose.choices,
        "values": values,
        "error": error,
        "nav": "visits",
    }


@login_required
@never_cache
def visits_page(request):
    actor = Actor.of(request.user)
    scopes = _grid_scopes(actor)
    if not scopes:
        return _forbidden(request)
    if request.method != "POST":
        values = {"client_id": str(uuid.uuid4()), "household": request.GET.get("household", ""), "purpose": "visit"}
        return render(request, "web/m/visits.html", _context(actor, scopes, values))
    post = request.POST
    values = {k: post.get(k, "").strip() for k in ("client_id", "household", "purpose", "people_seen", "notes")}
    values |= {k: post.get(k, "").strip() for k in ("finding_title", "finding_description")}
    try:
        household = next(
            (h for s in scopes for h in registry.households(actor, grid=s).filter(pk=_int(values["household"]))), None
        )
        if household is None:
            raise GridgovError(_("Pick a household of your grids."))
        findings = (
            [{"title": values["finding_title"][:100], "description": values["finding_description"][:2000]}]
            if values["finding_title"]
            else []
        )
        services.record_visit(
            actor=actor,
            client_id=values["client_id"],
            household=household,
            purpose=values["purpose"],
            people_seen=_int(values["people_seen"]) or 0,
            notes=values["notes"][:2000],
            findings=findings,
        )
    except GridgovError as exc:
        context = _context(actor, scopes, values, exc.message)
        return render(request, "web/m/visits.html", context, status=exc.status)
    messages.success(request, _("The visit is recorded."))
    return redirect("web:m-visits")


def _int(text: str) -> int | None:
    try:
        return max(0, int(text))
    except (TypeError, ValueError):
        return None
