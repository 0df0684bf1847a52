"""我的 over JSON under /api/v1/my: what the resident's page shows, for the resident signed in on /my/signin/
in this browser's session (no token: residents have none). Read only."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Router

from gridgov.core.errors import NotAuthenticated
from gridgov.http.problems import Problem
from gridgov.portal import selectors
from gridgov.portal.bookings import api_router as bookings_router
from gridgov.portal.session import identity_of

router = Router(tags=["residents"])
ROUTERS = [("/my", router)]  # mounted by gridgov.http.api
router.add_router("/bookings", bookings_router)  # 便民服务 sign-ups (/api/v1/my/bookings)


@router.get("", response={200: dict, 401: Problem}, summary="My reports, points and deliberations (我的)")
def mine(request: HttpRequest):
    identity = identity_of(request)
    if identity is None:
        raise NotAuthenticated(gettext("Sign in with your phone and an SMS code at /my/signin/ first."))
    cases = [{**c, "reported_at": c["reported_at"].isoformat()} for c in selectors.my_cases(identity)]
    return {"phone": identity.masked, "cases": cases, "residents": selectors.my_residents(identity)}
