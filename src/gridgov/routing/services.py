"""Writes of the routing app: the category trees (问题分类), units (处置单位) and the dispatch catalogue (派单目录).

Each loader reads the files shipped in `routing/data/` (see its README for provenance), upserts by natural
key in one transaction and writes one audit event when something changed: loading twice changes nothing.
Values the files carry are restored on a reload (they are the shipped defaults); a category's `active` flag,
a unit's phone and rows the files do not name are local configuration and are left alone.
"""

from __future__ import annotations

import csv
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from django.db import transaction

from gridgov.core import audit
from gridgov.grids.models import Grid
from gridgov.people.models import Unit
from gridgov.people.models import UnitKind as PeopleUnitKind
from gridgov.routing.models import Category, Complexity, DispatchRule, Tree, UnitKind

DATA = Path(__file__).parent / "data"
CATEGORY_FILES = {
    Tree.URBAN_COMPONENT: "urban_components.csv",
    Tree.URBAN_EVENT: "urban_events.csv",
    Tree.SOCIAL: "social.csv",
}
HOTLINE_TAXONOMY = "teddy2020_taxonomy.csv"
HOTLINE_LIMITS = "hotline_limits.csv"
UNITS = "units.csv"
CATALOGUE = "dispatch_catalogue.csv"
DISTRICT_RE = re.compile(r"^\d{6}$")
LIMIT_FIELDS = ("complexity", "sign_hours", "resolve_days", "urgent", "resolve_hours", "unit_kind")


class RoutingDataError(ValueError):
    """A data file is malformed, or refers to something that does not exist."""


@dataclass(frozen=True)
class CategoryRow:
    code: str
    name: str
    tree: str
    parent: str | None
    depth: int
    complexity: str = Complexity.GENERAL
    sign_hours: int = 2
    resolve_days: int = 5
    urgent: bool = False
    resolve_hours: int | None = None
    unit_kind: str = UnitKind.DEPARTMENT
    keywords: str = ""


def _read(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8-sig", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def _limits(row: dict[str, str], where: str) -> dict[str, Any]:
    """The limit columns of one row, checked: a bad file must fail loudly, not load zero-day deadlines."""
    try:
        values = {
            "complexity": row["complexity"] or Complexity.GENERAL,
            "sign_hours": int(row["sign_hours"] or 2),
            "resolve_days": int(row["resolve_days"] or 5),
            "urgent": (row.get("urgent") or "0") in ("1", "true", "yes"),
            "resolve_hours": int(row["resolve_hours"]) if row.get("resolve_hours") else None,
            "unit_kind": row["unit_kind"] or UnitKind.DEPARTMENT,
        }
    except (KeyError, ValueError) as exc:
        raise RoutingDataError(f"{where}: {exc}") from exc
    if values["complexity"] not in Complexity.values or values["unit_kind"] not in UnitKind.values:
        raise RoutingDataError(f"{where}: unknown complexity or unit kind")
    if values["sign_hours"] < 1 or values["resolve_days"] < 1:
        raise RoutingDataError(f"{where}: limits must be positive")
    if values["urgent"] != (values["resolve_hours"] is not None) or (values["resolve_hours"] or 1) < 1:
        raise RoutingDataError(f"{where}: an urgent class needs positive resolve_hours, and only it")
    return values


def _file_rows(tree: str, name: str) -> list[CategoryRow]:
    rows = []
    for i, row in enumerate(_read(name), start=2):
        where = f"{name}:{i}"
        if not row.get("code") or not row.get("name"):
            raise RoutingDataError(f"{where}: code and name are required")
        rows.append(CategoryRow(code=row["code"], name=row["name"], tree=tree, parent=row["parent"] or None,
                                depth=0, keywords=row.get("keywords", ""), **_limits(row, where)))
    return rows


def hotline_rows() -> list[CategoryRow]:
    """The 12345 tree: codes H + 2 + 2 + 3 digits, numbered in the order the taxonomy file lists the classes.

    Limits come from hotline_limits.csv, second-level rows first, then the first-level row of the class.
    """
    limits: dict[tuple[str, str], dict[str, Any]] = {}
    for i, row in enumerate(_read(HOTLINE_LIMITS), start=2):
        limits[(row["level1"], row["level2"])] = _limits(row, f"{HOTLINE_LIMITS}:{i}")
    default = {"complexity": Complexity.GENERAL, "sign_hours": 2, "resolve_days": 5, "urgent": False,
               "resolve_hours": None, "unit_kind": UnitKind.DEPARTMENT}
    codes: dict[tuple[str, ...], str] = {}
    rows: list[CategoryRow] = []

    def add(path: tuple[str, ...], width: int) -> str:
        if path not in codes:
            parent = codes.get(path[:-1])
            siblings = sum(1 for p in codes if len(p) == len(path) and p[:-1] == path[:-1])
            code = f"{parent or 'H'}{siblings + 1:0{width}d}"
            codes[path] = code
            lim = limits.get(path[:2]) or limits.get((path[0], "")) or default
            rows.append(CategoryRow(code=code, name=path[-1], tree=Tree.HOTLINE, parent=parent, depth=len(path),
                                    **lim))
        return codes[path]

    for i, row in enumerate(_read(HOTLINE_TAXONOMY), start=2):
        path = (row["一级分类"], row["二级分类"], row["三级分类"])
        if not all(path):
            raise RoutingDataError(f"{HOTLINE_TAXONOMY}:{i}: three levels are required")
        add(path[:1], 2), add(path[:2], 2), add(path, 3)
    return rows


def category_rows() -> list[CategoryRow]:
    """Every shipped category, parents before children, with depth filled in."""
    rows = [r for tree, name in CATEGORY_FILES.items() for r in _file_rows(tree, name)]
    by_code = {r.code: r for r in rows}
    if len(by_code) != len(rows):
        raise RoutingDataError("duplicate category codes in the data files")
    depth: dict[str, int] = {}

    def depth_of(code: str, seen: tuple[str, ...] = ()) -> int:
        if code not in depth:
            row = by_code[code]
            if row.parent and (row.parent not in by_code or row.parent in seen):
                raise RoutingDataError(f"category {code}: unknown or circular parent {row.parent}")
            depth[code] = 1 if not row.parent else depth_of(row.parent, (*seen, code)) + 1
        return depth[code]

    rows = [CategoryRow(**{**asdict(r), "depth": depth_of(r.code)}) for r in rows] + hotline_rows()
    return sorted(rows, key=lambda r: r.depth)


def _counts(created: int, updated: int, total: int) -> dict[str, int]:
    return {"created": created, "updated": updated, "unchanged": max(0, total - created - updated)}


@transaction.atomic
def load_categories(*, actor=None) -> dict[str, Any]:
    """Load the category trees (数字城管 部件/事件, 台账/社情, 12345) from the data files, by code.

    Returns `{created, updated, unchanged, trees: {tree: {branches, leaves}}}`.
    """
    rows = category_rows()
    existing = {c.code: c for c in Category.objects.all()}
    parents_in_files = {r.parent for r in rows if r.parent}
    created, touched = 0, set()
    for depth in sorted({r.depth for r in rows}):
        new: list[Category] = []
        changed: list[Category] = []
        fields: set[str] = set()
        for r in (r for r in rows if r.depth == depth):
            values = {"name": r.name, "tree": r.tree, "parent_id": existing[r.parent].pk if r.parent else None,
                      "depth": r.depth, "keywords": r.keywords, **{f: getattr(r, f) for f in LIMIT_FIELDS}}
            obj = existing.get(r.code)
            if obj is None:
                new.append(Category(code=r.code, is_leaf=r.code not in parents_in_files, **values))
                continue
            diff = [f for f, v in values.items() if getattr(obj, f) != v]
            if diff:
                for f in diff:
                    setattr(obj, f, values[f])
                changed.append(obj)
                fields.update(diff)
        Category.objects.bulk_create(new)
        if changed:
            Category.objects.bulk_update(changed, sorted(fields))
        created += len(new)
        touched.update(c.code for c in changed)
        # Re-read the new rows: their primary keys are the next depth's parents on every backend.
        existing.update({c.code: c for c in Category.objects.filter(code__in=[n.code for n in new])})
    touched.update(refresh_tree())
    updated = len(touched)
    counts: dict[str, Any] = _counts(created, updated, len(rows))
    counts["trees"] = {
        tree: {"branches": Category.objects.filter(tree=tree, is_leaf=False).count(),
               "leaves": Category.objects.filter(tree=tree, is_leaf=True).count()}
        for tree in Tree.values
    }
    if created or updated:
        audit.record(actor=actor, action="routing.load_categories", object_type="category_tree", data=counts)
    return counts


@transaction.atomic
def refresh_tree() -> list[str]:
    """Recompute every class's depth and leaf flag from the parent links; returns the codes that changed.

    A leaf is a class without children, local classes added in the admin included. Called by the loader
    and by the admin after a class is added, moved or deleted, so that nobody maintains them by hand.
    """
    nodes = {c.pk: c for c in Category.objects.only("pk", "code", "parent_id", "depth", "is_leaf")}
    with_children = {c.parent_id for c in nodes.values() if c.parent_id is not None}

    def depth_of(c: Category) -> int:
        depth, seen = 1, {c.pk}
        while c.parent_id is not None and c.parent_id not in seen:  # a cycle cannot hang the loop
            c = nodes[c.parent_id]
            seen.add(c.pk)
            depth += 1
        return depth

    changed = []
    for c in nodes.values():
        depth, leaf = depth_of(c), c.pk not in with_children
        if (c.depth, c.is_leaf) != (depth, leaf):
            c.depth, c.is_leaf = depth, leaf
            changed.append(c)
    Category.objects.bulk_update(changed, ["depth", "is_leaf"])
    return [c.code for c in changed]


def _district(district: str) -> str:
    if not DISTRICT_RE.match(district or ""):
        raise RoutingDataError(f"district must be a 6-digit code, not {district!r}")
    return district


def _district_name(district: str) -> str:
    """The district platform's name (中原区), when the grid tree is loaded."""
    return Grid.objects.filter(code=district).values_list("name", flat=True).first() or ""


@transaction.atomic
def load_units(*, district: str, actor=None, name_prefix: str | None = None) -> dict[str, int]:
    """Create the district's handling units (处置单位: departments and non-government handlers), by code.

    Codes are "D" + district + the file's 3-digit number. Department names get the district's name in front
    ("中原区城管执法局"); `name_prefix` overrides it, and defaults to the name of the district's grid.
    """
    district = _district(district)
    prefix = _district_name(district) if name_prefix is None else name_prefix
    existing = {u.code: u for u in Unit.objects.filter(district=district)}
    new, changed, total = [], [], 0
    for i, row in enumerate(_read(UNITS), start=2):
        if not re.fullmatch(r"\d{3}", row["number"]) or row["kind"] not in PeopleUnitKind.values:
            raise RoutingDataError(f"{UNITS}:{i}: a 3-digit number and a kind of {PeopleUnitKind.values} are required")
        total += 1
        code = f"D{district}{row['number']}"
        name = f"{prefix}{row['name']}" if row["kind"] == PeopleUnitKind.DEPARTMENT else row["name"]
        unit = existing.get(code)
        if unit is None:
            new.append(Unit(code=code, name=name, kind=row["kind"], district=district))
        elif (unit.name, unit.kind) != (name, row["kind"]):
            unit.name, unit.kind = name, row["kind"]
            changed.append(unit)
    Unit.objects.bulk_create(new)
    Unit.objects.bulk_update(changed, ["name", "kind"])
    counts = _counts(len(new), len(changed), total)
    if new or changed:
        audit.record(actor=actor, action="routing.load_units", object_type="units", object_id=district, data=counts)
    return counts


def _token(value: str, district: str, where: str) -> str:
    """A catalogue file's unit: a 3-digit unit number becomes the district's unit code; @N and blank stay."""
    if re.fullmatch(r"\d{3}", value):
        return f"D{district}{value}"
    if value == "" or re.fullmatch(r"@[0-4]", value):
        return value
    raise RoutingDataError(f"{where}: unit {value!r} is neither a 3-digit unit number nor @0…@4")


@transaction.atomic
def load_dispatch_catalogue(*, district: str = "410102", actor=None) -> dict[str, int]:
    """Load the default dispatch catalogue (派单目录) for one district, by (category, grid level, district).

    Needs the categories loaded first. Rules the file does not name (local additions) are kept.
    """
    district = _district(district)
    categories = dict(Category.objects.values_list("code", "pk"))
    existing = {(r.category_id, r.grid_level): r for r in DispatchRule.objects.filter(district=district)}
    new, changed, total = [], [], 0
    for i, row in enumerate(_read(CATALOGUE), start=2):
        where = f"{CATALOGUE}:{i}"
        if row["category"] not in categories:
            raise RoutingDataError(f"{where}: unknown category {row['category']} (load the categories first)")
        if row["grid_level"] and row["grid_level"] not in "01234":
            raise RoutingDataError(f"{where}: grid level must be 0–4 or empty")
        total += 1
        key = (categories[row["category"]], int(row["grid_level"]) if row["grid_level"] else None)
        values = {
            "unit": _token(row["unit"], district, where),
            "assisting": ",".join(_token(t.strip(), district, where) for t in row["assisting"].split(";") if t.strip()),
            "note": row["note"],
        }
        rule = existing.get(key)
        if rule is None:
            new.append(DispatchRule(category_id=key[0], grid_level=key[1], district=district, **values))
        elif any(getattr(rule, f) != v for f, v in values.items()):
            for f, v in values.items():
                setattr(rule, f, v)
            changed.append(rule)
    DispatchRule.objects.bulk_create(new)
    DispatchRule.objects.bulk_update(changed, ["unit", "assisting", "note"])
    counts = _counts(len(new), len(changed), total)
    if new or changed:
        audit.record(actor=actor, action="routing.load_dispatch_catalogue", object_type="dispatch_catalogue",
                     object_id=district, data=counts)
    return counts


@transaction.atomic
def load_all(*, district: str = "410102", actor=None) -> dict[str, Any]:
    """Categories, the district's units and its dispatch catalogue, in that order (what `gridgov routing load` does)."""
    return {
        "categories": load_categories(actor=actor),
        "units": load_units(district=district, actor=actor),
        "catalogue": load_dispatch_catalogue(district=district, actor=actor),
    }
