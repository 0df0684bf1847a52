"""Outside work orders (工单) into cases: one normalised shape for the 12345 pull and for files.

`place_order` finds where an order belongs: by its coordinates (WGS-84 or GCJ-02) through the grid
locator, else by its address text matched against the names of the grids (街道, 社区, 网格) and of the
registry's compounds (小区), the most specific match winning. `receive_order` files it through the one
intake service (cases.services.intake.report_case) and records the work order, so (system, number) never
makes a second case.

Classification (分类): the order's category code when it names an active leaf of the category trees; else
the text classifier named by the setting GRIDGOV_TEXT_CLASSIFIER (a dotted path to a function
`(title, text) -> category code | None`), when one is configured; else none: the platform classifies
the case when it registers it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext

from gridgov.cases.models import Case
from gridgov.cases.services.intake import report_case
from gridgov.core.errors import BadInput
from gridgov.core.geo import CoordinateError, point_to_wgs84
from gridgov.exchange.models import WorkOrder
from gridgov.grids.locator import current_locator
from gridgov.grids.models import Level
from gridgov.grids.selectors import active_grids, representative_point
from gridgov.people.actors import Actor
from gridgov.registry.models import Address, AddressLevel
from gridgov.routing.models import Category

PERSONAL = ("caller_name", "caller_phone")  # kept encrypted on the case, never in WorkOrder.data
# A grid's name without its kind, so that "林山寨" or "碧沙岗" in a caller's words finds the grid; only
# names of three characters or more are shortened (两字 names such as 须水, 一中 say too little alone), and
# a short name counts only beside a full one (中原区, 林山寨街道 …): alone, 人社局 or 中心医院 in a message
# from another city would land in 人社局社区 or 中心医院社区 (measured on the 泰迪杯 messages).
NAME_SUFFIX = re.compile(r"(街道办事处|街道|办事处|社区居委会|居委会|社区|村委会|村)$")
MIN_SHORT_NAME = 3
INDEX_SECONDS = 60  # the registry's compounds change without a version stamp: re-read them this often


@dataclass
class OrderFields:
    """One outside work order (工单), normalised: what a 12345 message or a file row says."""

    number: str
    title: str
    text: str = ""
    received_at: datetime | None = None
    channel: str = "hotline"
    caller_name: str = ""
    caller_phone: str = ""
    address: str = ""
    district: str = ""
    lon: float | None = None
    lat: float | None = None
    crs: str = "wgs84"  # or "gcj02"
    category_code: str = ""
    deadline: datetime | None = None


@dataclass(frozen=True)
class Placement:
    """Where an order goes: its grid (None: unplaced), the point (WGS-84) it is filed at, how it was found
    ("coordinates", "address" or ""), and the text that matched (or why nothing did)."""

    grid: str | None
    lon: float | None
    lat: float | None
    how: str
    matched: str


@dataclass(frozen=True)
class Received:
    case: Case
    created: bool


# ---- placing (落格) ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Name:
    text: str
    code: str
    depth: float  # the grid's level; a compound counts just below the grid that holds it
    short: bool = False  # the name without its kind (林山寨 for 林山寨街道)


class NameIndex:
    """The names an address can mention, each with the grid it stands for (read once per tree version)."""

    def __init__(self, names: list[_Name], districts: set[str], version: str):
        self.names = sorted(names, key=lambda n: -len(n.text))
        self.districts = districts
        self.version = version
        self.built = time.monotonic()

    @classmethod
    def load(cls, version: str) -> NameIndex:
        names: list[_Name] = []
        districts: set[str] = set()
        for code, name, level in active_grids().values_list("code", "name", "level"):
            names.append(_Name(name, code, level))
            short = NAME_SUFFIX.sub("", name)
            if short != name and len(short) >= MIN_SHORT_NAME:
                names.append(_Name(short, code, level, short=True))
            if level == Level.DISTRICT:
                districts.add(name)
        compounds = Address.objects.filter(parent__isnull=True, level=AddressLevel.COMPOUND, active=True)
        by_name: dict[str, set[str]] = {}
        for name, code in compounds.values_list("name", "grid__code"):
            by_name.setdefault(name, set()).add(code)
        for name, codes in by_name.items():
            for code in codes:  # a name several grids share is settled by the grid names beside it (match)
                names.append(_Name(name, code, 3.5))
        return cls(names, districts, version)

    def match(self, text: str) -> tuple[str | None, str]:
        """The deepest grid the text names, and the names that said so; (None, reason) when none."""
        found = [n for n in self.names if n.text in text]
        # a name inside a longer one that matched (建设路 inside 建设路街道) is not a second mention
        found = [n for n in found if not any(n.text != o.text and n.text in o.text for o in found)]
        if all(n.short for n in found):
            found = []
        if not found:
            return None, ""
        # the deepest names; a name as written (三官庙) before a name shortened to it (三官庙社区, 三官庙街道)
        deepest = max(n.depth for n in found)
        candidates = [n for n in found if n.depth == deepest]
        candidates = [n for n in candidates if not n.short] or candidates
        best = {n.code for n in candidates}
        if len(best) > 1:
            # a name several grids share: keep the grids under another name the text mentions separately
            said = {n.code: n.text for n in candidates}
            nested = {
                c
                for c in best
                if any(len(o.code) > 6 and o.code != c and c.startswith(o.code) and o.text != said[c] for o in found)
            }
            best = nested or best
        if len(best) > 1:
            # still several: the grid they share, if it is below the district
            common = _common_prefix(sorted(best))
            best = {common} if len(common) > 6 else set()
        if not best:
            return None, gettext("the address names several grids")
        code = best.pop()
        if len(code) <= 6:
            return None, gettext("the address names only the district, not a street or community")
        return code, "、".join(sorted({n.text for n in found if code.startswith(n.code)}))


def _common_prefix(codes: list[str]) -> str:
    first, last = codes[0], codes[-1]
    i = 0
    while i < min(len(first), len(last)) and first[i] == last[i]:
        i += 1
    for length in (15, 12, 9, 6):  # a grid code's lengths (grids.models.CODE_LENGTH)
        if i >= length:
            return first[:length]
    return ""


_index: NameIndex | None = None


def name_index() -> NameIndex:
    """The process's index of names for the current grid tree (re-read when the tree or a minute moves)."""
    global _index
    locator = current_locator()
    if _index is None or _index.version != locator.version or time.monotonic() - _index.built > INDEX_SECONDS:
        _index = NameIndex.load(locator.version)
    return _index


def place_order(
    fields: OrderFields, *, index: NameIndex | None = None, points: dict[str, tuple[float, float] | None] | None = None
) -> Placement:
    """Where the order belongs (a selector): its coordinates' grid, else its address text's (see module).
    `points`: the grids' representative points found so far, by code, kept by an import for its orders
    (a query and a geometry each otherwise)."""
    outside = ""
    if fields.lon is not None and fields.lat is not None:
        try:
            x, y = point_to_wgs84(float(fields.lon), float(fields.lat), fields.crs)
        except CoordinateError as exc:
            raise BadInput(gettext("cannot place: %(why)s") % {"why": exc}) from exc
        code = current_locator().locate(x, y)
        if code is not None:
            return Placement(code, x, y, "coordinates", f"{fields.lon},{fields.lat}")
        where = {"lon": fields.lon, "lat": fields.lat}
        outside = gettext("the point (%(lon)s, %(lat)s) lies outside every grid") % where
    index = index or name_index()
    district = fields.district.strip()
    if district and not any(d in district or district in d for d in index.districts):
        found, _why = index.match(district)
        if found is None:
            reason = gettext("the district %(district)s is not one of this platform's") % {"district": district}
            return Placement(None, None, None, "", "；".join(filter(None, (outside, reason))))
    # the place as the caller gave it; without one, the title (a message's subject often names the place)
    words = " ".join(part for part in (district, fields.address.strip() or fields.title.strip()) if part)
    code, matched = index.match(words)
    if code is None:
        reason = matched or gettext("no grid or compound name in the address")
        return Placement(None, None, None, "", "；".join(filter(None, (outside, reason))))
    if points is None:
        point = representative_point(code)
    elif code in points:
        point = points[code]
    else:
        point = points[code] = representative_point(code)
    if point is None:
        return Placement(None, None, None, "", gettext("grid %(code)s has no boundary") % {"code": code})
    return Placement(code, point[0], point[1], "address", matched)


# ---- classifying (分类) --------------------------------------------------------------------------


def text_classifier() -> Callable[[str, str], str | None] | None:
    """The configured text classifier (settings.GRIDGOV_TEXT_CLASSIFIER), or None when there is none."""
    path = getattr(settings, "GRIDGOV_TEXT_CLASSIFIER", "")
    return import_string(path) if path else None


def category_for(fields: OrderFields, leaves: dict[str, Category] | None = None) -> str | None:
    """The order's category code when it names an active leaf, else the classifier's answer (when it names
    one), else None. `leaves`: the active leaves by code, read once by an import."""

    def known(code: str | None) -> bool:
        if not code:
            return False
        if leaves is not None:
            return code in leaves
        return Category.objects.filter(code=code, is_leaf=True, active=True).exists()

    code = fields.category_code.strip()
    if known(code):
        return code
    classify = text_classifier()
    suggested = classify(fields.title, fields.text) if classify is not None else None
    return suggested if known(suggested) else None


# ---- receiving (接收) ----------------------------------------------------------------------------


def order_data(fields: OrderFields) -> dict[str, str]:
    """The order's non-personal fields as JSON strings, for WorkOrder.data."""
    return {
        key: (value.isoformat() if isinstance(value, datetime) else str(value))
        for key, value in vars(fields).items()  # flat: asdict's deep copy cost more than the rest of a bulk row
        if key not in PERSONAL and value not in (None, "")
    }


def receive_order(*, actor: Actor, system: str, source: str, fields: OrderFields) -> Received:
    """接收工单: the case of an outside work order, created through intake unless (system, number) has one.

    A known number writes nothing and answers the existing case (created False). An order that cannot be
    placed is BadInput (无法定位)."""
    known = existing_case(system, fields.number)
    if known is not None:
        return Received(known, False)
    placement = place_order(fields)
    if placement.grid is None:
        raise BadInput(
            gettext("cannot place work order %(number)s: %(why)s") % {"number": fields.number, "why": placement.matched}
        )
    try:
        case = file_order(
            actor=actor, system=system, source=source, fields=fields, placement=placement, category=category_for(fields)
        )
    except IntegrityError:
        known = existing_case(system, fields.number)  # a concurrent pull of the same order won the race
        if known is None:
            raise
        return Received(known, False)
    return Received(case, True)


def existing_case(system: str, number: str) -> Case | None:
    order = WorkOrder.objects.select_related("case").filter(system=system, number=number).first()
    return order.case if order is not None else None


def file_order(
    *, actor: Actor, system: str, source: str, fields: OrderFields, placement: Placement, category: str | None
) -> Case:
    """The case and its work order row for a placed order, in one transaction (the import's too)."""
    assert placement.lon is not None and placement.lat is not None
    with transaction.atomic():
        intake = report_case(
            actor=actor,
            title=fields.title,
            description=fields.text,
            lon=placement.lon,
            lat=placement.lat,
            category=category,
            channel=fields.channel,
            reporter_name=fields.caller_name,
            reporter_phone=fields.caller_phone,
            address=fields.address or (fields.district if fields.channel == "hotline" else ""),
            at=fields.received_at,
        )
        data = order_data(fields)
        data["placed_by"] = placement.how
        WorkOrder.objects.create(system=system, number=fields.number, case=intake.case, source=source, data=data)
    return intake.case
