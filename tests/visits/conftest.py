"""A small registry on the matrix grid (tests/cases/helpers.py: 410102001002001) and its sibling grid,
made through the registry's services, with the clock held at a known moment (ON, 10:00 local)."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from gridgov.people.actors import Actor
from gridgov.registry import residents, services
from gridgov.registry.models import AddressLevel, Household
from tests.cases import helpers as h

SYSTEM = Actor.system("visits test")
WORKER = f"worker-{h.GRID}"
OTHER_WORKER = f"worker-{h.SIBLING_GRID}"
LEADER = f"leader-{h.COMMUNITY}"
TZ = timezone.get_default_timezone()
ON = date(2026, 3, 10)  # a Tuesday


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), TZ)


def days_before(n: int, hour: int = 10) -> datetime:
    return at(ON - timedelta(days=n), hour)


def make_households(grid_code: str, compound: str, n: int) -> list[Household]:
    """`n` households (户 101, 102 …) in one building of a new compound at a point of the grid."""
    lon, lat = h.point_in(grid_code)
    top = services.create_address(actor=SYSTEM, level=AddressLevel.COMPOUND, name=compound, lon=lon, lat=lat)
    building = services.create_address(actor=SYSTEM, level=AddressLevel.BUILDING, name="1号楼", parent=top)
    entrance = services.create_address(actor=SYSTEM, level=AddressLevel.ENTRANCE, name="1单元", parent=building)
    out = []
    for k in range(n):
        flat = services.create_address(actor=SYSTEM, level=AddressLevel.DWELLING, name=f"{101 + k}", parent=entrance)
        out.append(services.record_household(actor=SYSTEM, address=flat, size=1))
    assert {x.grid.code for x in out} == {grid_code}
    return out


@pytest.fixture
def clock(demo_city):
    with time_machine.travel(at(ON).timestamp(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def homes(clock):
    """Households A–D in the matrix grid, E–F in its sibling; an 独居老人 (weekly) lives in A, a 高龄 (30 days)
    in B, a 退役军人 (no care schedule) in C."""
    assert not Household.objects.filter(grid__code__startswith=h.COMMUNITY).exists(), "the fixture counts by hand"
    a, b, c, d = make_households(h.GRID, "走访花园", 4)
    e, f = make_households(h.SIBLING_GRID, "邻家小区", 2)
    residents.record_resident(actor=SYSTEM, household=a, name="王奶奶", tags=["独居老人"])
    residents.record_resident(actor=SYSTEM, household=b, name="李爷爷", tags=["高龄"])
    residents.record_resident(actor=SYSTEM, household=c, name="赵叔", tags=["退役军人"])
    return {"A": a, "B": b, "C": c, "D": d, "E": e, "F": f}
