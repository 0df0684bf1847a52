"""便民服务 (/my/services/): residents browse the service stations' activities and appointment slots near them
(3671: the one WeChat/H5 platform), book with their phone sign-in, cancel, and see their place on the waiting
list. Browsing needs no sign-in; booking does. The same over JSON under /api/v1/my/bookings (`api_router`,
mounted by portal.api), for the resident signed in on /my/signin/ in this browser's session."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from gridgov.core.errors import GridgovError
from gridgov.portal.session import identity_of
from gridgov.registry.models import Resident
from gridgov.stations import bookings as booking_services
from gridgov.stations import selectors

SIGN_IN_FIRST = "Sign in with your phone and an SMS code at /my/signin/ first."


def _home_street(digest: str) -> str:
    """The street (9 digits) of the resident's registry entry, "" when the phone is not registered."""
    code = (
        Resident.objects.filter(phone_digest=digest, active=True)
        .order_by("pk")
        .values_list("grid__code", flat=True)
        .first()
    )
    return (code or "")[:9]


@never_cache
def services_page(request):
    identity = identity_of(request)
    grid = "".join(c for c in request.GET.get("grid", "") if c.isdigit())[:18]
    if not grid and identity is not None:
        grid = _home_street(identity.registry_digest)
    rows = [selectors.offering_row(o) for o in selectors.offerings(grid)[:60]]
    mine = []
    if identity is not None:
        mine = [selectors.booking_row(b) for b in selectors.my_bookings(identity.registry_digest)[:30]]
    held = {b["offering"]: b for b in mine if b["status"] in ("confirmed", "waitlisted")}
    for r in rows:
        r["mine"] = held.get(r["id"])
    context = {
        "signed_in": identity is not None,
        "masked": identity.masked if identity else "",
        "grid": grid,
        "offerings": rows,
        "mine": mine,
        "request_id": uuid.uuid4().hex,
    }
    return render(request, "portal/services.html", context)


@require_POST
def book(request, offering_id: int):
    identity = identity_of(request)
    if identity is None:
        return redirect("portal:sign-in")
    try:
        b = booking_services.sign_up(
            resident=identity.registry_digest,
            offering_id=offering_id,
            name=request.POST.get("name", "")[:60],
            phone=request.POST.get("phone", "")[:32],
            client_key=request.POST.get("request_id", "")[:64],
        )
    except GridgovError as exc:
        messages.error(request, exc.message)
    else:
        if b.status == "confirmed":
            messages.success(request, gettext("Booked: your place is confirmed."))
        else:
            position = selectors.waitlist_position(b)
            messages.info(
                request, gettext("The places are taken: you are number %(n)d on the waiting list.") % {"n": position}
            )
    return redirect("portal:services")


@require_POST
def cancel(request, booking_id: int):
    identity = identity_of(request)
    if identity is None:
        return redirect("portal:sign-in")
    try:
        booking_services.cancel(resident=identity.registry_digest, booking_id=booking_id)
    except GridgovError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, gettext("Your booking is cancelled."))
    return redirect("portal:services")
