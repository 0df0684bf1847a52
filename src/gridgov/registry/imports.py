"""Households and residents from the table a community keeps (入户登记表导入): one row per person.

Columns (Chinese headers as communities write them, or the English names): 小区 compound, 楼栋 building,
单元 entrance (may be blank: a 户 straight in its 楼栋), 户号 dwelling, 姓名 name, 身份证号 id_number,
联系电话 phone, 标签 tags (separated by 、，,;), and optionally 网格 grid (a grid code), 经度/纬度 lon/lat
(WGS-84). Addresses are found by their text or created: the 小区 by name (placement.find_compound); a new
小区 needs a point or a grid code. A resident is matched by ID number (updated) or else added.

All or nothing: every row is checked and written inside one transaction; any row's problem (a bad
ID check digit, a bad phone, an unknown grid, tag or address) is collected and raised as RowErrors at
the end, which rolls every write back.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from gridgov.core import audit
from gridgov.core.admin_io import Column, read_table
from gridgov.core.errors import BadInput, GridgovError
from gridgov.core.rows import RowError, RowErrors, duplicates, row_number, text
from gridgov.people.actors import Actor
from gridgov.registry import residents, services
from gridgov.registry.models import Address, AddressLevel, Household, Resident
from gridgov.registry.personal import digest, normalise_id_number
from gridgov.registry.placement import find_compound

COLUMNS = (
    Column("compound", _("compound"), aliases=("小区", "小区名称"), required=True),
    Column("building", _("building no."), aliases=("楼栋", "楼号", "楼栋号"), required=True),
    Column("entrance", _("entrance no."), aliases=("单元", "单元号")),
    Column("dwelling", _("dwelling no."), aliases=("户号", "门牌号", "房号"), required=True),
    Column("name", pgettext_lazy("registry", "name"), aliases=("姓名",), required=True),
    Column("id_number", _("ID number"), aliases=("身份证号", "身份证号码", "公民身份号码")),
    Column("phone", pgettext_lazy("registry", "phone"), aliases=("联系电话", "电话", "手机号")),
    Column("tags", _("key groups"), aliases=("标签", "重点人群")),
    Column("grid", _("grid code"), aliases=("网格", "网格编码")),
    Column("lon", _("longitude"), aliases=("经度",)),
    Column("lat", _("latitude"), aliases=("纬度",)),
)
TAG_SEPARATORS = re.compile(r"[、，,;；\s]+")


def read_file(data: bytes, filename: str) -> list[dict[str, Any]]:
    """An .xlsx (or .csv) file as rows; RowErrors for an unreadable file or wrong headers."""
    return read_table(data, filename, COLUMNS)


def _number(value: Any, what: str) -> float | None:
    raw = text(value)
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise BadInput(gettext("%(what)s %(value)s is not a number") % {"what": what, "value": raw}) from None


class _Addresses:
    """The addresses an import has found or created, so that 400 people of one 楼栋 cost one lookup; cleared
    whenever a row fails (its savepoint took back what it created)."""

    def __init__(self, actor: Actor):
        self.actor = actor
        self.known: dict[tuple, Address] = {}

    def child(self, parent: Address, level: str, name: str, point) -> Address:
        key = (parent.pk, name)
        found = self.known.get(key) or Address.objects.filter(parent=parent, name=name, active=True).first()
        if found is None:
            lon, lat = point or (None, None)
            found = services.create_address(
                actor=self.actor, level=level, name=name, parent=parent, lon=lon, lat=lat, audited=False
            )
        self.known[key] = found
        return found

    def compound(self, name: str, grid_code: str, point) -> tuple[Address, bool]:
        """The 小区 by its name (placement.find_compound), or created; and whether it was created now."""
        key = ("compound", name, grid_code)
        found = self.known.get(key) or find_compound(name, grid_code=grid_code)
        created = found is None
        if found is None:
            if point is None and not grid_code:
                raise BadInput(
                    gettext("the compound %(name)s is not registered: give its grid code or a point to place it")
                    % {"name": name}
                )
            found = services.create_address(
                actor=self.actor,
                level=AddressLevel.COMPOUND,
                name=name,
                lon=point[0] if point else None,
                lat=point[1] if point else None,
                grid_code="" if point else grid_code,
                audited=False,
            )
        self.known[key] = found
        return found, created

    def dwelling(self, row: Mapping[str, Any]) -> Address:
        """The 户 address of a row, its missing levels created (the first new level placed by the row's point)."""
        grid_code = text(row.get("grid"))
        lon, lat = _number(row.get("lon"), gettext("longitude")), _number(row.get("lat"), gettext("latitude"))
        point = (lon, lat) if lon is not None or lat is not None else None
        compound, created = self.compound(text(row.get("compound")), grid_code, point)
        if created:
            point = None  # placed by it: the levels below follow the compound
        building = self.child(compound, "building", text(row.get("building")), point)
        parent = building
        if entrance := text(row.get("entrance")):
            parent = self.child(building, "entrance", entrance, None)
        return self.child(parent, "dwelling", text(row.get("dwelling")), None)


def _dwelling_key(row: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(text(row.get(name)) for name in ("grid", "compound", "building", "entrance", "dwelling"))


def _check_duplicates(rows: Sequence[Mapping[str, Any]]) -> list[RowError]:
    keyed = []
    for index, row in enumerate(rows):
        try:
            id_number = normalise_id_number(text(row.get("id_number")))
        except GridgovError:
            continue  # the row reports its own error
        if id_number:
            keyed.append((row_number(row, index), digest("id", id_number)))
    return [
        RowError(number, "id_number", gettext("the same ID number as row %(row)d") % {"row": first})
        for number, first in duplicates(keyed).items()
    ]


@transaction.atomic
def import_residents(
    *, rows: Sequence[Mapping[str, Any]], actor, source: str = "", check: bool = False
) -> dict[str, int]:
    """Write every row or none (see the module docstring); counts of residents created and updated.
    `check`: run it all, then roll it back (a dry run)."""
    actor = actor if isinstance(actor, Actor) else Actor.of(actor)
    errors = _check_duplicates(rows)
    counts = {"created": 0, "updated": 0, "unchanged": 0, "households": 0}
    seen_households: set[int] = set()
    addresses = _Addresses(actor)
    written: list[int] = []
    # a new household's size is the number of its people in the file (its rows), counted before writing
    planned = Counter(_dwelling_key(row) for row in rows)
    for index, row in enumerate(rows):
        number = row_number(row, index)
        for required in ("compound", "building", "dwelling", "name"):
            if not text(row.get(required)):
                errors.append(RowError(number, required, gettext("this cell must not be blank")))
        if errors and errors[-1].row == number:
            continue
        try:
            # a savepoint per row: a refused row leaves nothing half-written behind the rows checked after it
            with transaction.atomic():
                address = addresses.dwelling(row)
                household = Household.objects.filter(address=address, active=True).first()
                if household is None:
                    household = services.record_household(
                        actor=actor, address=address, size=planned[_dwelling_key(row)], audited=False
                    )
                    counts["households"] += 1
                id_number = normalise_id_number(text(row.get("id_number")))
                existing = (
                    Resident.objects.filter(id_digest=digest("id", id_number), active=True).first()
                    if id_number
                    else None
                )
                person = residents.record_resident(
                    audited=False,
                    actor=actor,
                    household=household,
                    name=text(row.get("name")),
                    id_number=id_number,
                    phone=text(row.get("phone")),
                    tags=TAG_SEPARATORS.split(text(row.get("tags"))),
                    resident=existing,
                )
                counts["updated" if existing else "created"] += 1
                seen_households.add(household.pk)
                written.append(person.pk)
        except GridgovError as exc:
            errors.append(RowError(number, "", exc.message))
            addresses.known.clear()
    if errors:
        raise RowErrors(sorted(errors, key=lambda e: e.row))
    for household in Household.objects.filter(pk__in=seen_households).select_for_update():
        people = household.residents.filter(active=True).count()
        if household.size < people:  # a household is at least as large as the people registered in it
            services.record_household(actor=actor, address=household.address, size=people, audited=False)
    audit.record(
        actor=actor.user,
        action="registry.import",
        object_type="resident",
        # one event for the batch (the services' own events are left out for it): counts and the residents written
        data={"source": source[:200], **counts, "residents": written, "as": actor.label},
    )
    if check:
        transaction.set_rollback(True)
    return counts
