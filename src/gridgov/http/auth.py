"""Bearer tokens for staff; residents call the public endpoints without one."""

from django.middleware.csrf import CsrfViewMiddleware
from django.utils.translation import gettext

from gridgov.core.errors import Forbidden, NotAuthenticated
from gridgov.people.actors import Actor
from gridgov.people.services import token_for_key

# Sent by the staff pages' scripts: without a session they are refused (401), never taken for a resident.
STAFF_PAGE_HEADER = "X-Gridgov-Staff-Page"


def actor_from_request(request, *, required: bool) -> Actor:
    """The staff actor behind `Authorization: Bearer …`, an anonymous resident, or 401."""
    if request.headers.get("Authorization", ""):
        return Actor.of(bearer_token(request).user)
    if request.user.is_authenticated:  # pages share the API with a session: then CSRF applies
        if request.method not in ("GET", "HEAD", "OPTIONS") and _csrf_refused(request):
            raise Forbidden(gettext("CSRF check failed: reload the page and try again"))
        return Actor.of(request.user)
    if required:
        raise NotAuthenticated(gettext("sign in: send Authorization: Bearer <token> (POST /api/v1/auth/token)"))
    if request.headers.get(STAFF_PAGE_HEADER) == "1":
        # a staff page (/m/report/) whose session ran out: it must not go on as an anonymous resident
        raise NotAuthenticated(gettext("Your session has expired. Please sign in again."))
    return Actor.anonymous()


def bearer_token(request):
    """The valid ApiToken of `Authorization: Bearer …`, or 401 saying why not (wrong, expired, revoked)."""
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    return token_for_key(key.strip() if scheme.lower() == "bearer" else "")


def _csrf_refused(request) -> bool:
    """Django's own CSRF check (the API views are exempt from the middleware: tokens need none)."""
    request.csrf_processing_done = False
    return CsrfViewMiddleware(lambda r: None).process_view(request, None, (), {}) is not None
