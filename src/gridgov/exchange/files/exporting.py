"""工单导出: cases as work orders, in the import's columns plus their results and replies.

The shape is the import's (a file exported here imports again, and then every row is a duplicate), with
状态, 办结时间, 处理结果, 答复内容 and 满意度 after it. Personal data goes out masked: the caller's name
(张*) and phone (138****5678), phone numbers inside the free text too. Every export is audited.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import openpyxl
from django.db.models import Q, QuerySet
from django.utils.translation import gettext
from openpyxl.cell import WriteOnlyCell

from gridgov.cases.models import Case, Satisfaction, Status
from gridgov.cases.selectors import local_day_range, visible_cases
from gridgov.core.audit import record
from gridgov.core.errors import BadInput
from gridgov.core.privacy import mask_name, mask_phone, mask_phones
from gridgov.core.rows import sheet_value
from gridgov.core.timefmt import local_second
from gridgov.exchange.files.columns import HEADERS
from gridgov.exchange.models import WorkOrder
from gridgov.people.actors import Actor

ORDER_COLUMNS = (
    "number",
    "case",
    "received_at",
    "source_channel",
    "caller_name",
    "caller_phone",
    "address",
    "district",
    "lon",
    "lat",
    "crs",
    "title",
    "text",
    "category_code",
    "deadline",
)
RESULT_HEADERS = ("状态", "办结时间", "处理结果", "答复内容", "满意度", "网格编码", "网格")
BATCH = 1000


def cases_to_export(
    actor: Actor, *, since: date | None = None, until: date | None = None, region: str | None = None
) -> QuerySet[Case]:
    """The cases the actor may read (all of them for the system and administrators), reported from `since`
    to `until` (local days, both included), in the grid subtree `region`."""
    qs = Case.objects.all() if actor.is_system or actor.is_admin else visible_cases(actor)
    qs = qs.filter(local_day_range(since, until))
    if region:
        qs = qs.filter(Q(grid__code__startswith=region))
    return qs.select_related("grid", "category").order_by("reported_at", "id")


def _row(case: Case, order: WorkOrder | None) -> list:
    data = order.data if order is not None else {}
    finished = case.closed_at or case.resolved_at
    values = {
        "number": order.number if order is not None else case.number,
        "case": case.number,
        "received_at": local_second(case.reported_at),
        "source_channel": case.channel,
        "caller_name": mask_name(case.reporter_name),
        "caller_phone": mask_phone(case.reporter_phone) if case.reporter_phone else "",
        "address": mask_phones(case.address),
        "district": data.get("district", ""),
        "lon": round(case.lon, 7),
        "lat": round(case.lat, 7),
        "crs": "wgs84",
        "title": mask_phones(case.title),
        "text": mask_phones(case.description),
        "category_code": case.category.code if case.category_id else "",
        "deadline": local_second(case.resolve_by),
    }
    results = [
        str(Status(case.status).label),
        local_second(finished),
        mask_phones(case.result),
        mask_phones(case.reply),
        str(Satisfaction(case.satisfaction).label) if case.satisfaction else "",
        case.grid.code,
        case.grid.name,
    ]
    return [values[c] for c in ORDER_COLUMNS] + results


def export_cases(
    *,
    actor: Actor,
    path: Path | str,
    since: date | None = None,
    until: date | None = None,
    region: str | None = None,
) -> int:
    """Write the cases to `path` (.csv: UTF-8 with a BOM, so Excel shows the Chinese; or .xlsx); the count."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".csv", ".xlsx"):
        raise BadInput(gettext("unknown file type %(suffix)s: use .csv or .xlsx") % {"suffix": suffix or "—"})
    headers = [HEADERS[c][0] for c in ORDER_COLUMNS] + list(RESULT_HEADERS)
    cases = cases_to_export(actor, since=since, until=until, region=region)
    tally = {"rows": 0}
    rows = _counted(_rows(cases), tally)
    if suffix == ".csv":
        with path.open("w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out, lineterminator="\r\n")  # CRLF: a CR inside a cell is quoted, never a row
            writer.writerow(headers)
            writer.writerows([sheet_value(v) for v in values] for values in rows)
    else:
        book = openpyxl.Workbook(write_only=True)
        sheet = book.create_sheet(title="工单")
        sheet.append(headers)
        for values in rows:
            cells = []
            for value in values:
                cell = WriteOnlyCell(sheet, value=sheet_value(value))
                if isinstance(value, str):
                    cell.data_type = "s"  # text stays text (a number such as 0371… keeps its zero)
                cells.append(cell)
            sheet.append(cells)
        book.save(path)
    count = tally["rows"]
    record(
        actor=actor.user,
        action="cases.export",
        object_type="file",
        object_id=path.name,
        data={
            "count": count,
            "since": since.isoformat() if since else "",
            "until": until.isoformat() if until else "",
            "region": region or "",
            "actor": actor.label,
        },
    )
    return count


def _counted(rows, tally: dict[str, int]):
    for values in rows:
        tally["rows"] += 1
        yield values


def _rows(cases: QuerySet[Case]):
    """The rows, a batch of cases and their work orders at a time (no query per case)."""
    batch: list[Case] = []
    for case in cases.iterator(chunk_size=BATCH):
        batch.append(case)
        if len(batch) == BATCH:
            yield from _batch_rows(batch)
            batch = []
    yield from _batch_rows(batch)


def _batch_rows(batch: list[Case]):
    orders: dict[int, WorkOrder] = {}
    for order in WorkOrder.objects.filter(case_id__in=[c.pk for c in batch]).order_by("-id"):
        orders[order.case_id] = order  # the first order of a case wins (ordered newest first)
    for case in batch:
        yield _row(case, orders.get(case.pk))
