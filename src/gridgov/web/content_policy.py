"""The Content-Security-Policy (内容安全策略) of every page, and the endpoint its violations are reported to.

The policy itself is `CONTENT_SECURITY_POLICY` in settings: scripts, styles and everything else from our
own origin only, no inline script, no inline style, no eval. What a page needs from elsewhere is the
base map's tiles: `ContentPolicyMiddleware` adds the configured provider's tile hosts (web/basemap.py) to
`img-src` on each response, read from the settings then (a base map switched on in a test or by a
restart is allowed at once, and none is allowed while no base map is configured).

A browser that refuses something posts a JSON report to /csp-report/; we log it at WARNING on the
`gridgov.csp` logger (a refusal on our own pages is a bug, or an injection attempt).
"""

from __future__ import annotations

import json
import logging
from urllib.parse import urlsplit

from csp.middleware import CSPMiddleware, PolicyParts
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from gridgov.core.throttle import client_address
from gridgov.web.basemap import basemap_config

log = logging.getLogger("gridgov.csp")

MAX_REPORT_BYTES = 8 * 1024  # a browser's report is well under 2 KB; more is not a report
_FIELDS = (
    "document-uri",
    "violated-directive",
    "effective-directive",
    "blocked-uri",
    "source-file",
    "line-number",
    "script-sample",
)


def tile_origins() -> list[str]:
    """The origins the configured base map's tiles come from (`https://t0.tianditu.gov.cn`, …), one per
    subdomain of each layer; empty without a base map."""
    origins: list[str] = []
    for layer in basemap_config()["layers"]:
        for sub in layer.get("subdomains") or [""]:
            parts = urlsplit(layer["url"].replace("{s}", sub))
            origins.append(f"{parts.scheme}://{parts.netloc}")
    return list(dict.fromkeys(origins))


class ContentPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the base map's tile hosts added to img-src."""

    def get_policy_parts(self, request, response, report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if "text/html" not in response.get("Content-Type", ""):
            return parts  # only pages show the map: JSON answers skip reading the base map's settings
        origins = tile_origins()
        if origins:
            parts.update = {**(parts.update or {})}
            parts.update["img-src"] = [*parts.update.get("img-src", []), *origins]
        return parts


@csrf_exempt  # browsers post reports without our token; the view only logs
@require_POST
def csp_report(request) -> HttpResponse:
    """POST /csp-report/: log the violation a browser reports (`report-uri`: {"csp-report": {…}})."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_REPORT_BYTES:
        return HttpResponse(status=413)
    body = request.read(MAX_REPORT_BYTES + 1)
    if len(body) > MAX_REPORT_BYTES:
        return HttpResponse(status=413)
    try:
        data = json.loads(body)
    except ValueError:
        return HttpResponse(status=400)
    report = data.get("csp-report") if isinstance(data, dict) else None
    if not isinstance(report, dict):
        return HttpResponse(status=400)
    fields = {k: str(report.get(k, ""))[:200] for k in _FIELDS}
    log.warning(
        "CSP violation from %s: %s", client_address(request), " ".join(f"{k}={v!r}" for k, v in fields.items() if v)
    )
    return HttpResponse(status=204)
