"""一聘三督 on the demo city's 林山寨街道 (410102001), the clock held at ON 10:00."""

from datetime import date, datetime, time, timedelta
from uuid import uuid4

import pytest
import time_machine
from django.utils import timezone

from gridgov.grids.models import Grid
from gridgov.oversight import services
from gridgov.patrols import services as patrols
from tests.cases import helpers as h

TZ = timezone.get_default_timezone()
ON = date(2026, 3, 10)
STREET, GRID, SIBLING, OTHER_STREET = h.STREET, h.GRID, h.SIBLING_GRID, h.OTHER_STREET
WORKER = f"worker-{GRID}"
TERM = (date(2026, 3, 1), date(2026, 8, 31))


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), TZ)


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def clock(demo_city):
    with time_machine.travel(at(ON).timestamp(), tick=False) as traveller:
        yield traveller


def appoint(username: str = "resident-sup-1", area: str = STREET, term=TERM, by: str = "leader"):
    return services.appoint(
        actor=h.actor(by),
        username=username,
        full_name="李监督",
        area=area,
        start_date=term[0],
        end_date=term[1],
        letter_number="中原督聘〔2026〕1号",
    )


@pytest.fixture
def supervisor(clock):
    return appoint()


def patrol(grid: str = GRID, day: date = ON, hour: int = 8) -> None:
    """A patrol walked by the grid's worker through the patrol services."""
    started = patrols.start_session(
        actor=h.actor(f"worker-{grid}"), client_id=uuid4(), grid=Grid.objects.get(code=grid), started_at=at(day, hour)
    )
    patrols.end_session(
        actor=h.actor(f"worker-{grid}"), session=started.session, ended_at=at(day, hour) + timedelta(hours=1)
    )


def inspect(username: str = "resident-sup-1", grid: str = GRID, day: date = ON, **finding):
    return services.record_inspection(
        actor=h.actor(username), grid=Grid.objects.get(code=grid), day=day, findings=[finding]
    )


def missed_here(grid: str = GRID) -> dict:
    lon, lat = h.point_in(grid)
    return {"kind": "missed", "description": "路边垃圾堆积多日", "lon": lon, "lat": lat}
