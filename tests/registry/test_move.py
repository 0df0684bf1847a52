"""Moving an address moves what was placed by it: its levels below, the building, households, residents and
organisations at them; what has a point of its own stays."""

import shapely

from gridgov.core.models import AuditEvent
from gridgov.grids.models import Grid
from gridgov.grids.selectors import current_geometries
from gridgov.registry import services
from gridgov.registry.models import Address, Building, Household, OrganisationKind, Resident
from tests.registry.conftest import SYSTEM


def _neighbour(spot) -> tuple[str, shapely.Point]:
    """A leaf grid of the same community beside the spot's, and a point inside it."""
    code = (
        Grid.objects.filter(level=3, valid_to__isnull=True, code__startswith=spot["community"])
        .exclude(code=spot["grid"])
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )
    return code, shapely.point_on_surface(current_geometries([code])[code])


def test_a_household_follows_its_building_across_a_grid_boundary(household, resident, spot):
    dwelling = household.address
    entrance = dwelling.parent
    building_address = entrance.parent
    building = services.record_building(actor=SYSTEM, address=building_address, floors=6)
    shop = services.record_organisation(actor=SYSTEM, kind=OrganisationKind.SHOP, name="楼下小卖部", address=entrance)
    # a kiosk at the same entrance but with its own point stays where that point is
    kiosk = services.record_organisation(
        actor=SYSTEM, kind=OrganisationKind.SHOP, name="报亭", address=entrance, lon=spot["lon"], lat=spot["lat"]
    )
    target, point = _neighbour(spot)
    before = AuditEvent.objects.count()

    services.move_address(actor=SYSTEM, address=building_address, lon=point.x, lat=point.y)

    assert Address.objects.get(pk=building_address.pk).grid.code == target
    assert Address.objects.get(pk=entrance.pk).grid.code == target
    assert Address.objects.get(pk=dwelling.pk).grid.code == target
    assert Building.objects.get(pk=building.pk).grid.code == target
    assert Household.objects.get(pk=household.pk).grid.code == target
    assert Resident.objects.get(pk=resident.pk).grid.code == target
    shop.refresh_from_db()
    kiosk.refresh_from_db()
    assert shop.grid.code == target and kiosk.grid.code == spot["grid"]
    # the compound above keeps its grid
    assert Address.objects.get(pk=building_address.parent_id).grid.code == spot["grid"]
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [e.action for e in events] == ["registry.address.move"]
    data = events[0].data
    assert data["from"] == spot["grid"] and data["grid"] == target
    assert data["addresses"] == sorted([entrance.pk, dwelling.pk])
    assert data["households"] == [household.pk] and data["residents"] == [resident.pk]
    assert data["buildings"] == [building.pk] and data["organisations"] == [shop.pk]


def test_a_level_with_its_own_point_does_not_follow(household, spot):
    dwelling = household.address
    entrance = dwelling.parent
    services.move_address(actor=SYSTEM, address=entrance, lon=spot["lon"], lat=spot["lat"])  # its own point now
    _, point = _neighbour(spot)
    services.move_address(actor=SYSTEM, address=entrance.parent, lon=point.x, lat=point.y)
    assert Address.objects.get(pk=entrance.pk).grid.code == spot["grid"]
    assert Household.objects.get(pk=household.pk).grid.code == spot["grid"]
