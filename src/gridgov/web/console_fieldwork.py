"""The console's fieldwork figures (出勤率与入户覆盖率, /console/fieldwork/): patrol attendance per worker and
grid for a month, household-visit coverage over 30 and 90 days per grid, as tables and as a map of the
grids coloured by coverage (console-fieldwork.js over the grids' GeoJSON API).

It translates only: `patrols.selectors.attendance` / `attendance_by_grid` and `visits.selectors.coverage`
check the person's posts (Forbidden outside them, shown as 403).
"""

from __future__ import annotations

import calendar
from datetime import date

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from gridgov.core.errors import GridgovError
from gridgov.patrols import selectors as patrols
from gridgov.people.actors import Actor
from gridgov.visits import selectors as visits
from gridgov.visits.rules import figure_scopes
from gridgov.web.console import refuse


def _month(text: str, today: date) -> tuple[date, date]:
    """The first day of the month `YYYY-MM` (this month when unreadable) and its last day, not past today."""
    try:
        year, month = (int(part) for part in text.split("-"))
        start = date(year, month, 1)
    except ValueError:
        start = today.replace(day=1)
    end = start.replace(day=calendar.monthrange(start.year, start.month)[1])
    return start, min(end, today) if start <= today else end


def _parents(grid: str) -> set[str]:
    """The parent whose children the GeoJSON API serves with `grid` among them (a 三级网格's community), or
    the grid itself, whose children cover it."""
    return {grid[:-3]} if len(grid) == 15 else {grid} if grid else set()


def _percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


@login_required
@require_GET
def fieldwork(request):
    actor = Actor.of(request.user)
    scopes = figure_scopes(actor) if request.user.is_authenticated else []
    if not scopes:
        return refuse(
            request, _("Attendance and coverage are for grid workers, grid leaders and leaders of an area."), 403
        )
    grid = request.GET.get("grid", "").strip()[:30] or scopes[0]
    start, end = _month(request.GET.get("month", ""), timezone.localdate())
    try:
        people = patrols.attendance(actor, grid=grid, start=start, end=end)
        covered = visits.coverage(actor, grid=grid, on=end)
    except GridgovError as exc:
        return refuse(request, exc.message, exc.status)
    for row in people:
        row["percent"] = _percent(row["rate"])
    by_grid = patrols.attendance_by_grid(people)
    for row in by_grid:
        row["percent"] = _percent(row["rate"])
    for row in covered["grids"]:
        row["percent_30"], row["percent_90"] = _percent(row["coverage_30"]), _percent(row["coverage_90"])
    config = {
        "geojson": reverse("api-v1:grid_geojson"),
        # the shapes to draw: the grids holding households, or else the area itself (drawn grey)
        "parents": sorted({row["grid"][:-3] for row in covered["grids"] if len(row["grid"]) > 6} or _parents(grid)),
        "area": grid,
        "coverage": {row["grid"]: row["coverage_30"] for row in covered["grids"]},
    }
    strings = {"loadFailed": _("The map could not be loaded."), "coverage": _("Coverage (30 days)")}
    context = {
        "grid": grid,
        "scopes": [s for s in scopes if s],
        "month": start.strftime("%Y-%m"),
        "start": start,
        "end": end,
        "people": people,
        "by_grid": by_grid,
        "covered": covered,
        "overall_30": _percent(covered["coverage_30"]),
        "overall_90": _percent(covered["coverage_90"]),
        "config": config,
        "strings": strings,
    }
    return render(request, "web/console/fieldwork.html", context)
