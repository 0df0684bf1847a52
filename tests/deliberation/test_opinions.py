"""一征: opinions from the public form — only while the period is open, name and phone masked and encrypted,
linked to a resident of the matter's grid by phone for the points app, bounded per client address."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from gridgov.core.errors import Conflict, TooMany
from gridgov.deliberation import selectors, services
from gridgov.deliberation.models import Opinion
from gridgov.people.actors import Actor
from gridgov.points.models import Account, Entry, PointsRule
from gridgov.registry import residents
from gridgov.registry import services as registry
from gridgov.registry.models import AddressLevel
from tests.cases import helpers as h

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system("deliberation test")
PHONE = "13912345678"


def _resident(grid_code: str, phone: str, name: str):
    lon, lat = h.point_in(grid_code)
    top = registry.create_address(
        actor=SYSTEM, level=AddressLevel.COMPOUND, name=f"议事{grid_code[-3:]}小区", lon=lon, lat=lat
    )
    building = registry.create_address(actor=SYSTEM, level=AddressLevel.BUILDING, name="1号楼", parent=top)
    entrance = registry.create_address(actor=SYSTEM, level=AddressLevel.ENTRANCE, name="1单元", parent=building)
    flat = registry.create_address(actor=SYSTEM, level=AddressLevel.DWELLING, name="101", parent=entrance)
    household = registry.record_household(actor=SYSTEM, address=flat, size=1)
    return residents.record_resident(actor=SYSTEM, household=household, name=name, phone=phone)


@pytest.fixture
def soliciting(leader, matter):
    services.open_opinions(actor=leader, matter=matter, until=timezone.now() + timedelta(days=3))
    return matter


def test_not_before_the_period_opens(matter):
    with pytest.raises(Conflict, match="not being collected"):
        services.record_opinion(matter=matter, text="支持", client="10.0.0.1")
    assert not Opinion.objects.filter(matter=matter).exists()


def test_not_after_the_period_ends(soliciting, clock):
    clock.shift(timedelta(days=3, seconds=1))
    with pytest.raises(Conflict):
        services.record_opinion(matter=soliciting, text="支持", client="10.0.0.1")


def test_not_once_the_period_is_closed(leader, soliciting):
    services.close_opinions(actor=leader, matter=soliciting)
    with pytest.raises(Conflict):
        services.record_opinion(matter=soliciting, text="支持", client="10.0.0.1")


def test_masked_encrypted_and_linked_to_the_resident(soliciting):
    resident = _resident("410102001002001", PHONE, "王建国")
    opinion = services.record_opinion(
        matter=soliciting, text="建议划线时留出消防通道", name="王建国", phone="139 1234 5678", client="10.0.0.1"
    )
    assert opinion.name_masked != "王建国" and opinion.name_masked.startswith("王")
    assert opinion.phone_masked == "139****5678"
    assert opinion.resident == resident and opinion.credited
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone, name FROM deliberation_opinion WHERE id = %s", [opinion.pk])
        raw_phone, raw_name = cursor.fetchone()
    assert PHONE not in raw_phone and "王建国" not in raw_name  # encrypted at rest
    # 一征 earns the points rule opinion_given, once: the ledger holds one entry for this opinion
    entries = Entry.objects.filter(key=f"opinion_given:opinion-{opinion.pk}")
    assert entries.count() == 1 and entries.get().amount == PointsRule.objects.get(kind="opinion_given").points
    assert Account.objects.get(resident=resident).balance == entries.get().amount
    mine = selectors.for_resident(resident.pk, resident.grid.code)
    assert [(o["matter"], o["credited"]) for o in mine["opinions"]] == [(soliciting.pk, True)]
    assert soliciting.pk in [m["id"] for m in mine["matters"]]  # collecting opinions: on the board


def test_no_link_outside_the_grid_or_without_phone(soliciting):
    _resident("410102001003001", PHONE, "李四")  # another community
    opinion = services.record_opinion(matter=soliciting, text="同意", phone=PHONE, client="10.0.0.1")
    anonymous = services.record_opinion(matter=soliciting, text="同意", client="10.0.0.1")
    assert opinion.resident is None and anonymous.resident is None
    assert anonymous.name_masked == "" and anonymous.phone_masked == ""


def test_bounded_per_client(soliciting, clock):
    for _ in range(services.OPINIONS_PER_CLIENT.failures):
        services.record_opinion(matter=soliciting, text="同意", client="10.0.0.7")
    with pytest.raises(TooMany) as refused:
        services.record_opinion(matter=soliciting, text="同意", client="10.0.0.7")
    assert refused.value.retry_after > 0 and "minute" in refused.value.message
    services.record_opinion(matter=soliciting, text="同意", client="10.0.0.8")  # another address may
    clock.shift(timedelta(hours=1, seconds=1))
    services.record_opinion(matter=soliciting, text="同意", client="10.0.0.7")  # and this one again, later
    assert Opinion.objects.filter(matter=soliciting).count() == services.OPINIONS_PER_CLIENT.failures + 2
