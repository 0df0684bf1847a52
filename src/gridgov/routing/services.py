"""Writes of the routing app: the category trees (问题分类), units (处置单位) and the dispatch catalogue (派单目录).

Each loader reads the files shipped in `routing/data/` (see its README for provenance), upserts by natural
key in one transaction and writes one audit event when something changed: loading twice changes nothing.
Values the files carry are restored on a reload (they are the shipped defaults); a category's `active` flag,
a unit's phone and rows the files do not name are local configuration and are left alone.

`import_categories` and `import_dispatch_rules` take the same kind of rows from a file an administrator
uploads (admin import), with the same checks, reporting every wrong row before writing anything.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils.translation import gettext

from gridgov.core import audit
from gridgov.core.rows import RowError, RowErrors, choice, duplicates, labels, parse_bool, parse_int, row_number, text
from gridgov.grids.models import Grid
from gridgov.people.models import Unit
from gridgov.people.models import UnitKind as PeopleUnitKind
from gridgov.routing.models import UNIT_TOKEN, Category, Complexity, DispatchRule, Tree, UnitKind

DATA = Path(__file__).parent / "data"
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
DISTRICT_RE = re.compile(r"^\d{6}$")
M = TypeVar("M", bound=Model)
K = TypeVar("K", bound=Hashable)
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
    complexity: str = cast(str, Complexity.GENERAL)
    sign_hours: int = 2
    resolve_days: int = 5
    urgent: bool = False
    resolve_hours: int | None = None
    unit_kind: str = cast(str, UnitKind.DEPARTMENT)
    keywords: str = ""
    active: bool | None = None  # None: leave the class's flag alone (the shipped files never set it)


def _read(name: str) -> list[dict[str, str]]:
    with open(DATA / name, encoding="utf-8-sig", newline="") as f:
        return [{k: (v or "").strip() for k, v in row.items()} for row in csv.DictReader(f)]


def _limit_values(row: dict[str, str]) -> dict[str, Any]:
    """The limit columns of one row, checked: a bad file must fail loudly, not load zero-day deadlines."""
    try:
        values: dict[str, Any] = {
            "complexity": row["complexity"] or Complexity.GENERAL,
            "sign_hours": int(row["sign_hours"] or 2),
            "resolve_days": int(row["resolve_days"] or 5),
            "urgent": (row.get("urgent") or "0") in ("1", "true", "yes"),
            "resolve_hours": int(row["resolve_hours"]) if row.get("resolve_hours") else None,
            "unit_kind": row["unit_kind"] or UnitKind.DEPARTMENT,
        }
    except KeyError as exc:
        raise RoutingDataError(gettext("the column %(column)s is missing") % {"column": exc.args[0]}) from exc
    except ValueError as exc:
        raise RoutingDataError(gettext("hours and days must be whole numbers (%(error)s)") % {"error": exc}) from exc
    if values["complexity"] not in Complexity.values or values["unit_kind"] not in UnitKind.values:
        raise RoutingDataError(gettext("unknown complexity or unit kind"))
    if values["sign_hours"] < 1 or values["resolve_days"] < 1:
        raise RoutingDataError(gettext("limits must be positive"))
    if values["urgent"] != (values["resolve_hours"] is not None) or (values["resolve_hours"] or 1) < 1:
        raise RoutingDataError(gettext("an urgent class needs positive resolve_hours, and only it"))
    return values


def _limits(row: dict[str, str], where: str) -> dict[str, Any]:
    try:
        return _limit_values(row)
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


def _counts(created: int, updated: int, total: int) -> dict[str, int]:
    return {"created": created, "updated": updated, "unchanged": max(0, total - created - updated)}


def _upsert(
    model: type[M],
    existing: Mapping[K, M],
    items: Iterable[tuple[K, dict[str, Any]]],
    make: Callable[[K, dict[str, Any]], M],
) -> tuple[list[M], list[M]]:
    """Create or update rows by their natural key: the one write path of the loaders (data files) and the
    admin imports. `existing` maps keys to the rows already there; each item gives the values of the columns
    it has, and a changed row keeps the others; `make` builds a new row. One bulk insert, one bulk update
    (of the columns that changed); returns (created, changed)."""
    new: list[M] = []
    changed: list[M] = []
    fields: set[str] = set()
    for key, values in items:
        obj = existing.get(key)
        if obj is None:
            new.append(make(key, values))
            continue
        diff = [f for f, v in values.items() if getattr(obj, f) != v]
        if diff:
            for f in diff:
                setattr(obj, f, values[f])
            changed.append(obj)
            fields.update(diff)
    model.objects.bulk_create(new)
    if changed:
        model.objects.bulk_update(changed, sorted(fields))
    return new, changed


def _upsert_categories(rows: list[CategoryRow], branches: set[str]) -> tuple[int, set[str]]:
    """Create or update categories by code, parents before children; returns (created, codes changed).

    New classes in `branches` start as branches; `refresh_tree` settles depths and leaf flags afterwards.
    `active` is written only when a row says it.
    """
    existing = {c.code: c for c in Category.objects.all()}
    created, touched = 0, set[str]()

    def values_of(r: CategoryRow) -> dict[str, Any]:
        values = {
            "name": r.name,
            "tree": r.tree,
            "parent_id": existing[r.parent].pk if r.parent else None,
            "depth": r.depth,
            "keywords": r.keywords,
            **{f: getattr(r, f) for f in LIMIT_FIELDS},
        }
        if r.active is not None:
            values["active"] = r.active
        return values

    for depth in sorted({r.depth for r in rows}):
        new, changed = _upsert(
            Category,
            existing,
            [(r.code, values_of(r)) for r in rows if r.depth == depth],
            lambda code, values: Category(code=code, is_leaf=code not in branches, **values),
        )
        created += len(new)
        touched.update(c.code for c in changed)
        # Re-read the new rows: their primary keys are the next depth's parents on every backend.
        existing.update({c.code: c for c in Category.objects.filter(code__in=[n.code for n in new])})
    return created, touched


RuleKey = tuple[int, int | None, str]  # a dispatch rule's natural key: (category id, grid level, district)


def _upsert_rules(items: list[tuple[RuleKey, dict[str, str]]], scope: QuerySet[DispatchRule]) -> tuple[int, int]:
    """Create or update dispatch rules by their natural key (`scope` holds every rule the items may name);
    a new rule gets blanks for the columns its item lacks. Returns (created, updated)."""
    existing: dict[RuleKey, DispatchRule] = {(r.category_id, r.grid_level, r.district): r for r in scope}
    new, changed = _upsert(
        DispatchRule,
        existing,
        items,
        lambda key, values: DispatchRule(
            category_id=key[0],
            grid_level=key[1],
            district=key[2],
            **{"unit": "", "assisting": "", "note": "", **values},
        ),
    )
    return len(new), len(changed)


@transaction.atomic
def load_categories(*, actor=None) -> dict[str, Any]:
    """Load the category trees (数字城管 部件/事件, 台账/社情, 12345) from the data files, by code.

    Returns `{created, updated, unchanged, trees: {tree: {branches, leaves}}}`.
    """
    rows = category_rows()
    created, touched = _upsert_categories(rows, {r.parent for r in rows if r.parent})
    touched.update(refresh_tree())
    updated = len(touched)
    counts: dict[str, Any] = _counts(created, updated, len(rows))
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
    items: list[tuple[str, dict[str, Any]]] = []
    for i, row in enumerate(_read(UNITS), start=2):
        if not re.fullmatch(r"\d{3}", row["number"]) or row["kind"] not in PeopleUnitKind.values:
            raise RoutingDataError(f"{UNITS}:{i}: a 3-digit number and a kind of {PeopleUnitKind.values} are required")
        name = f"{prefix}{row['name']}" if row["kind"] == PeopleUnitKind.DEPARTMENT else row["name"]
        items.append((f"D{district}{row['number']}", {"name": name, "kind": row["kind"]}))
    new, changed = _upsert(
        Unit,
        {u.code: u for u in Unit.objects.filter(district=district)},
        items,
        lambda code, values: Unit(code=code, district=district, **values),
    )
    counts = _counts(len(new), len(changed), len(items))
    if new or changed:
        audit.record(actor=actor, action="routing.load_units", object_type="units", object_id=district, data=counts)
    return counts


def _token(value: str, district: str, where: str) -> str:
    """A unit in a file: a 3-digit unit number becomes the district's unit code; unit codes, grid codes,
    @N and blank stay as they are."""
    if re.fullmatch(r"\d{3}", value):
        if not district:
            raise RoutingDataError(
                gettext("%(where)sunit number %(unit)s needs a district code") % {"where": where, "unit": value}
            )
        return f"D{district}{value}"
    if value == "" or re.fullmatch(UNIT_TOKEN, value):
        return value
    raise RoutingDataError(
        gettext("%(where)sunit %(unit)s is neither a unit code, a grid code, a 3-digit unit number nor @0…@4")
        % {"where": where, "unit": value}
    )


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
            "unit": _token(row["unit"], district, f"{where}: "),
            "assisting": ",".join(
                _token(t.strip(), district, f"{where}: ") for t in row["assisting"].split(";") if t.strip()
            ),
            "note": row["note"],
        }
        items.append((key, values))
    created, updated = _upsert_rules(items, DispatchRule.objects.filter(district=district))
    counts = _counts(created, updated, len(items))
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
    """Categories, the district's units and its dispatch catalogue, in that order (what `gridgov routing load` does)."""
    return {
        "categories": load_categories(actor=actor),
        "units": load_units(district=district, actor=actor),
        "catalogue": load_dispatch_catalogue(district=district, actor=actor),
    }


# ---- imports from the admin (分类与派单目录导入) -------------------------------------------------------
# Unlike the loaders, an import always writes its audit event: who brought in which file is worth keeping
# even when the file changed nothing.


def _limit_text(obj: Category | None) -> dict[str, str]:
    """A class's limits as the loader's text columns (the defaults for a new class)."""
    if obj is None:
        return {
            "complexity": "",
            "sign_hours": "",
            "resolve_days": "",
            "urgent": "0",
            "resolve_hours": "",
            "unit_kind": "",
        }
    return {
        "complexity": obj.complexity,
        "sign_hours": str(obj.sign_hours),
        "resolve_days": str(obj.resolve_days),
        "urgent": "1" if obj.urgent else "0",
        "resolve_hours": "" if obj.resolve_hours is None else str(obj.resolve_hours),
        "unit_kind": obj.unit_kind,
    }


def _category_row(row: Mapping[str, Any], obj: Category | None, fail) -> CategoryRow | None:
    """One import row as the loader's CategoryRow (depth 0 until the tree is known); None when it is wrong.

    Columns the file lacks keep the class's values; blank limit cells take the loader's defaults.
    """
    code = text(row.get("code"))
    name = text(row.get("name")) or (obj.name if obj else "")
    raw_tree = text(row.get("tree"))
    tree = choice(raw_tree, Tree) or (obj.tree if obj and not raw_tree else "")
    if not code:
        fail(gettext("code is missing"))
    elif len(code) > 24:
        fail(gettext("code %(code)s is longer than 24 characters") % {"code": code})
    if not name:
        fail(gettext("name is missing"))
    if not tree:
        fail(
            gettext("unknown tree %(tree)s: use one of %(trees)s") % {"tree": raw_tree or "—", "trees": labels(Tree)}
            if raw_tree
            else gettext("tree is missing")
        )
    parent = text(row["parent"]) if "parent" in row else (obj.parent.code if obj and obj.parent_id else "")
    limits = _limit_text(obj)
    for column in LIMIT_FIELDS:
        if column in row:
            limits[column] = text(row[column])
    for column, choices in (("complexity", Complexity), ("unit_kind", UnitKind)):
        if limits[column]:
            limits[column] = choice(limits[column], choices) or limits[column]
    urgent = parse_bool(limits["urgent"]) if limits["urgent"] else False
    if urgent is None:
        fail(gettext("urgent must be 是/yes or 否/no, not %(value)s") % {"value": limits["urgent"]})
    limits["urgent"] = "1" if urgent else "0"
    try:
        values = _limit_values(limits)
    except RoutingDataError as exc:
        fail(str(exc))
        return None
    active = parse_bool(row["active"]) if text(row.get("active")) else None
    if text(row.get("active")) and active is None:
        fail(gettext("active must be 是/yes or 否/no, not %(value)s") % {"value": text(row["active"])})
    keywords = text(row["keywords"]) if "keywords" in row else (obj.keywords if obj else "")
    if len(keywords) > 300:
        fail(gettext("keywords are longer than 300 characters"))
    if not (code and name and tree):
        return None
    return CategoryRow(
        code=code,
        name=name[:100],
        tree=tree,
        parent=parent or None,
        depth=0,
        keywords=keywords,
        active=active,
        **values,
    )


@transaction.atomic
def import_categories(*, rows: Sequence[Mapping[str, Any]], actor=None, source: str = "") -> dict[str, int]:
    """Create or update classes of the category trees from rows (问题分类导入), by code, all or nothing.

    Columns as the data files, plus tree and active: code, name, tree, parent, complexity, sign_hours,
    resolve_days, urgent, resolve_hours, unit_kind, keywords, active (choices by value or label). Depth and
    leaf are not read: they follow from the parents. Returns `{created, updated, unchanged}`.
    """
    existing = {c.code: c for c in Category.objects.select_related("parent")}
    errors: list[RowError] = []
    parsed: list[tuple[int, CategoryRow]] = []
    numbers = [row_number(r, i) for i, r in enumerate(rows)]
    for number, row in zip(numbers, rows, strict=True):
        problems: list[str] = []
        item = _category_row(row, existing.get(text(row.get("code"))), problems.append)
        errors.extend(RowError(number, text(row.get("code")), p) for p in problems)
        if item is not None and not problems:
            parsed.append((number, item))
    for number, first in duplicates([(n, text(r.get("code"))) for n, r in zip(numbers, rows, strict=True)]).items():
        message = gettext("code appears twice (rows %(first)d and %(row)d)") % {"first": first, "row": number}
        errors.append(RowError(number, text(rows[numbers.index(number)].get("code")), message))
    # The tree after the import: the database's links with the file's on top.
    parent_of = {code: (c.parent.code if c.parent_id else None) for code, c in existing.items()}
    tree_of = {code: c.tree for code, c in existing.items()}
    for _, r in parsed:
        parent_of[r.code], tree_of[r.code] = r.parent, r.tree
    depth: dict[str, int] = {}
    for number, r in parsed:
        if r.parent and r.parent not in parent_of:
            errors.append(
                RowError(
                    number,
                    r.code,
                    gettext("parent %(parent)s is neither in this file nor in the database") % {"parent": r.parent},
                )
            )
            continue
        if r.parent and tree_of[r.parent] != r.tree:
            errors.append(
                RowError(
                    number,
                    r.code,
                    gettext("parent %(parent)s belongs to another tree (%(tree)s)")
                    % {"parent": r.parent, "tree": Tree(tree_of[r.parent]).label},
                )
            )
        chain, node = [r.code], r.parent
        while node is not None and node not in chain:
            chain.append(node)
            node = parent_of.get(node)
        if node is not None:
            errors.append(
                RowError(
                    number,
                    r.code,
                    gettext("parent %(parent)s makes a circle: %(chain)s")
                    % {"parent": r.parent, "chain": " → ".join([*chain, node])},
                )
            )
            continue
        depth[r.code] = len(chain)
    children: dict[str, list[str]] = {}
    for code, parent in parent_of.items():
        if parent:
            children.setdefault(parent, []).append(code)
    for number, r in parsed:  # a class moved to another tree takes its subtree along, or is refused
        strays = sorted(c for c in children.get(r.code, []) if tree_of[c] != r.tree)
        if strays:
            errors.append(
                RowError(
                    number,
                    r.code,
                    gettext("classes under %(code)s stay in another tree: %(codes)s; move them in the same file")
                    % {"code": r.code, "codes": ", ".join(strays[:10])},
                )
            )
    if errors:
        raise RowErrors(sorted(errors, key=lambda e: e.row))
    items = [CategoryRow(**{**asdict(r), "depth": depth[r.code]}) for _, r in parsed]
    created, touched = _upsert_categories(items, {p for p in parent_of.values() if p})
    touched.update(refresh_tree())
    updated = len(touched & {r.code for r in items})
    result = _counts(created, updated, len(items))
    audit.record(
        actor=actor, action="routing.import_categories", object_type="category_tree", data={"source": source, **result}
    )
    return result


def _rule_values(
    row: Mapping[str, Any], categories: dict[str, int], fail
) -> tuple[tuple[int, int | None, str], dict[str, str]] | None:
    """One catalogue row → its natural key (category, grid level, district) and the values it gives (those of
    the columns it has); None when it is wrong. Whether its unit and grid codes exist is checked afterwards."""
    code = text(row.get("category"))
    if not code:
        fail(gettext("category is missing"))
    elif code not in categories:
        fail(gettext("unknown category %(code)s") % {"code": code})
    raw_level = text(row.get("grid_level"))
    level = parse_int(raw_level) if raw_level else None
    if raw_level and (level is None or not 0 <= level <= 4):
        fail(gettext("grid level must be 0–4 or empty, not %(level)s") % {"level": raw_level})
    district = text(row.get("district"))
    if district and not DISTRICT_RE.match(district):
        fail(gettext("district must be a 6-digit code, not %(district)s") % {"district": district})
    try:
        unit = _token(text(row.get("unit")), district, "")
        assisting = [_token(t, district, "") for t in re.split(r"[,;，；、\s]+", text(row.get("assisting"))) if t]
    except RoutingDataError as exc:
        fail(str(exc))
        return None
    values = {"unit": unit, "assisting": ",".join(assisting), "note": text(row.get("note"))}
    for column, limit in (("assisting", 200), ("note", 200)):
        if len(values[column]) > limit:
            fail(gettext("%(column)s is longer than %(limit)d characters") % {"column": column, "limit": limit})
    if code not in categories or (raw_level and level is None):
        return None
    return (categories[code], level, district), {column: v for column, v in values.items() if column in row}


def missing_units(tokens: set[str]) -> set[str]:
    """The unit and grid codes among `tokens` that do not exist (@N and blanks always do)."""
    units = {t for t in tokens if t.startswith("D")}
    grids = {t for t in tokens if t[:1].isdigit()}
    return (units - set(Unit.objects.filter(code__in=units).values_list("code", flat=True))) | (
        grids - set(Grid.objects.filter(code__in=grids).values_list("code", flat=True))
    )


@transaction.atomic
def import_dispatch_rules(*, rows: Sequence[Mapping[str, Any]], actor=None, source: str = "") -> dict[str, int]:
    """Create or update rows of the dispatch catalogue (派单目录导入) by (category, grid level, district).

    Columns: category (code), grid_level (blank: any), district (blank: every district), unit, assisting
    (separated by commas or semicolons), note. A unit is a unit code, a grid code, @0…@4, blank for the grid
    itself, or — as in the shipped file — a 3-digit unit number of the row's district. Unit and grid codes must
    exist. Columns the file lacks keep their values, and rules it does not name are kept.
    Returns `{created, updated, unchanged}`.
    """
    categories = dict(Category.objects.values_list("code", "pk"))
    errors: list[RowError] = []
    keyed: list[tuple[int, tuple[int, int | None, str], dict[str, str]]] = []
    for index, row in enumerate(rows):
        number = row_number(row, index)
        problems: list[str] = []
        parsed = _rule_values(row, categories, problems.append)
        errors.extend(RowError(number, text(row.get("category")), p) for p in problems)
        if parsed is not None and not problems:
            keyed.append((number, *parsed))
    categories_of = {row_number(r, i): text(r.get("category")) for i, r in enumerate(rows)}
    missing = missing_units(
        {t for _, _, values in keyed for t in [values.get("unit", ""), *values.get("assisting", "").split(",")] if t}
    )
    for number, _, values in keyed:
        code = categories_of[number]
        for token in [values.get("unit", ""), *values.get("assisting", "").split(",")]:
            if token in missing:
                message = (
                    gettext("unknown unit %(unit)s") % {"unit": token}
                    if token.startswith("D")
                    else gettext("unknown grid %(grid)s") % {"grid": token}
                )
                errors.append(RowError(number, code, message))
    for number, first in duplicates([(n, key) for n, key, _ in keyed]).items():
        message = gettext("the same category, grid level and district as row %(first)d") % {"first": first}
        errors.append(RowError(number, categories_of[number], message))
    if errors:
        raise RowErrors(sorted(errors, key=lambda e: e.row))
    created, updated = _upsert_rules(
        [(key, values) for _, key, values in keyed],
        DispatchRule.objects.filter(category_id__in={key[0] for _, key, _ in keyed}),
    )
    result = _counts(created, updated, len(keyed))
    audit.record(
        actor=actor,
        action="routing.import_dispatch_catalogue",
        object_type="dispatch_catalogue",
        data={"source": source, **result},
    )
    return result
