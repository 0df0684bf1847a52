"""Pages of the assessment (考核评价): the leader's dashboard (大屏), the public rankings (排名公示)
and the monthly report download.

The views only read: selectors and scoring compute every figure, the API serves the same figures as
JSON (the dashboard's script fetches them again every minute), the templates lay them out.

The dashboard and the report download are here; the public rankings are in public_rankings, what both
share in page_parts. Their public names stay importable from this module.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import get_language, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gridgov.assessment import modes, scoring, selectors
from gridgov.assessment.api import INDICATOR_NAMES
from gridgov.assessment.indicators import LEVELS, LOWER_IS_BETTER, RATES
from gridgov.assessment.page_parts import month_label, month_of, ranking_rows, refuse
from gridgov.assessment.public_rankings import PUBLIC_CACHE_SECONDS, PUBLIC_MONTHS, PUBLIC_SCHEMES, rankings
from gridgov.core.dbrouter import reads_replica
from gridgov.core.errors import GridgovError, NotFound
from gridgov.core.invariants import require_same_keys
from gridgov.people.actors import Actor

__all__ = [
    "CATEGORY_LEVELS",
    "CHILD_SCHEMES",
    "HEADLINES",
    "INDICATOR_LABELS",
    "PUBLIC_CACHE_SECONDS",
    "PUBLIC_MONTHS",
    "PUBLIC_SCHEMES",
    "REFRESH_SECONDS",
    "WORKER_SCHEME",
    "XLSX",
    "dashboard",
    "month_label",
    "monthly_report",
    "percent",
    "rankings",
]

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REFRESH_SECONDS = 60

# The indicators the map can be coloured by, in the select's order.
INDICATOR_LABELS = {
    **{rate.name: rate.label for rate in RATES},
    "received": pgettext_lazy("indicator", "cases received"),
    "registered": pgettext_lazy("indicator", "cases registered"),
    "closed": pgettext_lazy("indicator", "cases closed"),
    "closed_on_time": pgettext_lazy("indicator", "cases closed on time"),
    "level_grid": gettext_lazy("share resolved in the grid"),
    "level_community": gettext_lazy("share resolved by the community"),
    "level_street": gettext_lazy("share resolved by the street"),
    "level_district": gettext_lazy("share resolved by the district"),
}
require_same_keys(INDICATOR_LABELS, INDICATOR_NAMES, "every indicator the API knows has a label")

# The big figures: (key in the API's indicators, label, hint). level_grid is resolved_at_level.grid.
HEADLINES = (
    ("closure_rate", gettext_lazy("Closure rate"), gettext_lazy("closed ÷ registered")),
    ("on_time_rate", gettext_lazy("On-time closure"), gettext_lazy("closed on time ÷ closed")),
    ("satisfaction_rate", gettext_lazy("Satisfaction rate"), gettext_lazy("satisfied ÷ evaluated")),
    ("level_grid", gettext_lazy("Solved in the grid"), gettext_lazy("small matters stay in the grid")),
)

# Whom the dashboard ranks below a region of each level: streets of a district, communities of a
# street, and below that the grid workers of the area.
CHILD_SCHEMES = {0: "street-100", 1: "community-100"}
CATEGORY_LEVELS = 2  # the deepest grid level with a category breakdown
WORKER_SCHEME = "worker-1000"


# ---- helpers ---------------------------------------------------------------------------------------


def percent(value: float | None) -> str:
    """0.992272 → "99.2%" — rounded half up on the float's exact value, as JavaScript's toFixed(1)
    does, so that the page says the same before and after its script refreshes it."""
    if value is None:
        return "—"
    return f"{Decimal(value * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


def _refusal_for(request, exc: GridgovError):
    """A page for an error of the selectors, in the user's language."""
    if exc.status == 403:
        return refuse(request, 403, _("This area is outside your scope. Open the dashboard of your own area."))
    if exc.status == 404:
        return refuse(request, 404, _("There is no grid with this code."))
    return refuse(
        request,
        400,
        _("The dates or the month are not valid: choose them again (start before end, at most three years)."),
    )


def _stats_actor(request) -> Actor | None:
    actor = Actor.of(request.user)
    return actor if actor.is_admin or actor.roles & selectors.STATS_ROLES else None


def _not_for_you(request):
    return refuse(
        request,
        403,
        _(
            "The dashboard is for leaders, dispatchers, supervisors and grid leaders. "
            "Your account holds none of these posts; ask your administrator if you need one."
        ),
    )


# ---- the dashboard -----------------------------------------------------------------------------------


def _child_scheme(level: int) -> str:
    return CHILD_SCHEMES.get(level, WORKER_SCHEME)


def _headlines(figures: dict) -> list[dict]:
    out = []
    for key, label, hint in HEADLINES:
        if key == "level_grid":
            value, pair = figures["resolved_at_level"]["grid"], figures["fractions"]["resolved_at_level"]["grid"]
        else:
            value, pair = figures[key], figures["fractions"][key]
        out.append(
            {
                "key": key,
                "label": label,
                "hint": hint,
                "text": percent(value),
                "exact": "" if value is None else repr(value),  # for the script and the tests
                "numerator": pair[0],
                "denominator": pair[1],
            }
        )
    return out


def _strings() -> dict[str, str]:
    """Words the dashboard's script shows, translated here so that the script holds no language."""
    return {
        "updatedAt": _("Updated at {time}"),
        "loadFailed": _("Could not refresh the figures ({detail}). The page tries again in a minute."),
        "noData": _("no data"),
        "noChildren": _("This area has no sub-grids to colour."),
        "received": _("Received"),
        "closed": _("Closed"),
        "caseOne": _("{n} case"),
        "caseMany": _("{n} cases"),
        "ofWhich": _("{numerator} of {denominator}"),
        "open": _("Open the dashboard of {name}"),
        "noCategories": _("No cases with a category in this period."),
        "noHotSpots": _("No cases in this period."),
        "heat": _("heat {n}"),
        "hotClusters": _("{n} hot spots (grid × category) on the map"),
        "cleared": _("cleared"),
        "openCount": _("{n} open"),
        "closedReplied": _("{closed} closed, {replied} with a reply"),
        "noRanking": _("Nobody to rank here."),
        "noCases": _("no cases"),
        "new": _("new"),
        "notRanked": _("not ranked last month"),
        "up": _("up {n} places"),
        "down": _("down {n} places"),
        "same": _("same place as last month"),
        "trendLabel": _("Cases received and closed per day, {start} to {end}"),
        "categoryLabel": _("Cases by category, {start} to {end}"),
    }


@login_required
@require_GET
@reads_replica
def dashboard(request):
    """大屏: a region's figures for a date range, its sub-grids on a map, trends, rankings and lights."""
    actor = _stats_actor(request)
    if actor is None:
        return _not_for_you(request)
    region = request.GET.get("region") or selectors.home_region(actor)
    if region is None:
        return _not_for_you(request)
    indicator = request.GET.get("indicator", "closure_rate")
    if indicator not in INDICATOR_LABELS:
        indicator = "closure_rate"
    try:
        selectors.subject_of(region=region)
        selectors.check_may_read(actor, "region", region)
        start, end = selectors.parse_range(request.GET.get("start"), request.GET.get("end"))
    except GridgovError as exc:
        return _refusal_for(request, exc)

    path = selectors.region_path(region)
    here = path[-1]
    month = month_of(end)
    scheme = _child_scheme(here["level"])
    figures = selectors.indicators(kind="region", code=region, start=start, end=end)
    try:
        ranking = scoring.ranking(scheme, month, region, public=True)
    except NotFound:  # the scheme was switched off in the admin
        ranking = None

    def link(code: str) -> str:
        return (
            reverse("assessment:dashboard")
            + "?"
            + urlencode({"region": code, "start": start.isoformat(), "end": end.isoformat(), "indicator": indicator})
        )

    crumbs = []
    for grid in path:
        try:
            selectors.check_may_read(actor, "region", grid["code"])
            crumbs.append({**grid, "url": link(grid["code"])})
        except GridgovError:
            crumbs.append({**grid, "url": None})
    range_query = {"region": region, "start": start.isoformat(), "end": end.isoformat()}
    config = {
        "region": region,
        "level": here["level"],
        "start": start.isoformat(),
        "end": end.isoformat(),
        "month": month,
        "indicator": indicator,
        "overview": reverse("api-v1:overview") + "?" + urlencode(range_query),
        "series": reverse("api-v1:series") + "?" + urlencode(range_query),
        "map": reverse("api-v1:grid_map") + "?" + urlencode(range_query),
        "scores": reverse("api-v1:scores", args=[scheme]) + "?" + urlencode({"region": region, "month": month}),
        "geojson": reverse("api-v1:grid_geojson") + "?" + urlencode({"parent": region, "simplify_m": 2}),
        # a grid without sub-grids is drawn alone: its shape comes among its siblings
        "ownGeojson": reverse("api-v1:grid_geojson")
        + "?"
        + urlencode({"parent": path[-2]["code"], "simplify_m": 2} if len(path) > 1 else {"level": here["level"]}),
        "dashboard": reverse("assessment:dashboard"),
        "modes": reverse("api-v1:handling_modes") + "?" + urlencode(range_query),
        "rates": [r.name for r in RATES] + [f"level_{lv}" for lv in LEVELS],  # shown as percentages
        "lowerIsBetter": sorted(LOWER_IS_BETTER),
        "labels": {name: str(label) for name, label in INDICATOR_LABELS.items()},
        "refreshSeconds": REFRESH_SECONDS,
        "timeZone": settings.TIME_ZONE,
        "lang": get_language(),
    }
    context = {
        "region": here,
        "crumbs": crumbs,
        "start": start,
        "end": end,
        "month": month,
        "month_label": month_label(month),
        "indicator": indicator,
        "indicator_choices": [(name, INDICATOR_LABELS[name]) for name in INDICATOR_NAMES],
        "headlines": _headlines(figures),
        "figures": figures,
        "lights": selectors.lights(region),
        "hot_spots": [{**h, "url": link(h["code"])} for h in selectors.hot_spots(region, start, end)],
        "clearance": modes.clearance(region, start, end),
        "ranking": ranking,
        "ranking_rows": [
            {**row, "url": link(row["code"]) if row.get("code") and scheme != WORKER_SCHEME else None}
            for row in ranking_rows(ranking)
        ]
        if ranking
        else [],
        "ranking_is_people": scheme == WORKER_SCHEME,
        # the category rollups go down to communities (selectors.category_breakdown)
        "has_categories": here["level"] <= CATEGORY_LEVELS,
        "report_url": reverse("assessment:report") + "?" + urlencode({"region": region, "month": month}),
        "hotspots_url": reverse("assessment:hotspots") + "?" + urlencode(range_query),
        "dashboard_config": config,
        "dashboard_strings": _strings(),
    }
    return render(request, "assessment/dashboard.html", context)


@login_required
@require_GET
@reads_replica
def monthly_report(request):
    """月度考核报表: the region's monthly workbook (.xlsx), for those who may see its dashboard."""
    actor = _stats_actor(request)
    if actor is None:
        return _not_for_you(request)
    region = request.GET.get("region") or selectors.home_region(actor)
    month = request.GET.get("month") or month_of(timezone.localdate())
    if region is None:
        return _not_for_you(request)
    try:
        selectors.subject_of(region=region)
        selectors.check_may_read(actor, "region", region)
        scoring.month_range(month)
        # Imported here: the report module is heavy (openpyxl) and only this download needs it.
        from gridgov.assessment.report import monthly_workbook

        content = monthly_workbook(region=region, month=month)
    except GridgovError as exc:
        return _refusal_for(request, exc)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"report-{region}-{month}.xlsx")
    return response
