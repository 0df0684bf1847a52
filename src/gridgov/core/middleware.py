import json
import logging

from django.conf import settings
from django.http import HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext

logger = logging.getLogger(__name__)

LANGUAGE_PARAM = "lang"


class ChineseFirstLocaleMiddleware:
    """Chinese unless the user chose otherwise (?lang=en or the language cookie).

    Django's LocaleMiddleware follows the browser's Accept-Language, which would show English to
    every office PC with an English browser; the product speaks Chinese first (DESIGN.md §6).
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
    if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", "") or "\x00" in request.META.get(
            "QUERY_STRING", ""):
        return True
    if request.method in ("GET", "HEAD", "OPTIONS", "DELETE") and not request.META.get("CONTENT_LENGTH"):
        return False
    content_type = request.content_type or ""
    if content_type == "multipart/form-data":
        if request.method != "POST":
            return False
        return any("\x00" in key or any("\x00" in v for v in values) for key, values in request.POST.lists()) \
            or any("\x00" in (f.name or "") for f in request.FILES.values())
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
            return JsonResponse({"detail": message}, status=400, json_dumps_params={"ensure_ascii": False})
        return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
