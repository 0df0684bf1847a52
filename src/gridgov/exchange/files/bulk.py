"""工单批量导入: `gridgov cases import --bulk`, the import of importing.py for files of a million orders.

The same rows, checks, duplicates, placement, classification, cases and work orders as `import_orders`
(and the same report), taken a chunk at a time so that memory stays bounded and each step runs once per
chunk rather than once per order: the chunk's points are located together (Locator.locate_many, after
one vectorised conversion of its GCJ-02 points), its work-order numbers looked up in a few queries, its
cases written by cases.services.bulk (one COPY or executemany per table, the day's counter moved once,
follow-up work in one outbox row per task), its WorkOrder rows in one more.

All rows or none, as import_orders: every chunk is written inside one transaction, and a row error in
any chunk (every one is listed, with its row number) rolls back everything already written — no
partial chunk and no partial file. Orders without coordinates, or outside every grid, are placed by
their address text one by one (orders.place_order), as import_orders places them.
"""

from __future__ import annotations

from collections import Counter
from itertools import islice
from pathlib import Path

import numpy as np
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.cases import permissions
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.services.bulk import BulkReport, Lookups, insert_cases, prepare_cases
from gridgov.core.audit import record
from gridgov.core.bulk import Rows, Statistics, Writer, checked_as_written
from gridgov.core.errors import GridgovError
from gridgov.core.geo import to_wgs84
from gridgov.exchange.files.columns import HEADERS, PRESETS, FileError, FileRefused, iter_rows, parse_row
from gridgov.exchange.files.importing import (
    SUMMARY_ONLY,
    Progress,
    empty_report,
    existing_numbers,
    export_fingerprint,
    own_cases,
)
from gridgov.exchange.models import WorkOrder
from gridgov.exchange.orders import OrderFields, Placement, category_for, name_index, order_data, place_order
from gridgov.grids.locator import OUTSIDE, current_locator
from gridgov.people.actors import Actor
from gridgov.routing.models import Category

CHUNK = 10_000  # orders per chunk: one locate, a few queries and one insert per table each


class _Refused(Exception):
    """Leaves the transaction (rolled back) when some row was refused."""


def _chunks(rows, size: int):
    it = iter(rows)
    while chunk := list(islice(it, size)):
        yield chunk


def _place(parsed: list[tuple[int, OrderFields]], index, locator, points: dict) -> list[Placement | FileError]:
    """Each order's placement: its coordinates located together; the rest (no point, or outside every
    grid) by orders.place_order, one by one (`points`: the grids' representative points, kept for the
    import); a bad coordinate a row error."""
    out: list[Placement | FileError | None] = [None] * len(parsed)
    with_point = [i for i, (_, f) in enumerate(parsed) if f.lon is not None and f.lat is not None]
    coords = np.array([[parsed[i][1].lon, parsed[i][1].lat] for i in with_point], dtype=float).reshape(-1, 2)
    crs_of = [parsed[i][1].crs for i in with_point]
    for crs in set(crs_of) - {"wgs84"}:  # parse_row knows only wgs84 and gcj02
        mine = [k for k, c in enumerate(crs_of) if c == crs]
        coords[mine] = to_wgs84(coords[mine], crs)
    leaves = locator.locate_many(coords).tolist() if len(with_point) else []
    codes = locator.leaf_codes
    # as Python numbers: numpy's element access costs more than the rest of the loop
    for i, leaf, (x, y) in zip(with_point, leaves, coords.tolist(), strict=True):
        if leaf != OUTSIDE:
            f = parsed[i][1]
            out[i] = Placement(codes[leaf], x, y, "coordinates", f"{f.lon},{f.lat}")
    for i, slot in enumerate(out):
        if slot is None:
            number, fields = parsed[i]
            try:
                out[i] = place_order(fields, index=index, points=points)
            except GridgovError as exc:
                out[i] = FileError(number, HEADERS["lon"][0], exc.message)
    return out  # type: ignore[return-value]  # every slot is filled above


def import_orders_bulk(
    *,
    actor: Actor,
    path: Path | str,
    system: str = "12345",
    preset: str = "",
    dry_run: bool = False,
    skip_unplaced: bool = False,
    chunk: int = CHUNK,
    progress: Progress | None = None,
) -> dict:
    """import_orders (importing.py) in chunks; the same report, with `bulk: true`."""
    path = Path(path)
    tick = progress or (lambda stage, done, total: None)
    if preset and preset not in PRESETS:
        return empty_report(errors=[FileError(0, "", gettext("unknown format %(name)s") % {"name": preset})])
    if not permissions.may_report_through(actor, "import"):
        return empty_report(
            errors=[FileError(0, "", gettext("importing work orders needs an administrator or dispatcher"))]
        )
    rows = iter_rows(path, preset)
    try:
        first = next(rows, None)
    except FileRefused as exc:
        return empty_report(errors=exc.errors)
    except OSError as exc:
        return empty_report(errors=[FileError(0, "", gettext("cannot read the file: %(error)s") % {"error": exc})])
    if first is None:
        return empty_report(errors=[FileError(0, "", gettext("the file has no rows below its header"))])

    report = empty_report() | {"bulk": True}
    state = _State(actor=actor, system=system, skip_unplaced=skip_unplaced, report=report)
    try:
        with transaction.atomic():
            with checked_as_written(Case, CaseEvent, WorkOrder), Writer() as writer:
                for part in _chunks(_chained(first, rows), chunk):
                    state.take(part, writer=None if dry_run else writer)
                    tick("write", report["rows"], report["rows"])
            if state.errors or dry_run:
                raise _Refused
            record(
                actor=actor.user,
                action="cases.import",
                object_type="file",
                object_id=path.name,
                data={k: v for k, v in report.items() if k not in SUMMARY_ONLY} | {"system": system},
            )
    except _Refused:
        if dry_run and not state.errors:
            return {**report, "created": state.placed, "unplaced_reasons": state.reasons(), "dry_run": True}
        return {**report, "created": 0, "errors": [e.as_dict() for e in state.errors]}
    report["unplaced_reasons"] = state.reasons()
    return report


def _chained(first, rows):
    yield first
    yield from rows


class _State:
    """What the chunks of one import share: duplicates seen, looked-up rows, counts, errors."""

    def __init__(self, *, actor: Actor, system: str, skip_unplaced: bool, report: dict):
        self.actor, self.system, self.skip_unplaced, self.report = actor, system, skip_unplaced, report
        self.errors: list[FileError] = []
        self.seen: set[str] = set()
        self.unplaced: Counter[str] = Counter()
        self.placed = 0
        self.leaves = {c.code: c for c in Category.objects.filter(is_leaf=True, active=True)}
        self.index = name_index()
        self.locator = current_locator()
        self.points: dict[str, tuple[float, float] | None] = {}  # grid → representative point (place_order)
        self.lookups = Lookups.empty()
        # each chunk's duplicate check reads the work orders, the events' unique-key trigger the events, and
        # the foreign keys checked at COMMIT the cases
        self.statistics = Statistics(
            {WorkOrder: ("system", "number"), CaseEvent: ("case", "seq"), Case: ("id",)}, first=CHUNK
        )

    def reasons(self) -> dict:
        return dict(self.unplaced.most_common())

    def take(self, rows: list[dict], *, writer: Writer | None) -> None:
        """One chunk checked, and written through `writer` (each chunk written as the next is built; None: a
        dry run writes nothing)."""
        report = self.report
        report["rows"] += len(rows)
        parsed: list[tuple[int, OrderFields]] = []
        zone = timezone.get_current_timezone()
        for row in rows:
            fields, row_errors = parse_row(row, zone=zone)
            self.errors += row_errors
            if fields is not None:
                parsed.append((row["row"], fields))
        known = existing_numbers(WorkOrder.objects.filter(system=self.system), [f.number for _, f in parsed])
        row_case = {r["row"]: str(r.get("case") or "").strip() for r in rows}
        ours = own_cases(list(set(row_case.values()) - {""}))
        fresh = []
        for number, fields in parsed:
            if (
                fields.number in known
                or fields.number in self.seen
                or (ours and export_fingerprint(row_case[number], fields) in ours)
            ):
                report["duplicates"] += 1
                continue
            self.seen.add(fields.number)
            fresh.append((number, fields))
        todo: list[tuple[int, OrderFields, Placement, str | None]] = []
        placements = _place(fresh, self.index, self.locator, self.points)
        for (number, fields), placement in zip(fresh, placements, strict=True):
            if isinstance(placement, FileError):
                self.errors.append(placement)
                continue
            if placement.grid is None:
                if self.skip_unplaced:
                    report["unplaced"] += 1
                    report["unplaced_rows"].append(number)
                    self.unplaced[placement.matched] += 1
                else:
                    message = gettext("cannot place: %(why)s") % {"why": placement.matched}
                    self.errors.append(FileError(number, HEADERS["address"][0], message))
                continue
            report["placed_by_" + placement.how] += 1
            category = category_for(fields, self.leaves)
            report["uncategorised"] += category is None
            todo.append((number, fields, placement, category))
        self.placed += len(todo)
        if self.errors or writer is None or not todo:
            return
        self._write(todo, writer)

    def _write(self, todo: list[tuple[int, OrderFields, Placement, str | None]], writer: Writer) -> None:
        # A point placed by address is filed at its grid's representative point: the leaf it lies in is
        # the case's grid (intake locates every report's point), found here for the chunk at once.
        by_address = [k for k, (_, _, p, _) in enumerate(todo) if p.how != "coordinates"]
        leaf = {k: p.grid for k, (_, _, p, _) in enumerate(todo)}
        if by_address:
            points = np.array([[todo[k][2].lon, todo[k][2].lat] for k in by_address], dtype=float)
            for k, code in zip(by_address, self.locator.locate_codes(points), strict=True):
                leaf[k] = code
        reports, rows = [], []
        for k, (number, fields, placement, category) in enumerate(todo):
            if leaf[k] is None:
                self.errors.append(FileError(number, HEADERS["lon"][0], gettext("cannot place: %(why)s") % {"why": ""}))
                continue
            rows.append(number)
            reports.append(
                BulkReport(
                    title=fields.title,
                    description=fields.text,
                    lon=placement.lon,  # type: ignore[arg-type]  # placed: never None
                    lat=placement.lat,  # type: ignore[arg-type]
                    grid=leaf[k],  # type: ignore[arg-type]
                    category=category,
                    address=fields.address,
                    reporter_name=fields.caller_name,
                    reporter_phone=fields.caller_phone,
                    at=fields.received_at,
                )
            )
        cases, problems = prepare_cases(actor=self.actor, channel="import", reports=reports, lookups=self.lookups)
        for i, message in sorted(problems.items()):
            self.errors.append(FileError(rows[i], "", message))
        if self.errors:
            return
        case_ids = insert_cases(actor=self.actor, channel="import", drafts=cases, writer=writer)
        orders = Rows(
            WorkOrder,
            fixed={"system": self.system, "source": "import"},
            varying=("number", "case_id", "data"),
            with_pk=False,  # numbered by the database
        )
        for case_id, (_, fields, placement, _) in zip(case_ids, todo, strict=True):
            data = order_data(fields)
            data["placed_by"] = placement.how
            orders.add({"number": fields.number, "case_id": case_id, "data": data})
        writer.write(orders)
        self.report["created"] += len(case_ids)
        self.statistics.wrote(len(case_ids))
