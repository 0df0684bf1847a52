"""The seeds' participation figures for one area (参与情况): what a street reports upward each month.

One call gathers what the participation apps count — 三单制 and deputies (gridgov.deputies), points and the
爱心超市, deliberation, mediation by class and level, supervisors, 网格吹哨, the 3671 stations — each from
that app's own `figures` selector, so that a figure is defined once, next to its data.
"""

from __future__ import annotations

from datetime import date

from gridgov.deliberation import selectors as deliberation
from gridgov.deputies import office as deputies
from gridgov.mediation import selectors as mediation
from gridgov.oversight import selectors as oversight
from gridgov.party import selectors as party
from gridgov.points import selectors as points
from gridgov.stations import selectors as stations


def figures(*, area: str, start: date, end: date) -> dict:
    """Every participation figure of the grids under `area` on the local days start … end."""
    return {
        "deputies": deputies.figures(area, start, end),
        "points": points.figures(area=area, start=start, end=end),
        "deliberation": deliberation.figures(area=area, start=start, end=end),
        "mediation": mediation.figures(area=area, start=start, end=end),
        "oversight": oversight.figures(area=area, start=start, end=end),
        "party": party.figures(area=area, start=start, end=end),
        "stations": stations.figures(area, start, end),
    }
