"""Writes of addresses, buildings, households and organisations (登记、更新、注销); residents: residents.py.

Each function is one transaction that checks who may write (the grid workers and leaders of the
record's grid subtree, administrators, the system), places the record (placement.py) and writes its
audit event. Nothing personal goes into an audit event: only ids, grids and masked values.
"""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.core import audit
from gridgov.core.errors import BadInput, Forbidden
from gridgov.people.actors import Actor
from gridgov.registry.models import (
    Address,
    AddressLevel,
    Building,
    BuildingUse,
    Household,
    Organisation,
    OrganisationKind,
    Resident,
    Tag,
)
from gridgov.registry.personal import mask_phone, normalise_phone
from gridgov.registry.placement import place, wgs84_point
from gridgov.registry.uscc import normalise_credit_code

WRITE_ROLES = ("grid_worker", "grid_leader", "admin")
# the level each level's parent has (a 小区 has none)
PARENT_LEVEL = {
    AddressLevel.BUILDING: AddressLevel.COMPOUND,
    AddressLevel.ENTRANCE: AddressLevel.BUILDING,
    AddressLevel.DWELLING: (AddressLevel.ENTRANCE, AddressLevel.BUILDING),  # a 户 may sit straight in a 楼栋
}


def require_write(actor: Actor, grid_code: str) -> None:
    if actor.is_system or actor.can_any(WRITE_ROLES, grid_code):
        return
    raise Forbidden(gettext("only the grid workers and leaders of this grid may change its registry"))


def log(actor: Actor, action: str, obj, **data) -> None:
    audit.record(
        actor=actor.user,
        action=f"registry.{action}",
        object_type=type(obj).__name__.lower(),
        object_id=obj.pk,
        data={"grid": obj.grid.code, "as": actor.label, **data},
    )


def _collected(at: datetime | None) -> datetime:
    return at or timezone.now()


@transaction.atomic
def create_address(
    *,
    actor: Actor,
    level: str,
    name: str,
    parent: Address | None = None,
    lon: float | None = None,
    lat: float | None = None,
    crs: str = "wgs84",
    grid_code: str = "",
    collected_at: datetime | None = None,
    audited: bool = True,
) -> Address:
    """标准地址: one level of an address under its parent, placed in a grid (placement.py). `audited` False:
    the caller (an import) writes one audit event for its whole batch instead."""
    name = (name or "").strip()
    if not name:
        raise BadInput(gettext("an address level needs a name"))
    if level not in AddressLevel.values:
        raise BadInput(gettext("unknown address level %(level)s") % {"level": level})
    wanted = PARENT_LEVEL.get(AddressLevel(level))
    if (wanted is None) != (parent is None) or (parent is not None and parent.level not in _levels(wanted)):
        raise BadInput(gettext("a %(level)s address cannot sit under that parent") % {"level": level})
    point = wgs84_point(lon, lat, crs)
    grid = place(point=point, grid_code=grid_code, parent=parent)
    if Address.objects.filter(parent=parent, name=name, **({} if parent else {"grid": grid})).exists():
        raise BadInput(gettext("the address %(name)s exists already") % {"name": name})
    require_write(actor, grid.code)
    address = Address.objects.create(
        parent=parent,
        level=level,
        name=name,
        full_text=(parent.full_text if parent else "") + name,
        lon=point[0] if point else None,
        lat=point[1] if point else None,
        grid=grid,
        collected_at=_collected(collected_at),
    )
    if audited:
        log(actor, "address.create", address, level=level)
    return address


def _levels(wanted) -> tuple:
    return wanted if isinstance(wanted, tuple) else (wanted,)


@transaction.atomic
def move_address(
    *, actor: Actor, address: Address, lon: float | None, lat: float | None, crs: str = "wgs84", grid_code: str = ""
) -> Address:
    """A new point (or grid) for an address: placed again, collected now, and what follows it placed again
    with it (_follow): one audit event lists every record that changed grid."""
    address = Address.objects.select_for_update().get(pk=address.pk)
    require_write(actor, address.grid.code)
    point = wgs84_point(lon, lat, crs)
    grid = place(point=point, grid_code=grid_code, parent=address.parent)
    require_write(actor, grid.code)
    old_grid = address.grid
    address.lon, address.lat = point if point else (None, None)
    address.grid, address.collected_at = grid, timezone.now()
    address.save(update_fields=["lon", "lat", "grid", "collected_at"])
    moved = _follow(address, old_grid.pk, grid) if grid.pk != old_grid.pk else {}
    log(actor, "address.move", address, **{"from": old_grid.code}, **moved)
    return address


def _follow(address: Address, old_grid_id: int, grid) -> dict[str, list[int]]:
    """Re-place what sits at or under a moved address. A record follows when it was placed by the address
    (rule 3 of placement.py): it has no point of its own and sat in its parent's old grid. One with its own
    point, or put in another grid by a code, stays, and so does what lies under it."""
    addresses, frontier = [], [address.pk]
    while frontier:
        children = list(
            Address.objects.select_for_update()
            .filter(parent_id__in=frontier, lon__isnull=True, grid_id=old_grid_id)
            .values_list("pk", flat=True)
        )
        addresses += children
        frontier = children
    at = [address.pk, *addresses]
    Address.objects.filter(pk__in=addresses).update(grid=grid)
    moved: dict[str, list[int]] = {"addresses": sorted(addresses)}
    for key, qs in (
        ("buildings", Building.objects.filter(address_id__in=at, grid_id=old_grid_id)),
        ("households", Household.objects.filter(address_id__in=at, grid_id=old_grid_id, active=True)),
        ("organisations", Organisation.objects.filter(address_id__in=at, grid_id=old_grid_id, lon__isnull=True)),
    ):
        moved[key] = sorted(qs.select_for_update().values_list("pk", flat=True))
        qs.model.objects.filter(pk__in=moved[key]).update(grid=grid)
    # a resident lies in the grid of their household
    residents = Resident.objects.filter(household_id__in=moved["households"], active=True)
    moved["residents"] = sorted(residents.values_list("pk", flat=True))
    residents.update(grid=grid)
    return moved


@transaction.atomic
def retire_address(*, actor: Actor, address: Address) -> Address:
    """注销: an address that no longer exists (demolished); refused while active records sit at it."""
    address = Address.objects.select_for_update().get(pk=address.pk)
    require_write(actor, address.grid.code)
    if (
        address.children.filter(active=True).exists()
        or address.households.filter(active=True).exists()
        or address.organisations.filter(active=True).exists()
    ):
        raise BadInput(gettext("retire what is at this address first"))
    address.active = False
    address.save(update_fields=["active"])
    log(actor, "address.retire", address)
    return address


@transaction.atomic
def record_building(*, actor: Actor, address: Address, use: str = "residential", floors: int | None = None) -> Building:
    """实有房屋: the building at a 楼栋 address, created or updated, collected now."""
    if address.level != AddressLevel.BUILDING:
        raise BadInput(gettext("a building stands at a building-level address"))
    if use not in BuildingUse.values:
        raise BadInput(gettext("unknown building use %(use)s") % {"use": use})
    require_write(actor, address.grid.code)
    building, created = Building.objects.update_or_create(
        address=address,
        defaults={"use": use, "floors": floors, "grid": address.grid, "collected_at": timezone.now(), "active": True},
    )
    log(actor, "building.create" if created else "building.update", building)
    return building


@transaction.atomic
def record_household(
    *,
    actor: Actor,
    address: Address,
    size: int | None = None,
    collected_at: datetime | None = None,
    audited: bool = True,
) -> Household:
    """户: the active household at a 户 address, created or refreshed (its grid follows the address)."""
    if address.level != AddressLevel.DWELLING:
        raise BadInput(gettext("a household lives at a dwelling-level address"))
    if not address.active:
        raise BadInput(gettext("the address %(name)s is retired") % {"name": address.full_text})
    if size is not None and size < 0:
        raise BadInput(gettext("a household's size cannot be negative"))
    require_write(actor, address.grid.code)
    household = Household.objects.select_for_update().filter(address=address, active=True).first()
    created = household is None
    if household is None:
        household = Household(address=address, size=size or 0)
    elif size is not None:
        household.size = size
    household.grid, household.collected_at = address.grid, _collected(collected_at)
    household.save()
    if audited:
        log(actor, "household.create" if created else "household.update", household, size=household.size)
    return household


@transaction.atomic
def retire_household(*, actor: Actor, household: Household) -> Household:
    """迁出: the household left; its residents are retired with it."""
    household = Household.objects.select_for_update().get(pk=household.pk)
    require_write(actor, household.grid.code)
    household.active = False
    household.save(update_fields=["active"])
    moved = household.residents.filter(active=True).update(active=False)
    log(actor, "household.retire", household, residents=moved)
    return household


@transaction.atomic
def record_organisation(
    *,
    actor: Actor,
    kind: str,
    name: str,
    address: Address | None = None,
    address_text: str = "",
    lon: float | None = None,
    lat: float | None = None,
    crs: str = "wgs84",
    grid_code: str = "",
    contact_name: str = "",
    contact_phone: str = "",
    credit_code: str = "",
    organisation: Organisation | None = None,
    audited: bool = True,
) -> Organisation:
    """实有单位: a shop, enterprise, school … created (or, given `organisation`, updated), placed by its
    point, a grid code or its standard address. `audited` False: an import writes one event for its batch."""
    if kind not in OrganisationKind.values:
        raise BadInput(gettext("unknown organisation kind %(kind)s") % {"kind": kind})
    if not (name or "").strip():
        raise BadInput(gettext("an organisation needs a name"))
    phone = normalise_phone(contact_phone)
    credit_code = normalise_credit_code(credit_code)
    taken = Organisation.objects.filter(credit_code=credit_code, active=True) if credit_code else None
    if taken is not None and taken.exclude(pk=organisation.pk if organisation else None).exists():
        raise BadInput(
            gettext("an organisation with the credit code %(code)s is registered already") % {"code": credit_code}
        )
    point = wgs84_point(lon, lat, crs)
    grid = place(point=point, grid_code=grid_code, parent=address)
    require_write(actor, grid.code)
    if organisation is not None:
        organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
        require_write(actor, organisation.grid.code)
    org = organisation or Organisation()
    org.kind, org.name, org.address, org.grid = kind, name.strip(), address, grid
    org.credit_code = credit_code
    org.address_text = address_text.strip() or (address.full_text if address else "")
    org.lon, org.lat = point if point else (None, None)
    org.contact_name, org.contact_phone_masked = contact_name.strip(), mask_phone(phone) if phone else ""
    setattr(org, "contact_phone", phone)  # noqa: B010  an encrypted field (mypy sees the field, not a str)
    org.collected_at, org.active = timezone.now(), True
    org.save()
    if audited:
        log(actor, "organisation.update" if organisation else "organisation.create", org, kind=kind)
    return org


@transaction.atomic
def retire_organisation(*, actor: Actor, organisation: Organisation) -> Organisation:
    organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
    require_write(actor, organisation.grid.code)
    organisation.active = False
    organisation.save(update_fields=["active"])
    log(actor, "organisation.retire", organisation)
    return organisation


@transaction.atomic
def save_tag(*, actor: Actor, code: str, name: str, visit_every_days: int | None = None, active: bool = True) -> Tag:
    """A key-group tag (重点人群) and its care-visit cadence, created or changed (administrators only)."""
    if not (actor.is_system or actor.is_admin):
        raise Forbidden(gettext("only administrators change the key-group tags"))
    code, name = (code or "").strip(), (name or "").strip()
    if not code or not name:
        raise BadInput(gettext("a tag needs a code and a name"))
    if visit_every_days is not None and not 1 <= visit_every_days <= 366:
        raise BadInput(gettext("a care visit is due every 1 to 366 days, or leave it empty"))
    if Tag.objects.filter(name=name).exclude(code=code).exists():
        raise BadInput(gettext("another tag is called %(name)s") % {"name": name})
    tag, created = Tag.objects.update_or_create(
        code=code, defaults={"name": name, "visit_every_days": visit_every_days, "active": active}
    )
    audit.record(
        actor=actor.user,
        action="registry.tag.create" if created else "registry.tag.update",
        object_type="tag",
        object_id=tag.pk,
        data={"code": code, "visit_every_days": visit_every_days, "active": active, "as": actor.label},
    )
    return tag


# The key groups communities tag residents with, and their care-visit cadence in days: what migration
# 0002 installs. A flush (`gridgov demo --reset`, transactional tests) removes those rows; the demo build
# puts them back through install_key_group_tags.
KEY_GROUPS = [
    ("living_alone", "独居老人", 7),
    ("very_old", "高龄", 30),
    ("disabled", "残疾人", 30),
    ("hardship", "困难群体", 30),
    ("left_behind_child", "留守儿童", 30),
    ("released_or_corrected", "刑满释放/社区矫正", 30),
    ("youth_at_risk", "重点青少年", 30),
    ("veteran", "退役军人", None),
]


def install_key_group_tags() -> int:
    """The shipped key-group tags that are missing (existing ones, perhaps changed by an admin, are kept)."""
    missing = [row for row in KEY_GROUPS if not Tag.objects.filter(code=row[0]).exists()]
    for code, name, days in missing:
        save_tag(actor=Actor.system("registry"), code=code, name=name, visit_every_days=days)
    return len(missing)
