"""Indicators by handling mode (办理方式) and 清零 per platform (句号管理、问题清零), over the cases reported in a
range under a region: what the seeds' districts report for 立即办、协调办、现场办、联动办 and for "every request ends
with a full stop".

Read straight from the cases (registered ones carry their mode: cases/services/modes.py), not from the rollups:
a mode can change while a case is open, and the figure is of its mode now.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, F, Q

from gridgov.assessment.facts import CLOSED
from gridgov.assessment.indicators import fraction
from gridgov.cases.models import Case
from gridgov.core.timefmt import day_span
from gridgov.grids.models import Grid
from gridgov.routing.models import HandlingMode

OPEN = ("registered", "dispatched", "in_progress", "suspended", "resolved", "verified")


def _cases(region: str, start: date, end: date):
    since, until = day_span(start, end)
    return Case.objects.filter(grid__code__startswith=region, reported_at__gte=since, reported_at__lt=until)


def by_mode(region: str, start: date, end: date) -> dict[str, dict]:
    """For each mode: cases handled that way, closed, closed with the result by its deadline, replied to, and
    the rates (exact fractions, null when nothing to divide by)."""
    counted = {
        row["mode"]: row
        for row in _cases(region, start, end)
        .exclude(mode="")
        .values("mode")
        .annotate(
            cases=Count("id"),
            closed=Count("id", filter=Q(status__in=CLOSED)),
            on_time=Count("id", filter=Q(status__in=CLOSED, resolved_at__lte=F("resolve_by"))),
            replied=Count("id", filter=~Q(reply="")),
            open=Count("id", filter=Q(status__in=OPEN)),
        )
    }
    out = {}
    for mode in HandlingMode.values:
        row = counted.get(mode, {"cases": 0, "closed": 0, "on_time": 0, "replied": 0, "open": 0})
        out[mode] = {
            "cases": row["cases"],
            "open": row["open"],
            "closed": row["closed"],
            "closed_on_time": row["on_time"],
            "replied": row["replied"],
            "closure_rate": fraction(row["closed"], row["cases"]),
            "on_time_rate": fraction(row["on_time"], row["closed"]),
        }
    return out


def clearance(region: str, start: date, end: date) -> list[dict]:
    """清零 per platform (with its name): of the cases registered there (reported in the range), how many are
    still open and how many closed with their reply; a platform is cleared when none is open."""
    rows = (
        _cases(region, start, end)
        .exclude(mode="")
        .values("platform")
        .annotate(
            cases=Count("id"),
            open=Count("id", filter=Q(status__in=OPEN)),
            closed=Count("id", filter=Q(status__in=CLOSED)),
            replied=Count("id", filter=Q(status__in=CLOSED) & ~Q(reply="")),
        )
        .order_by("platform")
    )
    rows = list(rows)
    names = dict(
        Grid.objects.filter(code__in=[r["platform"] for r in rows], valid_to__isnull=True).values_list("code", "name")
    )
    return [{**row, "name": names.get(row["platform"], row["platform"]), "cleared": row["open"] == 0} for row in rows]
