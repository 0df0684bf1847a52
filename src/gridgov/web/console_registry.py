"""The console's registry search (登记信息查询, /console/registry/): households and residents in the
staff member's grids, masked, and the logged reveal of one ID number or phone.

It translates only: reads are `registry.selectors` (scoped, masked rows), an exact search by ID number or
phone is logged through `registry.residents.record_search` (as the API's search is), a reveal is
`registry.residents.reveal_resident` (role, scope and reason checked there, access-log row written).
The revealed value is shown once, on the reveal's own response page, never in a list.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from gridgov.core.errors import BadInput, GridgovError
from gridgov.people.actors import Actor
from gridgov.registry import access, residents, selectors
from gridgov.registry.models import Resident
from gridgov.web.console import refuse

RESULTS = 50
SEARCHES = ("address", "name", "id_number", "phone")


def registry_actor(request) -> Actor | None:
    """The signed-in person, if some post of theirs sees part of the registry."""
    actor = Actor.of(request.user)
    return actor if request.user.is_authenticated and access.see_scopes(actor) else None


def _not_registry(request):
    return refuse(request, _("The registry search is for staff whose posts cover grids of the registry."), 403)


def _resident_rows(actor: Actor, qs) -> list[dict]:
    return [{**selectors.resident_row(r), "can_reveal": access.can_reveal(actor, r.grid.code)} for r in qs[:RESULTS]]


@login_required
@require_GET
def search(request):
    actor = registry_actor(request)
    if actor is None:
        return _not_registry(request)
    values = {k: request.GET.get(k, "").strip()[:100] for k in SEARCHES}
    households, people, error, searched = [], [], "", any(values.values())
    try:
        if values["address"]:
            households = [
                selectors.household_row(h) for h in selectors.households(actor, address=values["address"])[:RESULTS]
            ]
        if values["name"] or values["id_number"] or values["phone"]:
            qs = selectors.residents(
                actor, name=values["name"] or None, id_number=values["id_number"] or None, phone=values["phone"] or None
            )
            people = _resident_rows(actor, qs)
            if fields := [f for f in ("id_number", "phone") if values[f]]:
                residents.record_search(actor=actor, fields=fields, found=[p["id"] for p in people])
    except BadInput as exc:
        error = exc.message
    context = {"values": values, "households": households, "people": people, "error": error, "searched": searched}
    return render(request, "web/console/registry.html", context, status=400 if error else 200)


def _household_page(request, actor: Actor, household_id: int, *, error: str = "", status: int = 200):
    household = selectors.households(actor).filter(pk=household_id).first()
    if household is None:
        return refuse(request, _("No such household in your grids."), 404)
    people = _resident_rows(actor, selectors.residents(actor, household=household.pk))
    context = {"household": selectors.household_row(household), "people": people, "error": error}
    return render(request, "web/console/household.html", context, status=status)


@login_required
@require_GET
def household_page(request, household_id: int):
    actor = registry_actor(request)
    if actor is None:
        return _not_registry(request)
    return _household_page(request, actor, household_id)


@login_required
@require_POST
def reveal(request, resident_id: int):
    actor = registry_actor(request)
    if actor is None:
        return _not_registry(request)
    field = request.POST.get("field", "")
    try:
        resident = residents.visible_resident(actor, resident_id)
    except GridgovError as exc:
        return refuse(request, exc.message, exc.status)
    try:
        value = residents.reveal_resident(
            actor=actor, resident=resident, field=field, reason=request.POST.get("reason", "")
        )
    except BadInput as exc:
        return _household_page(request, actor, resident.household_id, error=exc.message, status=400)
    except GridgovError as exc:
        return refuse(request, exc.message, exc.status)
    context = {"resident": selectors.resident_row(_fresh(resident)), "field": field, "value": value}
    response = render(request, "web/console/revealed.html", context)
    response["Cache-Control"] = "no-store"  # the plain value must not sit in a cache
    return response


def _fresh(resident: Resident) -> Resident:
    return Resident.objects.select_related("grid", "household__address").prefetch_related("tags").get(pk=resident.pk)
