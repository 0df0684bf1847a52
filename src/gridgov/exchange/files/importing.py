"""工单导入: historic or 12345 work orders from a CSV or Excel file, all rows or none.

Every row is read, checked and placed before anything is written: any row error (a bad date, a missing
title, a wrong coordinate …) refuses the whole file and writes nothing, with every error listed (row,
column, message). A work-order number already known for the system (or already seen higher up in the
file), or a row of this installation's own export (its 案件编号, title and time are a case here), is a
duplicate: counted, not written again, not an error.

An order that cannot be placed in a grid is a row error too, unless `skip_unplaced`: then it is counted
as unplaced (with the reason) and left out, and the placed rows are imported. The writes run in one
transaction: a failure half-way rolls all of them back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from pathlib import Path

from django.db import connection, transaction
from django.db.models.expressions import RawSQL
from django.utils.translation import gettext

from gridgov.cases import permissions
from gridgov.cases.models import Case
from gridgov.core.audit import record
from gridgov.core.errors import GridgovError
from gridgov.core.privacy import mask_phones
from gridgov.exchange.files.columns import HEADERS, PRESETS, FileError, FileRefused, parse_row, read_rows
from gridgov.exchange.models import WorkOrder
from gridgov.exchange.orders import OrderFields, Placement, category_for, file_order, name_index, place_order
from gridgov.people.actors import Actor
from gridgov.routing.models import Category

SUMMARY_ONLY = ("errors", "unplaced_reasons", "unplaced_rows")  # left out of the audit entry
Progress = Callable[[str, int, int], None]  # (stage "check" or "write", rows done, rows in all)


class _Stop(Exception):
    """A row refused while writing: leaves the transaction (rolled back) with its error."""

    def __init__(self, error: FileError):
        self.error = error


def empty_report(rows: int = 0, errors: list[FileError] | None = None) -> dict:
    return {
        "rows": rows,
        "created": 0,
        "duplicates": 0,
        "placed_by_coordinates": 0,
        "placed_by_address": 0,
        "unplaced": 0,
        "uncategorised": 0,
        "errors": [e.as_dict() for e in errors or []],
        "unplaced_reasons": {},
        "unplaced_rows": [],
    }


def import_orders(
    *,
    actor: Actor,
    path: Path | str,
    system: str = "12345",
    preset: str = "",
    dry_run: bool = False,
    skip_unplaced: bool = False,
    progress: Progress | None = None,
) -> dict:
    """Import a work-order file; the report counts rows, created, duplicates, placed (by coordinates, by
    address), unplaced (with their reasons and row numbers), uncategorised, and lists the row errors
    (non-empty: nothing was written)."""
    path = Path(path)
    tick = progress or (lambda stage, done, total: None)
    if preset and preset not in PRESETS:
        return empty_report(errors=[FileError(0, "", gettext("unknown format %(name)s") % {"name": preset})])
    if not permissions.may_report_through(actor, "import"):
        return empty_report(
            errors=[FileError(0, "", gettext("importing work orders needs an administrator or dispatcher"))]
        )
    try:
        rows = read_rows(path, preset)
    except FileRefused as exc:
        return empty_report(errors=exc.errors)
    except OSError as exc:
        return empty_report(errors=[FileError(0, "", gettext("cannot read the file: %(error)s") % {"error": exc})])

    report = empty_report(len(rows))
    errors: list[FileError] = []
    parsed: list[tuple[int, OrderFields]] = []
    for i, row in enumerate(rows):
        fields, row_errors = parse_row(row)
        errors += row_errors
        if fields is not None:
            parsed.append((row["row"], fields))
        tick("check", i + 1, len(rows))

    # duplicates: numbers known for the system, an export's case numbers, repeats within the file
    numbers = [f.number for _, f in parsed]
    known = existing_numbers(WorkOrder.objects.filter(system=system), numbers)
    row_case = {r["row"]: str(r.get("case") or "").strip() for r in rows}
    ours = own_cases(list(set(row_case.values()) - {""}))
    seen: set[str] = set()
    todo: list[tuple[int, OrderFields, Placement, str | None]] = []
    leaves = {c.code: c for c in Category.objects.filter(is_leaf=True, active=True)}
    index = name_index()
    reasons: Counter[str] = Counter()
    for number, fields in parsed:
        if fields.number in known or fields.number in seen or export_fingerprint(row_case[number], fields) in ours:
            report["duplicates"] += 1
            continue
        seen.add(fields.number)
        try:
            placement = place_order(fields, index=index)
        except GridgovError as exc:
            errors.append(FileError(number, HEADERS["lon"][0], exc.message))
            continue
        if placement.grid is None:
            if skip_unplaced:
                report["unplaced"] += 1
                report["unplaced_rows"].append(number)
                reasons[placement.matched] += 1
            else:
                errors.append(
                    FileError(
                        number, HEADERS["address"][0], gettext("cannot place: %(why)s") % {"why": placement.matched}
                    )
                )
            continue
        report["placed_by_" + placement.how] += 1
        category = category_for(fields, leaves)
        report["uncategorised"] += category is None
        todo.append((number, fields, placement, category))
    report["unplaced_reasons"] = dict(reasons.most_common())
    if errors:
        return {**report, "created": 0, "errors": [e.as_dict() for e in errors]}
    if dry_run:
        return {**report, "created": len(todo), "dry_run": True}

    try:
        with transaction.atomic():
            for i, (number, fields, placement, category) in enumerate(todo):
                try:
                    file_order(
                        actor=actor,
                        system=system,
                        source="import",
                        fields=fields,
                        placement=placement,
                        category=category,
                    )
                except GridgovError as exc:
                    raise _Stop(FileError(number, "", exc.message)) from exc
                tick("write", i + 1, len(todo))
            report["created"] = len(todo)
            record(
                actor=actor.user,
                action="cases.import",
                object_type="file",
                object_id=path.name,
                data={k: v for k, v in report.items() if k not in SUMMARY_ONLY} | {"system": system},
            )
    except _Stop as stop:
        return {**report, "created": 0, "errors": [stop.error.as_dict()]}
    return report


def export_fingerprint(number: str, fields: OrderFields) -> tuple:
    moment = fields.received_at.replace(microsecond=0) if fields.received_at else None
    return number, fields.title, moment


def own_cases(numbers: list[str]) -> set[tuple]:
    """The cases of this installation that an export's rows (案件编号) are: the same number, title and time
    (case numbers are per installation: another one's file may carry the same number for another case)."""
    found: set[tuple] = set()
    for start in range(0, len(numbers), 900):
        for number, title, at in Case.objects.filter(number__in=numbers[start : start + 900]).values_list(
            "number", "title", "reported_at"
        ):
            found.add((number, mask_phones(title), at.replace(microsecond=0)))
    return found


def existing_numbers(qs, numbers: list[str]) -> set[str]:
    """The numbers that rows of `qs` carry already."""
    qs = qs.order_by()
    if connection.vendor == "postgresql":
        # one statement, the numbers one array parameter: a bulk import's 10,000 placeholders cost more
        # to build and send than the lookup itself (about 4x the time per chunk)
        return set(
            qs.filter(number__in=RawSQL("SELECT unnest(%s::text[])", [numbers])).values_list("number", flat=True)
        )
    known: set[str] = set()
    for start in range(0, len(numbers), 900):  # SQLite's limit on parameters per statement
        chunk = numbers[start : start + 900]
        known |= set(qs.filter(number__in=chunk).values_list("number", flat=True))
    return known
