"""A small registry in the demo city: one compound at a known point, one household with two residents."""

import pytest

from gridgov.people.actors import Actor
from gridgov.registry import residents, services
from gridgov.registry.models import AddressLevel
from gridgov.registry.personal import id_check_char

SYSTEM = Actor.system("registry test")


def valid_id(first17: str) -> str:
    return first17 + id_check_char(first17)


ID_NUMBER = valid_id("11010119800307123")  # 110101********123x
PHONE = "13812345678"
NAME = "张三丰"


@pytest.fixture
def household(spot):
    compound = services.create_address(
        actor=SYSTEM, level=AddressLevel.COMPOUND, name="测试花园", lon=spot["lon"], lat=spot["lat"]
    )
    building = services.create_address(actor=SYSTEM, level=AddressLevel.BUILDING, name="3号楼", parent=compound)
    entrance = services.create_address(actor=SYSTEM, level=AddressLevel.ENTRANCE, name="2单元", parent=building)
    dwelling = services.create_address(actor=SYSTEM, level=AddressLevel.DWELLING, name="501", parent=entrance)
    return services.record_household(actor=SYSTEM, address=dwelling, size=2)


@pytest.fixture
def resident(household):
    return residents.record_resident(
        actor=SYSTEM, household=household, name=NAME, id_number=ID_NUMBER, phone=PHONE, tags=["独居老人"]
    )
