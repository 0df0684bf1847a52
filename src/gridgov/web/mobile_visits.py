"""The grid worker's visits page (入户走访, /m/visits/): the care visits due in my grids and a form to record
a visit. It translates only: reads are `visits.selectors.care_due` and `registry.selectors.households`
(scoped to the person), the write is `visits.services.record_visit`. Each form carries a visit id made
by the server (hidden field), so a double submit of one form records one visit.

The form takes several findings and ticks the household's residents seen (names masked as the registry
masks them). Without JavaScript both work by sending the form back to itself (`more`: "residents" shows the
chosen household's residents, "finding" adds a blank finding row), nothing recorded; m-visits.js does the
same in the page.
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


def _residents(actor: Actor, household: str) -> list[dict]:
    """The chosen household's residents as the registry shows them (masked), when it is in the actor's grids."""
    number = _int(household)
    if number is None:
        return []
    rows = registry.residents(actor, household=number).values_list("pk", "name_masked")
    return [{"id": pk, "name": name} for pk, name in rows]


def _findings(post) -> list[dict]:
    """The finding rows as typed (title and description pairs, blank rows dropped)."""
    pairs = zip(post.getlist("finding_title"), post.getlist("finding_description"), strict=False)
    rows = [{"title": t.strip()[:100], "description": d.strip()[:2000]} for t, d in pairs]
    return [row for row in rows if row["title"] or row["description"]]


def _context(actor: Actor, scopes: list[str], values: dict, error: str = "", blank_rows: int = 0) -> dict:
    due = [row for scope in scopes for row in selectors.care_due(actor, on=timezone.localdate(), grid=scope)]
    findings = list(values.get("findings") or [])
    findings += [{"title": "", "description": ""}] * (blank_rows or (0 if findings else 1))
    return {
        "due": due[:MAX_DUE],
        "households": _households(actor, scopes),
        "residents": _residents(actor, values.get("household", "")),
        "seen": {str(pk) for pk in values.get("residents", [])},
        "findings": findings,
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
    values: dict = {k: post.get(k, "").strip() for k in ("client_id", "household", "purpose", "people_seen", "notes")}
    values["findings"] = _findings(post)
    values["residents"] = sorted({n for n in map(_int, post.getlist("residents")) if n is not None})
    if post.get("more") in ("residents", "finding"):  # the form sent back to itself: nothing is recorded
        blank = 1 if post["more"] == "finding" else 0
        return render(request, "web/m/visits.html", _context(actor, scopes, values, blank_rows=blank))
    try:
        household = next(
            (h for s in scopes for h in registry.households(actor, grid=s).filter(pk=_int(values["household"]))), None
        )
        if household is None:
            raise GridgovError(_("Pick a household of your grids."))
        if any(not row["title"] for row in values["findings"]):
            raise GridgovError(_("Give each problem found a title, or clear its description."))
        services.record_visit(
            actor=actor,
            client_id=values["client_id"],
            household=household,
            purpose=values["purpose"],
            # a resident ticked is a person seen
            people_seen=max(_int(values["people_seen"]) or 0, len(values["residents"])),
            resident_ids=values["residents"],
            notes=values["notes"][:2000],
            findings=values["findings"],
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
