"""The loaders of the data files shipped in `routing/data/`: the category trees (问题分类), units (处置单位)
and the dispatch catalogue (派单目录), upserted by natural key; loading twice changes nothing."""

from __future__ import annotations

import csv
import re
from dataclasses import asdict
from pathlib import Path
from typing import Any, cast

from django.db import transaction

from gridgov.core import audit
from gridgov.grids.models import Grid
from gridgov.people.models import Unit
from gridgov.people.models import UnitKind as PeopleUnitKind
from gridgov.routing.models import Category, Complexity, DispatchRule, Tree, UnitKind
from gridgov.routing.services.modes import install_mode_rules
from gridgov.routing.services.upserts import (
    DISTRICT_RE,
    CategoryRow,
    RoutingDataError,
    RuleKey,
    change_counts,
    limit_values,
    refresh_tree,
    unit_token,
    upsert,
    upsert_categories,
    upsert_rules,
)

DATA = Path(__file__).parent.parent / "data"
# cast: without django-stubs mypy reads a TextChoices member as its (value, label) tuple; it is a str.
CATEGORY_FILES = cast(
    dict[str, str],
    {
        Tree.URBAN_COMPONENT: "urban_components.csv",
        Tree.URBAN_EVENT: "urban_events.csv",
        Tree.SOCIAL: "social.csv",
    },
)
HOTLINE_TAXONOMY = "teddy2020_taxonomy.csv"
HOTLINE_LIMITS = "hotline_limits.csv"
UNITS = "units.csv"
CATALOGUE = "dispatch_catalogue.csv"


def _read(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8-sig", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def _limits(row: dict[str, str], where: str) -> dict[str, Any]:
    try:
        return limit_values(row)
    except RoutingDataError as exc:
        raise RoutingDataError(f"{where}: {exc}") from exc


def _file_rows(tree: str, name: str) -> list[CategoryRow]:
    rows = []
    for i, row in enumerate(_read(name), start=2):
        where = f"{name}:{i}"
        if not row.get("code") or not row.get("name"):
            raise RoutingDataError(f"{where}: code and name are required")
        rows.append(
            CategoryRow(
                code=row["code"],
                name=row["name"],
                tree=tree,
                parent=row["parent"] or None,
                depth=0,
                keywords=row.get("keywords", ""),
                **_limits(row, where),
            )
        )
    return rows


def hotline_rows() -> list[CategoryRow]:
    """The 12345 tree: codes H + 2 + 2 + 3 digits, numbered in the order the taxonomy file lists the classes.

    Limits come from hotline_limits.csv, second-level rows first, then the first-level row of the class.
    """
    limits: dict[tuple[str, ...], dict[str, Any]] = {}
    for i, row in enumerate(_read(HOTLINE_LIMITS), start=2):
        limits[(row["level1"], row["level2"])] = _limits(row, f"{HOTLINE_LIMITS}:{i}")
    default = {
        "complexity": Complexity.GENERAL,
        "sign_hours": 2,
        "resolve_days": 5,
        "urgent": False,
        "resolve_hours": None,
        "unit_kind": UnitKind.DEPARTMENT,
    }
    codes: dict[tuple[str, ...], str] = {}
    rows: list[CategoryRow] = []

    def add(path: tuple[str, ...], width: int) -> str:
        if path not in codes:
            parent = codes.get(path[:-1])
            siblings = sum(1 for p in codes if len(p) == len(path) and p[:-1] == path[:-1])
            code = f"{parent or 'H'}{siblings + 1:0{width}d}"
            codes[path] = code
            lim = limits.get(path[:2]) or limits.get((path[0], "")) or default
            rows.append(
                CategoryRow(
                    code=code, name=path[-1], tree=cast(str, Tree.HOTLINE), parent=parent, depth=len(path), **lim
                )
            )
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


@transaction.atomic
def load_categories(*, actor=None) -> dict[str, Any]:
    """Load the category trees (数字城管 部件/事件, 台账/社情, 12345) from the data files, by code.

    Returns `{created, updated, unchanged, trees: {tree: {branches, leaves}}}`.
    """
    rows = category_rows()
    created, touched = upsert_categories(rows, {r.parent for r in rows if r.parent})
    touched.update(refresh_tree())
    updated = len(touched)
    counts: dict[str, Any] = change_counts(created, updated, len(rows))
    counts["trees"] = {
        tree: {
            "branches": Category.objects.filter(tree=tree, is_leaf=False).count(),
            "leaves": Category.objects.filter(tree=tree, is_leaf=True).count(),
        }
        for tree in Tree.values
    }
    if created or updated:
        audit.record(actor=actor, action="routing.load_categories", object_type="category_tree", data=counts)
    return counts


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
    items: list[tuple[str, dict[str, Any]]] = []
    for i, row in enumerate(_read(UNITS), start=2):
        if not re.fullmatch(r"\d{3}", row["number"]) or row["kind"] not in PeopleUnitKind.values:
            raise RoutingDataError(f"{UNITS}:{i}: a 3-digit number and a kind of {PeopleUnitKind.values} are required")
        name = f"{prefix}{row['name']}" if row["kind"] == PeopleUnitKind.DEPARTMENT else row["name"]
        items.append((f"D{district}{row['number']}", {"name": name, "kind": row["kind"]}))
    new, changed = upsert(
        Unit,
        {u.code: u for u in Unit.objects.filter(district=district)},
        items,
        lambda code, values: Unit(code=code, district=district, **values),
    )
    counts = change_counts(len(new), len(changed), len(items))
    if new or changed:
        audit.record(actor=actor, action="routing.load_units", object_type="units", object_id=district, data=counts)
    return counts


@transaction.atomic
def load_dispatch_catalogue(*, district: str = "410102", actor=None) -> dict[str, int]:
    """Load the default dispatch catalogue (派单目录) for one district, by (category, grid level, district).

    Needs the categories loaded first. Rules the file does not name (local additions) are kept.
    """
    district = _district(district)
    categories = dict(Category.objects.values_list("code", "pk"))
    items: list[tuple[RuleKey, dict[str, str]]] = []
    for i, row in enumerate(_read(CATALOGUE), start=2):
        where = f"{CATALOGUE}:{i}"
        if row["category"] not in categories:
            raise RoutingDataError(f"{where}: unknown category {row['category']} (load the categories first)")
        if row["grid_level"] and row["grid_level"] not in "01234":
            raise RoutingDataError(f"{where}: grid level must be 0–4 or empty")
        key = (categories[row["category"]], int(row["grid_level"]) if row["grid_level"] else None, district)
        values = {
            "unit": unit_token(row["unit"], district, f"{where}: "),
            "assisting": ",".join(
                unit_token(t.strip(), district, f"{where}: ") for t in row["assisting"].split(";") if t.strip()
            ),
            "note": row["note"],
        }
        items.append((key, values))
    created, updated = upsert_rules(items, DispatchRule.objects.filter(district=district))
    counts = change_counts(created, updated, len(items))
    if created or updated:
        audit.record(
            actor=actor,
            action="routing.load_dispatch_catalogue",
            object_type="dispatch_catalogue",
            object_id=district,
            data=counts,
        )
    return counts


@transaction.atomic
def load_all(*, district: str = "410102", actor=None) -> dict[str, Any]:
    """Categories, the district's units and its dispatch catalogue, in that order, and the handling modes' rules
    that are missing (what `gridgov routing load` does)."""
    return {
        "categories": load_categories(actor=actor),
        "units": load_units(district=district, actor=actor),
        "catalogue": load_dispatch_catalogue(district=district, actor=actor),
        "modes": install_mode_rules(),
    }
