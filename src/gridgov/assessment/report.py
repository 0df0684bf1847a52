"""The monthly report (月度考核报表): one Excel workbook for a region and a month.

Three sheets, Chinese headers, the header row frozen:
  指标      the region's indicators and each child grid's: counts, rates as percentages with the
            exact fraction beside them, the level at which closed cases were resolved;
  排名      the month's rankings (scoring.ranking) with the change since last month: the region's
            children by their scheme (street-100 / community-100), the district's departments by
            unit-3rates, the region's grid workers by worker-1000;
  案件台账  every case reported in the month in the region.

The figures come from the same selectors as the API and the dashboard (the rollups), so the report
and the screen never disagree. Personal data stays out: no reporter names or phones (and phone-like
numbers in titles are masked); people in the rankings appear masked, as in the public rankings.
`gridgov report` writes the file; the dashboard's download link serves `monthly_workbook`.

The parts: report_cells (sheet names, formats, columns and rows of a write-only sheet), report_indicators
(指标), report_rankings (排名); the 案件台账 and the workbook itself are here.
"""

from __future__ import annotations

import io
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime

import openpyxl
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl.utils import get_column_letter

from gridgov.assessment import scoring, selectors
from gridgov.assessment.facts import CLOSED, case_counters
from gridgov.assessment.report_cells import (
    BOLD,
    CHANGE_FORMAT,
    COUNT_FORMAT,
    HEADER_FILL,
    HEADER_FONT,
    RANK_CHANGE_FORMAT,
    RATE_FORMAT,
    SCORE_FORMAT,
    SHEETS,
    TIME_FORMAT,
    Column,
    Table,
    begin_sheet,
    header_cells,
    row_cells,
    write_table,
)
from gridgov.assessment.report_indicators import (
    COUNTER_NAMES,
    LEVEL_NAMES,
    RATE_NAMES,
    RESOLVED_NAMES,
    indicator_columns,
    indicator_row,
    indicator_sheet,
)
from gridgov.assessment.report_rankings import (
    CHILD_SCHEMES,
    RANKING_COLUMNS,
    SUBJECT_NAMES,
    UNIT_SCHEME,
    WORKER_SCHEME,
    ranking_sheet,
    rankings,
)
from gridgov.cases.models import CaseEvent, Channel, ResolvedLevel, Satisfaction, Status
from gridgov.core.errors import BadInput, NotFound
from gridgov.core.privacy import mask_name, mask_phones
from gridgov.grids.models import Grid
from gridgov.people.selectors import unit_names

# The public names of the report's parts (report_cells, report_indicators, report_rankings) stay importable here.
__all__ = [
    "BOLD",
    "CHANGE_FORMAT",
    "CHILD_SCHEMES",
    "CONTENT_TYPE",
    "COUNTER_NAMES",
    "COUNT_FORMAT",
    "HEADER_FILL",
    "HEADER_FONT",
    "LEDGER_COLUMNS",
    "LEDGER_FIELDS",
    "LEVEL_NAMES",
    "MONTH",
    "RANKING_COLUMNS",
    "RANK_CHANGE_FORMAT",
    "RATE_FORMAT",
    "RATE_NAMES",
    "RESOLVED_NAMES",
    "SCORE_FORMAT",
    "SHEETS",
    "SUBJECT_NAMES",
    "TIME_FORMAT",
    "UNIT_SCHEME",
    "WORKER_SCHEME",
    "Column",
    "MonthlyReport",
    "Table",
    "indicator_columns",
    "indicator_row",
    "ledger_rows",
    "monthly_report",
    "monthly_workbook",
    "parse_month",
    "rankings",
    "report_filename",
    "safe_title",
]

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"  # for a download response
MONTH = re.compile(r"^\d{4}-\d{2}$")


@dataclass
class MonthlyReport:
    region: str
    month: str
    content: bytes
    sheets: list[str]
    cases: int  # rows of the case ledger
    filename: str


def report_filename(region: str, month: str) -> str:
    """report-410102-2026-11.xlsx (the command's default and the download's name)."""
    return f"report-{region}-{month}.xlsx"


def parse_month(month: str) -> tuple[date, date]:
    """The first and last day of a "YYYY-MM" month; BadInput otherwise."""
    if not isinstance(month, str) or not MONTH.match(month.strip()):
        raise BadInput(gettext("month must look like 2026-11 (YYYY-MM), not %(month)r") % {"month": month})
    return scoring.month_range(month.strip())


def monthly_workbook(*, region: str, month: str) -> bytes:
    """The monthly report of a region (grid code) as .xlsx bytes."""
    return monthly_report(region=region, month=month).content


def monthly_report(*, region: str, month: str) -> MonthlyReport:
    """The workbook and what is in it (sheets, ledger rows): BadInput for a bad month, NotFound for an
    unknown region."""
    start, end = parse_month(month)
    month = month.strip()
    region = (region or "").strip()
    grid = Grid.objects.filter(code=region).first()
    if grid is None:
        raise NotFound(
            gettext("no grid with code %(code)r: give a region's grid code, like 410102 or 410102001")
            % {"code": region}
        )
    with translation.override("zh-hans"):
        book = openpyxl.Workbook(write_only=True)
        indicator_sheet(book, grid, start, end)
        ranking_sheet(book, grid, month)
        cases = _ledger_sheet(book, grid, start, end)
        _hotspot_sheet(book, grid, start, end)
        book.properties.title = f"{grid.name}{month}月度考核报表"
        book.properties.creator = "gridgov"
        out = io.BytesIO()
        book.save(out)
    return MonthlyReport(
        region=region,
        month=month,
        content=out.getvalue(),
        sheets=list(SHEETS),
        cases=cases,
        filename=report_filename(region, month),
    )


# ---- 案件台账 -----------------------------------------------------------------------------------

LEDGER_COLUMNS = [
    Column("案件编号", width=17),
    Column("上报时间", TIME_FORMAT, width=17),
    Column("标题", width=40),
    Column("类别", width=22),
    Column("网格编码", width=17),
    Column("网格", width=18),
    Column("渠道", width=12),
    Column("状态", width=10),
    Column("主办单位", width=26),
    Column("解决层级", width=10),
    Column("结案时间", TIME_FORMAT, width=17),
    Column("按期办结", width=10),
    Column("满意度", width=10),
]
LEDGER_FIELDS = (
    "pk",
    "number",
    "reported_at",
    "title",
    "category__name",
    "grid__code",
    "grid__name",
    "channel",
    "status",
    "lead_unit",
    "resolved_level",
    "closed_at",
    "satisfaction",
    "reporter_name",
    "event_count",
    "fact__event_count",
    "fact__closed_on_time",
)


def _local(moment: datetime | None) -> datetime | None:
    """Excel has no time zones: local wall time (Asia/Shanghai), as people read it."""
    return timezone.localtime(moment).replace(tzinfo=None, microsecond=0) if moment else None


def safe_title(title: str, reporter_name: str = "") -> str:
    """A title without personal data: phone-like numbers masked, the reporter's name masked."""
    title = mask_phones(title)
    name = (reporter_name or "").strip()
    if len(name) >= 2 and name in title:
        title = title.replace(name, mask_name(name))
    return title


def _on_time_from_events(case_ids: list[int]) -> dict[int, int]:
    """closed_on_time from the events, for cases whose fact lags behind their events (a refresh still
    queued): the same definition the rollups use."""
    events = defaultdict(list)
    for e in (
        CaseEvent.objects.filter(case_id__in=case_ids)
        .only("case_id", "seq", "action", "to_status", "data", "at")
        .order_by("case_id", "seq")
    ):
        events[e.case_id].append(e)
    return {pk: case_counters(events[pk])["closed_on_time"] for pk in case_ids}


def ledger_rows(region: str, start: date, end: date):
    """The ledger's rows, oldest first: the cases the region's indicators for the month are about."""
    cases = list(
        selectors.cases_of("region", region, start, end).order_by("reported_at", "number").values(*LEDGER_FIELDS)
    )
    stale = [c["pk"] for c in cases if c["status"] in CLOSED and c["fact__event_count"] != c["event_count"]]
    recomputed = {}
    for i in range(0, len(stale), 2000):
        recomputed.update(_on_time_from_events(stale[i : i + 2000]))
    units = unit_names({c["lead_unit"] for c in cases if c["lead_unit"]})
    channels, statuses = dict(Channel.choices), dict(Status.choices)
    levels, ratings = dict(ResolvedLevel.choices), dict(Satisfaction.choices)
    for c in cases:
        on_time = ""
        if c["status"] in CLOSED:
            flag = recomputed[c["pk"]] if c["pk"] in recomputed else c["fact__closed_on_time"]
            on_time = "是" if flag else "否"
        yield [
            c["number"],
            _local(c["reported_at"]),
            safe_title(c["title"], c["reporter_name"]),
            c["category__name"] or "",
            c["grid__code"],
            c["grid__name"],
            str(channels.get(c["channel"], c["channel"])),
            str(statuses.get(c["status"], c["status"])),
            units.get(c["lead_unit"], c["lead_unit"]),
            str(levels.get(c["resolved_level"], "")),
            _local(c["closed_at"]),
            on_time,
            str(ratings.get(c["satisfaction"], "")),
        ]


HOTSPOT_COLUMNS = [
    Column("时段", width=12),
    Column("网格编码", width=17),
    Column("网格", width=18),
    Column("问题类别", width=22),
    Column("热度", COUNT_FORMAT, width=8),
    Column("反映件数", COUNT_FORMAT, width=10),
    Column("反映人数", COUNT_FORMAT, width=10),
    Column("关注人数", COUNT_FORMAT, width=10),
    Column("增长", COUNT_FORMAT, width=8),
    Column("最近案件", width=40),
]


def _hotspot_sheet(book, grid: Grid, start: date, end: date) -> None:
    """热点: the month's hot spots and the last week's (the weekly brief for leaders), hottest first."""
    from gridgov.assessment.hotspots import find_hotspots, weeks_brief_range

    table = Table(HOTSPOT_COLUMNS)
    week_start, week_end = weeks_brief_range(end)
    for label, first, last in (("本月", start, end), ("最近一周", max(start, week_start), week_end)):
        for spot in find_hotspots(grid.code, first, last, limit=20):
            table.rows.append(
                [
                    label,
                    spot.grid,
                    spot.grid_name,
                    spot.category_name or "未分类",
                    spot.heat,
                    spot.reports,
                    spot.reporters,
                    spot.support,
                    spot.growth,
                    "、".join(spot.numbers),
                ]
            )
    write_table(book, SHEETS[3], table, "A2")


def _ledger_sheet(book, grid: Grid, start: date, end: date) -> int:
    table = Table(LEDGER_COLUMNS)
    sheet = begin_sheet(book, SHEETS[2], table.widths(), "B2")
    rows = list(ledger_rows(grid.code, start, end))
    if rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(LEDGER_COLUMNS))}{len(rows) + 1}"
    sheet.append(header_cells(sheet, LEDGER_COLUMNS))
    for values in rows:
        sheet.append(row_cells(sheet, LEDGER_COLUMNS, values))
    return len(rows)
