"""The checkable rules of 一聘三督."""

from __future__ import annotations

import math
from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone

from gridgov.cases.models import Case
from gridgov.cases.transitions import OPEN_STATUSES
from gridgov.patrols.models import PatrolSession

# 应发现未发现: a problem counts as missed by the grid when the grid was patrolled that day or the day before
# (so its workers passed by) and no case of the grid — by patrol or anyone — lies within NEAR_METRES of the
# point while open, or was reported within RECENT_DAYS before the day. Otherwise the grid already knew it.
NEAR_METRES = 50.0
RECENT_DAYS = 7
APPOINTERS = ("leader", "grid_leader")  # leaders over the area appoint; admins anywhere


def metres(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    """Equirectangular distance: exact enough within a grid."""
    x = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6371000.0 * math.hypot(x, y)


def _start(day: date) -> datetime:
    return datetime.combine(day, time.min, timezone.get_default_timezone())


def patrolled(grid_code: str, day: date) -> PatrolSession | None:
    """The grid's latest patrol session started on the day or the day before."""
    return (
        PatrolSession.objects.filter(
            grid__code=grid_code,
            started_at__gte=_start(day - timedelta(days=1)),
            started_at__lt=_start(day + timedelta(days=1)),
        )
        .order_by("-started_at")
        .first()
    )


def known_case(grid_code: str, lon: float, lat: float, day: date) -> Case | None:
    """A case of the grid near the point, open or reported recently: the grid already reported the problem."""
    near = Case.objects.filter(grid__code=grid_code).filter(
        Q(status__in=OPEN_STATUSES) | Q(reported_at__gte=_start(day - timedelta(days=RECENT_DAYS)))
    )
    for case in near.filter(reported_at__lt=_start(day + timedelta(days=1))).only("pk", "number", "lon", "lat"):
        if metres(lon, lat, case.lon, case.lat) <= NEAR_METRES:
            return case
    return None


def overdue(case: Case, now: datetime) -> bool:
    return case.status in OPEN_STATUSES and case.resolve_by is not None and case.resolve_by < now
