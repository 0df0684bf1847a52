"""我的 over JSON under /api/v1/my: what the resident's page shows, for the resident signed in on /my/signin/
in this browser's session (no token: residents have none): what they see, and their sign-ups at the service
stations (便民服务, /api/v1/my/bookings: a write checks the session's CSRF token as a form would)."""

from __future__ import annotations

from django.http import HttpRequest
from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext
from ninja import Body, Router, Schema, Status
from pydantic import Field

from gridgov.core.errors import Forbidden, NotAuthenticated
from gridgov.http.problems import Problem
from gridgov.portal import selectors
from gridgov.portal.bookings import SIGN_IN_FIRST
from gridgov.portal.session import identity_of
from gridgov.stations import bookings as booking_services
from gridgov.stations import selectors as station_selectors

router = Router(tags=["residents"])
ROUTERS = [("/my", router)]  # mounted by gridgov.http.api
ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem}


@router.get("", response={200: dict, 401: Problem}, summary="My reports, points and deliberations (我的)")
def mine(request: HttpRequest):
    identity = identity_of(request)
    if identity is None:
        raise NotAuthenticated(gettext("Sign in with your phone and an SMS code at /my/signin/ first."))
    cases = [{**c, "reported_at": c["reported_at"].isoformat()} for c in selectors.my_cases(identity)]
    return {"phone": identity.masked, "cases": cases, "residents": selectors.my_residents(identity)}


# ---- JSON: /api/v1/my/bookings ------------------------------------------------------------------------


def _resident(request: HttpRequest) -> str:
    identity = identity_of(request)
    if identity is None:
        raise NotAuthenticated(gettext(SIGN_IN_FIRST))
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        request.csrf_processing_done = False
        if CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {}) is not None:
            raise Forbidden(gettext("CSRF check failed: reload the page and try again"))
    return identity.registry_digest


@router.get("/bookings", response={200: dict, 401: Problem}, summary="My bookings at the service stations (便民服务)")
def my_bookings(request: HttpRequest):
    return {
        "items": [station_selectors.booking_row(b) for b in station_selectors.my_bookings(_resident(request))[:100]]
    }


class BookingIn(Schema):
    offering: int
    name: str = Field(max_length=50)
    phone: str = Field("", max_length=30)
    client_id: str = Field("", max_length=64)  # a UUID made by the client: a resend writes nothing


@router.post("/bookings", response={201: dict, **ERRORS}, summary="Sign up for an activity or appointment slot")
def sign_up(request: HttpRequest, body: BookingIn = Body(...)):
    b = booking_services.sign_up(
        resident=_resident(request),
        offering_id=body.offering,
        name=body.name,
        phone=body.phone,
        client_key=body.client_id,
    )
    return Status(201, station_selectors.booking_row(b))


@router.post("/bookings/{booking_id}/cancel", response={200: dict, **ERRORS}, summary="Cancel my booking")
def cancel_booking(request: HttpRequest, booking_id: int):
    b = booking_services.cancel(resident=_resident(request), booking_id=booking_id)
    return station_selectors.booking_row(b)
