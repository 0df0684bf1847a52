from datetime import timedelta

from django.http import Http404, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gridgov.cases.models import Case, Satisfaction
from gridgov.grids.models import Grid, Level
from gridgov.grids.selectors import SUMMARY_PARTS
from gridgov.people.models import Role
from gridgov.people.selectors import grid_people
from gridgov.routing import selectors as routing_selectors
from gridgov.web.report_form import report_endpoints, report_strings

CODE_PLACEHOLDER = "000000"


def _map_strings() -> dict[str, str]:
    """Words the map script shows, translated here so that map.js holds no language of its own."""
    return {
        "level0": _("District"),
        "level1": _("Level 1 grid (street)"),
        "level2": _("Level 2 grid (community)"),
        "level3": _("Level 3 grid"),
        "level4": _("Micro grid"),
        "comprehensive": _("Comprehensive grid"),
        "dedicated": _("Dedicated grid"),
        "loadFailed": _("Could not load the grids. Check the connection and try again."),
        "showing": _("{what}: {count} grids"),
        "childrenOf": _("Sub-grids of {name}"),
        "noChildren": _("No sub-grids"),
        "showChildren": _("Show sub-grids ({count})"),
        "outside": _("This point lies outside every grid."),
        "locateFailed": _("Could not locate the point: {detail}"),
        "pointAt": _("Point {lon}, {lat}"),
        "areaUnit": _("km²"),
        "chooseGrid": _("— choose a grid —"),
        "nameCode": _("{name} ({code})"),
    }


def grid_map(request):
    """The public map of the grid tree (网格地图): the page only; data comes from /api/v1/grids."""
    config = {
        "geojson": reverse("api-v1:grid_geojson"),
        "locate": reverse("api-v1:locate"),
        "detail": reverse("api-v1:grid_detail", args=[CODE_PLACEHOLDER]),
        "placeholder": CODE_PLACEHOLDER,
        "lang": get_language(),
    }
    return render(request, "web/map.html", {"map_config": config, "map_strings": _map_strings()})


# ---------------------------------------------------------------------------------------------
# Residents (群众): report a problem, follow it, rate it. The pages call the same services and
# selectors as the API; they hold no rules of their own.

SATISFACTION_CHOICES = [
    (Satisfaction.SATISFIED, gettext_lazy("Satisfied")),
    (Satisfaction.BASICALLY, gettext_lazy("Basically satisfied")),
    (Satisfaction.DISSATISFIED, gettext_lazy("Dissatisfied")),
]


def report(request):
    """上报: the resident's report form. The script posts to /api/v1/uploads and /api/v1/cases."""
    config = {**report_endpoints(), "track": reverse("web:track"), "lang": get_language()}
    return render(request, "web/report.html", {"report_config": config, "report_strings": report_strings()})


@require_GET
def categories(request):
    """Categories matching ?q= for the report form's picker (leaves first)."""
    found = routing_selectors.search_categories(request.GET.get("q", ""), limit=20)
    items = [
        {"code": c.code, "name": c.name, "parent": c.parent.name if c.parent_id else ""} for c in found if c.is_leaf
    ]
    return JsonResponse({"items": items}, json_dumps_params={"ensure_ascii": False})


# 查询 (/track/) lives in web/track.py.


# ---------------------------------------------------------------------------------------------
# 公示牌: the public board of a grid.

BOARD_DAYS = 30


def board_figures(code: str, days: int = BOARD_DAYS) -> dict:
    """Cases of the grid's subtree reported, and closed, in the last `days` days."""
    since = timezone.now() - timedelta(days=days)
    cases = Case.objects.filter(grid__code__startswith=code)
    return {
        "days": days,
        "reported": cases.filter(reported_at__gte=since).count(),
        "closed": cases.filter(closed_at__gte=since).count(),
    }


def _with_role_names(people: list[dict]) -> list[dict]:
    names = dict(Role.choices)
    return [{**p, "role_name": names.get(p["role"], p["role"])} for p in people]


def board(request, code: str):
    """公示牌: who is responsible for a grid, the grids above and below it, and its recent figures."""
    grid = Grid.objects.select_related("parent").filter(code=code, valid_to__isnull=True).first()
    if grid is None:
        raise Http404(_("no such grid"))
    above = []
    node = grid.parent
    while node is not None:
        above.append(node)
        node = node.parent
    above.reverse()
    context = {
        "grid": grid,
        "level_name": Level(grid.level).label,
        "chain": above,
        "people": _with_role_names(grid_people(grid.code)),
        "above_people": [{"grid": g, "people": _with_role_names(grid_people(g.code))} for g in reversed(above)],
        "children": list(grid.children.filter(valid_to__isnull=True).order_by("code")),
        "figures": board_figures(grid.code),
        # 两公开: the matters deliberated here, when the deliberation app registered its part (its apps.py)
        "deliberation": SUMMARY_PARTS["deliberation"](grid.code) if "deliberation" in SUMMARY_PARTS else [],
    }
    return render(request, "web/board.html", context)
