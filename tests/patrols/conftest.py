"""A patrol plan on the matrix grid (tests/cases/helpers.py: 410102001002001) with two points about
180 m apart, made by the community's grid leader through the service; the clock held in a known week."""

from datetime import date, datetime, time

import pytest
import time_machine
from django.utils import timezone

from gridgov.grids.models import Grid
from gridgov.patrols import services
from tests.cases import helpers as h

WORKER = f"worker-{h.GRID}"
OTHER_WORKER = f"worker-{h.SIBLING_GRID}"
LEADER = f"leader-{h.COMMUNITY}"
TZ = timezone.get_default_timezone()
# Monday 2 March 2026 … Sunday 8 March: an ordinary week (no holiday, no 调休)
MONDAY = date(2026, 3, 2)


def local(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), TZ)


@pytest.fixture
def clock(demo_city):
    """Held at Sunday 8 March 2026 20:00 local: every patrol of the week lies in the past."""
    with time_machine.travel(local(date(2026, 3, 8), 20).timestamp(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def plan(clock):
    lon, lat = h.point_in(h.GRID)
    return services.create_plan(
        actor=h.actor(LEADER),
        grid=Grid.objects.get(code=h.GRID),
        name="每日巡查",
        window_start=time(8),
        window_end=time(18),
        valid_from=MONDAY,
        min_checkins=1,
        points=[
            {"name": "东门", "lon": lon, "lat": lat, "radius_m": 50},
            {"name": "菜市场", "lon": lon + 0.002, "lat": lat, "radius_m": 50},
        ],
    )
