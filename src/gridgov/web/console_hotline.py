"""来电登记: a hotline operator (a dispatcher) enters a caller's report on the console.

The caller's name and number, the place as the caller describes it (位置描述, required for the
hotline), a point on the map or else the grid picked by name (its representative point), the category
by name, a title and a description. Before saving, the open cases near the point are shown (same
category first) so a repeated call can be merged rather than entered twice; then the case is saved
as POST /api/v1/cases would (services.report_case, channel hotline) with the form's idempotency key,
so a double click makes one case, and the operator lands on the new case's page.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from gridgov.cases import permissions, selectors, services
from gridgov.cases.models import Channel
from gridgov.core.errors import BadInput, GridgovError
from gridgov.grids.selectors import representative_point
from gridgov.people.actors import Actor
from gridgov.routing import selectors as routing
from gridgov.web import partials
from gridgov.web.console import NEARBY_METRES, console_actor, refuse
from gridgov.web.console_case import near_row
from gridgov.web.console_pick import one_category, one_grid

FIELDS = ("caller_name", "caller_phone", "address", "grid", "lon", "lat", "category", "title", "description", "key")


def _point(actor: Actor, values: dict) -> tuple[float, float]:
    """The case's point: the one marked on the map, else the picked grid's representative point."""
    if values["lon"] and values["lat"]:
        try:
            return float(values["lon"]), float(values["lat"])
        except ValueError as exc:
            raise BadInput(_("Mark the place on the map again.")) from exc
    code = one_grid(actor, values["grid"])
    if not code:
        raise BadInput(_("Mark the place on the map, or pick the grid it lies in."))
    point = representative_point(code)
    if point is None:
        raise BadInput(_("This grid has no boundary to place the case in: mark the place on the map."))
    return point


def _duplicates(actor: Actor, lon: float, lat: float, category: str | None) -> list[dict]:
    cat = routing.category(category) if category else None
    found = selectors.open_cases_near(
        actor, lon=lon, lat=lat, metres=NEARBY_METRES, category_id=cat.pk if cat else None
    )
    rows = []
    for other, distance in found:
        row = near_row(other, distance)
        row["same_category"] = cat is not None and other.category_id == cat.pk
        rows.append(row)
    return rows


@partials.staff_login_required
def hotline(request):
    """GET: the empty form (with a fresh idempotency key). POST: check for duplicates, or save."""
    actor = console_actor(request)
    if actor is None or not permissions.may_report_through(actor, Channel.HOTLINE):
        return refuse(
            request,
            _(
                "Hotline intake is for dispatchers. Your account holds no dispatcher post; "
                "ask your administrator if you need one."
            ),
            403,
        )
    context = {
        "pick_config": {
            "grids": reverse("web:console-pick-grids"),
            "categories": reverse("web:console-pick-categories"),
        },
        "map_config": {"geojson": reverse("api-v1:grid_geojson") + "?level=1"},
    }
    if request.method != "POST":
        values = dict.fromkeys(FIELDS, "")
        values["key"] = uuid.uuid4().hex
        return render(request, "web/console/hotline.html", {**context, "values": values})

    values = {k: request.POST.get(k, "").strip() for k in FIELDS}
    values["key"] = values["key"] or uuid.uuid4().hex
    checked = request.POST.get("step") == "check"
    try:
        if not values["address"]:
            raise BadInput(_("Write down where the caller says the problem is (location description)."))
        lon, lat = _point(actor, values)
        category = one_category(values["category"])
        retried = selectors.intake_key_used(values["key"])  # a double click: answer as the first click
        duplicates = [] if retried else _duplicates(actor, lon, lat, category)
        if (checked and not retried) or (duplicates and request.POST.get("confirm") != "1"):
            return render(
                request,
                "web/console/hotline.html",
                {
                    **context,
                    "values": values,
                    "duplicates": duplicates,
                    "checked": True,
                    "point": {"lon": lon, "lat": lat},
                },
            )
        if not values["title"]:
            raise BadInput(_("Give the case a short title."))
        intake = services.report_case(
            actor=actor,
            title=values["title"],
            description=values["description"],
            lon=lon,
            lat=lat,
            category=category,
            channel=Channel.HOTLINE,
            reporter_name=values["caller_name"],
            reporter_phone=values["caller_phone"],
            address=values["address"],
            idempotency_key=values["key"],
        )
    except GridgovError as exc:
        return render(
            request, "web/console/hotline.html", {**context, "values": values, "error": exc.message}, status=exc.status
        )
    if intake.created:
        messages.success(request, _("Case %(number)s entered from the call.") % {"number": intake.case.number})
    return redirect("web:console-case", number=intake.case.number)
