"""The rate-limit middleware (限流): core/middleware.py counts and answers 429; this layer knows who is staff.

It lives here, not in core, because telling staff apart needs people's bearer tokens, and core never imports
a higher app (docs/architecture.md §2)."""

from django.conf import settings

from gridgov.core import throttle
from gridgov.core.middleware import MEMORY_BUDGETS, check_budgets, request_budget, too_many_requests
from gridgov.people.services import user_for_token


def _is_staff(request) -> bool:
    """Signed in with a session, or a valid bearer token: staff have their own sign-in limits."""
    if getattr(request, "user", None) is not None and request.user.is_authenticated:
        return True
    scheme, _, key = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        return False
    return user_for_token(key.strip()) is not None


class RateLimitMiddleware:
    """Every request of someone not signed in counts against a budget per client address (限流,
    settings.GRIDGOV_RATE_LIMITS, shared by all processes through core.throttle.hit); over it: 429.
    Staff (session or bearer token) are not counted here. Static files never reach it (WhiteNoise)."""

    def __init__(self, get_response):
        self.get_response = get_response
        check_budgets(settings.GRIDGOV_RATE_LIMITS)  # a typo stops the server at start, not every request

    def __call__(self, request):
        budgets = settings.GRIDGOV_RATE_LIMITS
        if budgets and not _is_staff(request):
            budget = request_budget(request)
            rate = throttle.parse_rate(budgets.get(budget, "off"))
            if rate is not None:
                key = throttle.client_key(throttle.client_address(request))
                delay = throttle.hit(budget, key, rate, database=budget not in MEMORY_BUDGETS)
                if delay:
                    return too_many_requests(request, delay)
        return self.get_response(request)
