"""The seeds' participation figures for one area (参与情况): what a street reports upward each month.

One call gathers what the participation apps count — 三单制 and deputies (gridgov.deputies), points and the
爱心超市, deliberation, mediation by class and level, supervisors, 网格吹哨, the 3671 stations — each from
that app's own `figures` selector, so that a figure is defined once, next to its data.
"""

from __future__ import annotations

from datetime import date

from django.db.models import Count, Q

from gridgov.assessment.facts import CLOSED
from gridgov.cases.models import Case
from gridgov.core.timefmt import day_span
from gridgov.deliberation import selectors as deliberation
from gridgov.mediation import selectors as mediation
from gridgov.oversight import selectors as oversight
from gridgov.party import selectors as party
from gridgov.points import selectors as points


def deputy_cases(*, area: str, start: date, end: date) -> dict:
    """Cases raised through deputies (the deputy channel) in the grids under `area`, and how many are closed."""
    since, until = day_span(start, end)
    counted = Case.objects.filter(
        grid__code__startswith=area, channel="deputy", reported_at__gte=since, reported_at__lt=until
    ).aggregate(raised=Count("id"), closed=Count("id", filter=Q(status__in=CLOSED)))
    return {"raised": counted["raised"], "closed": counted["closed"]}


def figures(*, area: str, start: date, end: date) -> dict:
    """Every participation figure of the grids under `area` on the local days start … end."""
    return {
        "deputy_cases": deputy_cases(area=area, start=start, end=end),
        "points": points.figures(area=area, start=start, end=end),
        "deliberation": deliberation.figures(area=area, start=start, end=end),
        "mediation": mediation.figures(area=area, start=start, end=end),
        "oversight": oversight.figures(area=area, start=start, end=end),
        "party": party.figures(area=area, start=start, end=end),
    }
