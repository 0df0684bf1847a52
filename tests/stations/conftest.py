"""Service stations on the matrix street (林山寨街道 410102001, tests/cases/helpers.py), set up through the
services with the clock held at a known moment (ON, 10:00 local): a community station (便民服务站) with a
catalogue, an activity with 2 places tomorrow, and residents signed in by phone on the portal."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from gridgov.people.actors import Actor
from gridgov.portal.session import SESSION_KEY
from gridgov.registry.personal import digest
from gridgov.stations import services
from tests.cases import helpers as h

SYSTEM = Actor.system("stations test")
TZ = timezone.get_default_timezone()
ON = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)  # a Tuesday, 10:00
WORKER, LEADER = h.grid_staff(h.GRID)  # worker of the matrix grid, leader of the matrix community
DISPATCHER = h.dispatcher_for(h.STREET)
OTHER_WORKER = "worker-410102002001001"  # another street's grid worker
PHONES = [f"1390000{n:04d}" for n in range(1, 9)]


@pytest.fixture
def clock(demo_city):
    with time_machine.travel(ON.timestamp(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def station(clock):
    s = services.create_station(actor=SYSTEM, name="矩阵社区便民服务站", grid_code=h.COMMUNITY, address="矩阵路1号")
    item = services.add_item(
        actor=SYSTEM, station_id=s.pk, service_type="culture", name="书法课", groups=["youth", "elderly"]
    )
    return s, item


@pytest.fixture
def activity(station):
    _, item = station
    start = ON + timedelta(days=1)
    return services.create_offering(
        actor=SYSTEM,
        item_id=item.pk,
        title="周三书法课",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        capacity=2,
        deadline=start - timedelta(hours=2),
        place="活动室",
    )


def resident(phone: str) -> str:
    return digest("phone", phone)


def signed_in(phone: str) -> Client:
    """A browser session of a resident signed in on the portal (as portal.session.keep leaves it)."""
    c = Client(enforce_csrf_checks=False)
    s = c.session
    s[SESSION_KEY] = {
        "case_key": "x",
        "registry_digest": resident(phone),
        "masked": phone[:3] + "****" + phone[-4:],
        "until": (timezone.now() + timedelta(hours=2)).timestamp(),
    }
    s.save()
    return c
