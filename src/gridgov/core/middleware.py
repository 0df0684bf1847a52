import json
import logging
import math
from datetime import timedelta
from xml.sax.saxutils import escape

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext
from django.views import defaults

from gridgov.core import throttle

logger = logging.getLogger(__name__)

LANGUAGE_PARAM = "lang"


class ChineseFirstLocaleMiddleware:
    """Chinese unless the user chose otherwise (?lang=en or the language cookie).

    Django's LocaleMiddleware follows the browser's Accept-Language, which would show English to
    every office PC with an English browser; the product speaks Chinese first (docs/architecture.md §8).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.GET.get(LANGUAGE_PARAM)
        language = chosen if chosen in self.supported else None
        if language is None:
            cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            language = cookie if cookie in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if chosen == language:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response


JSON_PREFIXES = ("/api/", "/open311/")  # clients of these read errors as {"detail": …}
OPEN311_PREFIX = "/open311/"  # …except Open311's, which read GeoReport v2 errors: [{code, description}]


def api_error(request, status: int, message: str) -> HttpResponse:
    """An API client's error: {"detail"} for /api/, GeoReport v2's list of {code, description} for /open311/
    (XML when the path asks .xml), so that errors answered here look like the endpoints' own."""
    if not request.path.startswith(OPEN311_PREFIX):
        return JsonResponse({"detail": message}, status=status, json_dumps_params={"ensure_ascii": False})
    if request.path.endswith(".xml"):
        error = f"<code>{status}</code><description>{escape(message)}</description>"
        body = f'<?xml version="1.0" encoding="UTF-8"?>\n<errors><error>{error}</error></errors>'
        return HttpResponse(body.encode(), status=status, content_type="text/xml; charset=utf-8")
    return JsonResponse(
        [{"code": status, "description": message}], status=status, safe=False, json_dumps_params={"ensure_ascii": False}
    )


def not_found(request, exception=None) -> HttpResponse:
    """The 404 of an address no route matches (urls.handler404): API clients get their own error shape rather
    than an HTML page (an id that is no number, a path that does not exist); people get Django's page."""
    if request.path.startswith(JSON_PREFIXES):
        return api_error(request, 404, gettext("no such address: see the API's documentation"))
    return defaults.page_not_found(request, exception)


TEXT_TYPES = ("application/json", "application/x-www-form-urlencoded", "text/")


def _has_nul(value) -> bool:
    """True when a parsed JSON value holds U+0000 in any string or key."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def request_has_nul(request) -> bool:
    """U+0000 in the path, the query string, a form field or a JSON body: no text the database keeps may hold
    it (PostgreSQL refuses it with an error), so such a request is refused before any view sees it. File
    contents (multipart parts that are files, raw bodies) may hold NUL bytes; only text is looked at."""
    if (
        "\x00" in request.path
        or "%00" in request.META.get("QUERY_STRING", "")
        or "\x00" in request.META.get("QUERY_STRING", "")
    ):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE") and not request.META.get("CONTENT_LENGTH"):
        return False
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":
        if request.method != "POST":
            return False
        return any("\x00" in key or any("\x00" in v for v in values) for key, values in request.POST.lists()) or any(
            "\x00" in (f.name or "") for f in request.FILES.values()
        )
    if not content_type.startswith(TEXT_TYPES):
        return False
    body = request.body
    if b"\x00" in body or (content_type == "application/x-www-form-urlencoded" and b"%00" in body):
        return True
    if content_type == "application/json" and b"\\u0000" in body:
        try:
            return _has_nul(json.loads(body))
        except ValueError:
            return False  # not JSON: the view says so
    return False


class RefuseNulMiddleware:
    """400 for a request with U+0000 in any text (issue 10): {"detail": …} for the APIs, a plain page else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            refused = request_has_nul(request)
            message = gettext("the request contains a NUL character (U+0000), which no text may hold")
        except Exception:  # a body Django cannot parse (too big, malformed multipart): say so, never a 500
            logger.info("unreadable request body for %s", request.path, exc_info=True)
            refused, message = True, gettext("the request body cannot be read")
        if not refused:
            return self.get_response(request)
        if request.path.startswith(JSON_PREFIXES):
            return api_error(request, 400, message)
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")


# ---- 限流: requests of anyone not signed in, per client address ---------------------------------------

# Named budgets of settings.GRIDGOV_RATE_LIMITS by (method, URL name); every other request of someone not
# signed in falls to "read" (GET, HEAD, OPTIONS) or "write" (anything else) — an anonymous endpoint added
# later is limited without a line here; add one only for a tighter (or looser) budget.
NAMED_BUDGETS = {
    ("POST", "api-v1:report"): "intake",
    ("POST", "api-v1:upload"): "upload",
    ("GET", "web:track"): "track",
    ("POST", "web:track"): "track",  # "evaluate" when the form rates the case
    ("GET", "api-v1:case_detail"): "track",
    ("POST", "api-v1:act"): "write",  # "evaluate" for a reporter's rating
    ("POST", "web:login"): "signin",
    ("POST", "admin:login"): "signin",
    ("POST", "api-v1:token"): "signin",
    # Open311 clients are counted per API key (open311.keys), not per address: an app's server posts for
    # many residents from one address. "open311" is off unless GRIDGOV_RATE_LIMITS names it.
    ("POST", "open311:requests"): "open311",
}
READ_METHODS = ("GET", "HEAD", "OPTIONS")
# Without Redis counted in each process's memory, not the database: a write per page view would make every
# reader wait for SQLite's one writer (core/throttle.py).
MEMORY_BUDGETS = {"read"}


def request_budget(request) -> str:
    """The budget (a key of settings.GRIDGOV_RATE_LIMITS) an anonymous request is counted against."""
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
        name = match.view_name
    except Resolver404:
        match, name = None, ""
    budget = NAMED_BUDGETS.get((request.method, name))
    if budget == "track" and request.method == "POST" and request.POST.get("action") == "evaluate":
        return "evaluate"
    if name == "api-v1:act" and match.kwargs.get("action") == "evaluate":
        return "evaluate"
    return budget or ("read" if request.method in READ_METHODS else "write")


def check_budgets(budgets: dict[str, str]) -> None:
    """ImproperlyConfigured for a budget nobody counts against (a misspelt name) or a rate that is no rate."""
    known = {*NAMED_BUDGETS.values(), "read", "write", "evaluate"}
    for name, text in budgets.items():
        if name not in known:
            raise ImproperlyConfigured(
                f"GRIDGOV_RATE_LIMITS: no budget is called {name!r}; they are {', '.join(sorted(known))}"
            )
        try:
            throttle.parse_rate(text)
        except ValueError as exc:
            raise ImproperlyConfigured(f"GRIDGOV_RATE_LIMITS[{name!r}]: {exc}") from None


def too_many_requests(request, delay: timedelta) -> HttpResponse:
    """429 saying when to try again, in words: {"detail"} for the APIs, a page else; Retry-After in seconds."""
    minutes = throttle.whole_minutes(delay)
    until = timezone.localtime(timezone.now() + delay).strftime("%H:%M")
    message = ngettext(
        "Too many requests came from your network address. Please try again in %(minutes)d minute (after %(time)s).",
        "Too many requests came from your network address. Please try again in %(minutes)d minutes (after %(time)s).",
        minutes,
    ) % {"minutes": minutes, "time": until}
    if request.path.startswith(JSON_PREFIXES):
        response = api_error(request, 429, message)
    else:
        response = render(request, "core/too_many_requests.html", {"message": message}, status=429)
    response["Retry-After"] = str(math.ceil(delay.total_seconds()))
    return response
