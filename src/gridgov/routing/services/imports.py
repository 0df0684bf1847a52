"""Imports of the category trees and the dispatch catalogue from the admin (分类与派单目录导入): the same
checks as the loaders, every wrong row reported before anything is written."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import asdict
from typing import Any

from django.db import transaction
from django.utils.translation import gettext

from gridgov.core import audit
from gridgov.core.rows import RowError, RowErrors, choice, duplicates, labels, parse_bool, parse_int, row_number, text
from gridgov.grids.models import Grid
from gridgov.people.models import Unit
from gridgov.routing.models import Category, Complexity, DispatchRule, Tree, UnitKind
from gridgov.routing.services.upserts import (
    DISTRICT_RE,
    LIMIT_FIELDS,
    CategoryRow,
    RoutingDataError,
    change_counts,
    limit_values,
    refresh_tree,
    unit_token,
    upsert_categories,
    upsert_rules,
)

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
        values = limit_values(limits)
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
    created, touched = upsert_categories(items, {p for p in parent_of.values() if p})
    touched.update(refresh_tree())
    updated = len(touched & {r.code for r in items})
    result = change_counts(created, updated, len(items))
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
        unit = unit_token(text(row.get("unit")), district, "")
        assisting = [unit_token(t, district, "") for t in re.split(r"[,;，；、\s]+", text(row.get("assisting"))) if t]
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
    created, updated = upsert_rules(
        [(key, values) for _, key, values in keyed],
        DispatchRule.objects.filter(category_id__in={key[0] for _, key, _ in keyed}),
    )
    result = change_counts(created, updated, len(keyed))
    audit.record(
        actor=actor,
        action="routing.import_dispatch_catalogue",
        object_type="dispatch_catalogue",
        data={"source": source, **result},
    )
    return result
