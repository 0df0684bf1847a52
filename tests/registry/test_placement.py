"""Placing records in grids: by point, by grid code, by the parent address, by a compound's name."""

import pytest
import shapely

from gridgov.core.errors import BadInput
from gridgov.grids.models import Grid
from gridgov.grids.selectors import current_geometries
from gridgov.registry import services
from gridgov.registry.models import AddressLevel, OrganisationKind
from gridgov.registry.placement import find_compound
from tests.registry.conftest import SYSTEM


def _other_leaf(spot) -> str:
    return (
        Grid.objects.filter(level=3, valid_to__isnull=True)
        .exclude(code=spot["grid"])
        .exclude(code__startswith=spot["community"])
        .values_list("code", flat=True)
        .first()
    )


def test_a_point_places_the_address_and_its_levels_follow_the_parent(household, spot):
    address = household.address
    assert address.grid.code == spot["grid"] and household.grid.code == spot["grid"]
    assert address.full_text == "测试花园3号楼2单元501"
    compound = address.parent.parent.parent
    assert (compound.lon, compound.lat) == pytest.approx((spot["lon"], spot["lat"]))
    assert address.lon is None  # placed by its parent, not by a point of its own


def test_a_point_wins_over_the_parent(household, spot):
    other = _other_leaf(spot)
    point = shapely.point_on_surface(current_geometries([other])[other])
    building = household.address.parent.parent
    elsewhere = services.create_address(
        actor=SYSTEM, level=AddressLevel.ENTRANCE, name="9单元", parent=building, lon=point.x, lat=point.y
    )
    assert elsewhere.grid.code == other != building.grid.code


def test_by_address_text_a_compound_found_by_name_places_what_is_below_it(household, spot):
    found = find_compound("测试花园")
    assert found is not None and found.grid.code == spot["grid"]
    assert find_compound("测试花园", grid_code=_other_leaf(spot)) is None
    assert find_compound("没有这个小区") is None


def test_a_grid_code_places_an_address_without_a_point(demo_city, spot):
    compound = services.create_address(
        actor=SYSTEM, level=AddressLevel.COMPOUND, name="无坐标小区", grid_code=spot["grid"]
    )
    assert compound.grid.code == spot["grid"] and compound.lon is None


def test_what_cannot_be_placed_is_refused(demo_city):
    with pytest.raises(BadInput, match="不在任何网格内"):
        services.create_address(actor=SYSTEM, level=AddressLevel.COMPOUND, name="海上小区", lon=150.0, lat=10.0)
    with pytest.raises(BadInput, match="无法落格"):
        services.create_address(actor=SYSTEM, level=AddressLevel.COMPOUND, name="哪里小区")
    with pytest.raises(BadInput, match="没有有效的网格"):
        services.create_address(actor=SYSTEM, level=AddressLevel.COMPOUND, name="错码小区", grid_code="999")


def test_an_organisation_is_placed_by_its_address_or_its_point(household, spot):
    shop = services.record_organisation(
        actor=SYSTEM,
        kind=OrganisationKind.SHOP,
        name="便民超市",
        address=household.address.parent.parent,
        contact_phone="13912345678",
    )
    assert shop.grid.code == spot["grid"] and shop.contact_phone_masked == "139****5678"
    other = _other_leaf(spot)
    point = shapely.point_on_surface(current_geometries([other])[other])
    school = services.record_organisation(
        actor=SYSTEM, kind=OrganisationKind.SCHOOL, name="实验小学", lon=point.x, lat=point.y
    )
    assert school.grid.code == other


def test_a_worker_writes_only_in_their_own_grid(household, spot, account):
    from gridgov.core.errors import Forbidden
    from gridgov.people.actors import Actor

    mine = Actor.of(account(f"worker-{spot['grid']}"))
    services.record_household(actor=mine, address=household.address, size=3)
    stranger = Actor.of(account(f"worker-{_other_leaf(spot)}"))
    with pytest.raises(Forbidden):
        services.record_household(actor=stranger, address=household.address, size=4)
