"""What the routing loaders and the admin imports share: the row of a category tree, the checks of its
limits and unit tokens, and the one upsert path by natural key (with the tree's depth and leaf refresh)."""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from django.db import transaction
from django.db.models import Model, QuerySet
from django.utils.translation import gettext

from gridgov.routing.models import UNIT_TOKEN, Category, Complexity, DispatchRule, UnitKind

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


def limit_values(row: dict[str, str]) -> dict[str, Any]:
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


def change_counts(created: int, updated: int, total: int) -> dict[str, int]:
    return {"created": created, "updated": updated, "unchanged": max(0, total - created - updated)}


def upsert(
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


def upsert_categories(rows: list[CategoryRow], branches: set[str]) -> tuple[int, set[str]]:
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
        new, changed = upsert(
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


def upsert_rules(items: list[tuple[RuleKey, dict[str, str]]], scope: QuerySet[DispatchRule]) -> tuple[int, int]:
    """Create or update dispatch rules by their natural key (`scope` holds every rule the items may name);
    a new rule gets blanks for the columns its item lacks. Returns (created, updated)."""
    existing: dict[RuleKey, DispatchRule] = {(r.category_id, r.grid_level, r.district): r for r in scope}
    new, changed = upsert(
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


def unit_token(value: str, district: str, where: str) -> str:
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
