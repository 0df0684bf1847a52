"""GeoReport v2 endpoints under /open311/v2/ (docs/architecture.md §4.4): each `.json` or `.xml`; they only
translate — parameters in, services and selectors called, the answer (or the spec's errors) out."""

from __future__ import annotations

import functools
import math

from django.http import HttpRequest, HttpResponse, QueryDict
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.csrf import csrf_exempt

from gridgov.core.errors import BadInput, Forbidden, GridgovError, NotFound, TooMany
from gridgov.open311 import attributes, keys, params, selectors
from gridgov.open311.models import ApiKey
from gridgov.open311.render import answer, errors
from gridgov.open311.services import Report, post_request

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
CHANGESET = "2026-12-07T00:00:00+08:00"  # when this server's endpoints last changed
# the spec's codes: 404 unknown, 403 the key, 400 anything else; 429 (over the key's rate) stays itself
SPEC_STATUS = {400: 400, 403: 403, 404: 404, 429: 429}


def open311(view):
    """Answer GridgovErrors in the spec's shape and format; the format is the URL's extension."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args, fmt: str = "json", **kwargs) -> HttpResponse:
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except GridgovError as exc:
            status = SPEC_STATUS.get(exc.status, 400)
            retry = getattr(exc, "retry_after", None)
            return errors(fmt, status, [exc.message], retry_after=retry)

    return csrf_exempt(wrapper)


def _data(request: HttpRequest) -> QueryDict:
    """The query string and, for a POST, the form body (either may hold api_key)."""
    data = request.GET.copy()
    if request.method == "POST":
        for name, values in request.POST.lists():
            data.setlist(name, data.getlist(name) + values)
    return data


def _client(data: QueryDict, *, required: bool, write: bool) -> ApiKey | None:
    """The calling application by its api_key; 403 when required and missing, or given and not an active key;
    429 when it is over its rate."""
    plain = params.value(data, "api_key")
    if plain is None and not required:
        return None
    client = keys.key_for(plain)
    if client is None:
        raise Forbidden(gettext("api_key is missing or invalid: ask the platform for a key (gridgov open311 key)"))
    delay = keys.wait_for(client, write=write)
    if delay:
        seconds = math.ceil(delay.total_seconds())
        raise TooMany(
            gettext("this api_key is over its %(rate)d requests per minute: try again in %(seconds)d s")
            % {"rate": client.per_minute, "seconds": seconds},
            retry_after=seconds,
        )
    return client


def _method(request: HttpRequest, *allowed: str) -> None:
    if request.method not in allowed:
        raise BadInput(
            gettext("%(method)s is not accepted here: use %(allowed)s")
            % {"method": request.method, "allowed": " or ".join(allowed)}
        )


@open311
def discovery(request: HttpRequest, *, fmt: str) -> HttpResponse:
    _method(request, "GET", "HEAD")
    _client(request.GET, required=False, write=False)
    body = {
        "changeset": CHANGESET,
        "contact": gettext("The platform's command centre (指挥中心) answers questions about this service."),
        "key_service": gettext("Keys are issued by the platform's administrator (gridgov open311 key)."),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": request.build_absolute_uri("/open311/v2"),
                "changeset": CHANGESET,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }
    return answer(fmt, "discovery", body)


@open311
def services(request: HttpRequest, *, fmt: str) -> HttpResponse:
    _method(request, "GET", "HEAD")
    _client(request.GET, required=False, write=False)
    return answer(fmt, "services", selectors.services())


@open311
def definition(request: HttpRequest, code: str, *, fmt: str) -> HttpResponse:
    _method(request, "GET", "HEAD")
    _client(request.GET, required=False, write=False)
    return answer(fmt, "service_definition", selectors.definition(code))


@open311
def requests(request: HttpRequest, *, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post(request, fmt)
    _method(request, "GET", "HEAD", "POST")
    data = request.GET
    _client(data, required=False, write=False)
    ids = params.comma_list(params.value(data, "service_request_id"))
    if len(ids) > params.MAX_RESULTS:
        raise BadInput(gettext("ask for at most %(count)d service_request_id at once") % {"count": params.MAX_RESULTS})
    page_size = params.positive(
        params.value(data, "page_size"), "page_size", params.MAX_RESULTS, most=params.MAX_RESULTS
    )
    page = params.positive(params.value(data, "page"), "page", 1)
    window = statuses = None
    if not ids:  # a list of ids overrides every other filter
        window = params.window(params.value(data, "start_date"), params.value(data, "end_date"), timezone.now())
        statuses = params.statuses(params.value(data, "status"))
    cases = selectors.request_cases(
        ids=ids,
        codes=[] if ids else params.comma_list(params.value(data, "service_code")),
        window=window,
        statuses=statuses or set(params.STATUSES),
        page=1 if ids else page,
        page_size=params.MAX_RESULTS if ids else page_size,
    )
    rows = selectors.request_rows(cases, extensions=_extensions(data))
    return answer(fmt, "service_requests", rows)


def _extensions(data: QueryDict) -> bool:
    raw = params.value(data, "extensions")
    if raw is None:
        return False
    if raw.lower() not in ("true", "false", "1", "0"):
        raise BadInput(gettext("extensions must be true or false"))
    return raw.lower() in ("true", "1")


def _post(request: HttpRequest, fmt: str) -> HttpResponse:
    data = _data(request)
    client = _client(data, required=True, write=True)
    if client is None:  # required=True raises first; this keeps the type checker and `python -O` honest
        raise Forbidden(gettext("api_key is missing or invalid: ask the platform for a key (gridgov open311 key)"))
    crs = (params.value(data, "crs") or "wgs84").lower()
    if crs not in ("wgs84", "gcj02"):
        raise BadInput(gettext("crs must be wgs84 or gcj02"))
    report = Report(
        service_code=params.value(data, "service_code"),
        lat=params.coordinate(params.value(data, "lat"), "lat", 90),
        lon=params.coordinate(params.value(data, "long"), "long", 180),
        address_string=params.value(data, "address_string"),
        address_id=params.value(data, "address_id"),
        description=params.value(data, "description"),
        media_urls=list(dict.fromkeys(v.strip() for v in data.getlist("media_url") if v.strip())),
        email=params.value(data, "email"),
        first_name=params.value(data, "first_name"),
        last_name=params.value(data, "last_name"),
        phone=params.value(data, "phone"),
        device_id=params.value(data, "device_id"),
        account_id=params.value(data, "account_id"),
        attributes=attributes.sent(data),
        crs=crs,
    )
    posted = post_request(client=client, report=report)
    body = [
        {
            "service_request_id": posted.case.number,
            "token": posted.token,
            "service_notice": gettext("Follow it with GET requests/%(id)s") % {"id": posted.case.number},
            "account_id": report.account_id,
        }
    ]
    return answer(fmt, "service_requests", body, status=201 if posted.created else 200)


@open311
def one_request(request: HttpRequest, number: str, *, fmt: str) -> HttpResponse:
    _method(request, "GET", "HEAD")
    _client(request.GET, required=False, write=False)
    case = selectors.request_case(number)
    return answer(fmt, "service_requests", selectors.request_rows([case], extensions=_extensions(request.GET)))


@open311
def token(request: HttpRequest, token: str, *, fmt: str) -> HttpResponse:
    _method(request, "GET", "HEAD")
    _client(request.GET, required=False, write=False)
    found = selectors.token_case(token)
    return answer(fmt, "service_requests", [{"service_request_id": found.case.number, "token": found.token}])


@open311
def unknown(request: HttpRequest, rest: str, *, fmt: str) -> HttpResponse:
    raise NotFound(
        gettext("no such Open311 endpoint: %(path)s (GET discovery.json lists them)") % {"path": request.path}
    )
