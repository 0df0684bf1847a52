"""A household at a known point of the demo city (tests/conftest.py `spot`) with a smoke detector."""

import pytest

from gridgov.people.actors import Actor
from gridgov.registry import residents
from gridgov.registry import services as registry
from gridgov.registry.models import AddressLevel
from gridgov.sensors import services

SYSTEM = Actor.system("sensors test")
RESIDENT_NAME = "李秀英"


@pytest.fixture
def household(spot):
    compound = registry.create_address(
        actor=SYSTEM, level=AddressLevel.COMPOUND, name="守护花园", lon=spot["lon"], lat=spot["lat"]
    )
    building = registry.create_address(actor=SYSTEM, level=AddressLevel.BUILDING, name="7号楼", parent=compound)
    entrance = registry.create_address(actor=SYSTEM, level=AddressLevel.ENTRANCE, name="1单元", parent=building)
    dwelling = registry.create_address(actor=SYSTEM, level=AddressLevel.DWELLING, name="302", parent=entrance)
    home = registry.record_household(actor=SYSTEM, address=dwelling, size=1)
    residents.record_resident(actor=SYSTEM, household=home, name=RESIDENT_NAME, tags=["独居老人"])
    return home


@pytest.fixture
def smoke(household, account, spot):
    """A smoke detector registered by the grid's worker: (device, its secret)."""
    worker = Actor.of(account(f"worker-{spot['grid']}"))
    registered = services.register_device(actor=worker, household=household, kind="smoke", serial="SMK-0001")
    return registered.device, registered.secret


def device_headers(serial: str, secret: str) -> dict:
    return {"HTTP_AUTHORIZATION": f"Device {serial}:{secret}"}
