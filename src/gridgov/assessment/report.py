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
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

import openpyxl
from django.utils import timezone, translation
from django.utils.translation import gettext
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from gridgov.assessment import scoring, selectors
from gridgov.assessment.facts import CLOSED, case_counters
from gridgov.assessment.indicators import LEVELS, RATES
from gridgov.cases.models import CaseEvent, Channel, ResolvedLevel, Satisfaction, Status
from gridgov.core.errors import BadInput, NotFound
from gridgov.core.privacy import mask_name, mask_phones
from gridgov.core.rows import sheet_value
from gridgov.grids.models import Grid
from gridgov.people.selectors import unit_names

SHEETS = ("指标", "排名", "案件台账")
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"  # for a download response
MONTH = re.compile(r"^\d{4}-\d{2}$")

# The report's words are Chinese whatever the request's language: the format is the one the
# districts file (their headers are data, like the labels in data/schemes.json).
LEVEL_NAMES = {0: "区（县）", 1: "街道（一级网格）", 2: "社区（二级网格）", 3: "三级网格", 4: "微网格"}
RATE_NAMES = {
    "closure_rate": "办结率",
    "on_time_rate": "按期办结率",
    "response_rate": "签收及时率",
    "resolution_rate": "解决率",
    "satisfaction_rate": "满意率",
    "rework_rate": "返工率",
    "extension_rate": "延期率",
}
RESOLVED_NAMES = {"grid": "网格解决", "community": "社区解决", "street": "街道解决", "district": "区级解决"}
COUNTER_NAMES = {
    "received": "受理数",
    "registered": "立案数",
    "closed": "办结数",
    "closed_on_time": "按期办结数",
    "sign_due": "应签收派遣数",
    "signed_on_time": "按时签收数",
    "evaluated": "已评价数",
    "satisfied": "满意及基本满意数",
    "solved": "评价已解决数",
    "checked": "已核查数",
    "reworked": "返工案件数",
    "dispatched": "已派遣数",
    "extended": "延期案件数",
}
# scheme for the children of a region, by the region's level (街道 → street-100, 社区 → community-100)
CHILD_SCHEMES = {0: "street-100", 1: "community-100"}
UNIT_SCHEME, WORKER_SCHEME = "unit-3rates", "worker-1000"

COUNT_FORMAT, RATE_FORMAT, SCORE_FORMAT = "#,##0", "0.00%", "0.00"
CHANGE_FORMAT, TIME_FORMAT = "+0.00;-0.00;0.00", "yyyy-mm-dd hh:mm"
RANK_CHANGE_FORMAT = "+0;-0;0"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)


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
        _indicator_sheet(book, grid, start, end)
        _ranking_sheet(book, grid, month)
        cases = _ledger_sheet(book, grid, start, end)
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


# ---- sheet helpers -------------------------------------------------------------------------------


def _width(value) -> int:
    """Display width of a cell's text: CJK characters count double."""
    if value is None:
        return 0
    if isinstance(value, datetime):
        return 16
    if isinstance(value, float):
        return 8
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in str(value))


@dataclass
class Column:
    title: str
    number_format: str | None = None
    width: int | None = None  # fixed width; None: from the header and the rows


@dataclass
class Table:
    """Rows for a write-only sheet: widths are set before the rows are written, so they are worked out
    from the rows kept here (small sheets) or fixed per column (the ledger)."""

    columns: list[Column]
    rows: list[list] = field(default_factory=list)
    bold_rows: set[int] = field(default_factory=set)

    def widths(self) -> list[float]:
        out: list[float] = []
        for i, col in enumerate(self.columns):
            if col.width:
                out.append(col.width)
                continue
            seen = max([_width(col.title)] + [_width(r[i]) for r in self.rows[:2000]])
            out.append(min(60, max(8, seen + 2)))
        return out


def _header(sheet, columns: list[Column]) -> list:
    cells = []
    for col in columns:
        cell = WriteOnlyCell(sheet, value=col.title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cells.append(cell)
    return cells


def _row(sheet, columns: list[Column], values: list, bold: bool = False) -> list:
    cells = []
    for col, value in zip(columns, values, strict=True):
        value = sheet_value(value)  # user text (a title, a name) that starts like a formula stays text
        cell = WriteOnlyCell(sheet, value=value)
        if isinstance(value, str):
            cell.data_type = "s"
        if col.number_format and value is not None and not isinstance(value, str):
            cell.number_format = col.number_format
        if bold:
            cell.font = BOLD
        cells.append(cell)
    return cells


def _begin_sheet(book, title: str, widths: list[float], freeze: str):
    sheet = book.create_sheet(title)
    sheet.freeze_panes = freeze  # the header row (and the columns left of `freeze`) stay in view
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    return sheet


def _write_table(book, title: str, table: Table, freeze: str, *, filter_rows: bool = True, notes=()) -> None:
    sheet = _begin_sheet(book, title, table.widths(), freeze)
    if filter_rows and table.rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table.rows) + 1}"
    sheet.append(_header(sheet, table.columns))
    for n, values in enumerate(table.rows):
        sheet.append(_row(sheet, table.columns, values, bold=n in table.bold_rows))
    if notes:
        sheet.append([])
        for line in notes:
            sheet.append([line])


def _fraction(pair: list[int]) -> str:
    return f"{pair[0]}/{pair[1]}"


# ---- 指标 ---------------------------------------------------------------------------------------


def indicator_columns() -> list[Column]:
    cols = [
        Column("编码"),
        Column("名称"),
        Column("层级"),
        *(Column(COUNTER_NAMES[n], COUNT_FORMAT) for n in ("received", "registered", "closed", "closed_on_time")),
    ]
    for rate in RATES:
        cols += [Column(RATE_NAMES[rate.name], RATE_FORMAT), Column(f"{RATE_NAMES[rate.name]}（分子/分母）")]
    for level in LEVELS:
        cols += [Column(f"{RESOLVED_NAMES[level]}占比", RATE_FORMAT), Column(f"{RESOLVED_NAMES[level]}（件数/办结数）")]
    return cols


def indicator_row(code: str, name: str, level: int, ind: dict) -> list:
    """One row of the 指标 sheet from selectors.indicators(…) (rates stay exact floats: Excel shows
    them as percentages; the fraction beside each is the exact count behind it)."""
    row = [
        code,
        name,
        LEVEL_NAMES.get(level, str(level)),
        ind["received"],
        ind["registered"],
        ind["closed"],
        ind["closed_on_time"],
    ]
    for rate in RATES:
        row += [ind[rate.name], _fraction(ind["fractions"][rate.name])]
    for level_name in LEVELS:
        row += [ind["resolved_at_level"][level_name], _fraction(ind["fractions"]["resolved_at_level"][level_name])]
    return row


def _indicator_sheet(book, grid: Grid, start: date, end: date) -> None:
    table = Table(indicator_columns())
    table.rows.append(
        indicator_row(
            grid.code, grid.name, grid.level, selectors.indicators(kind="region", code=grid.code, start=start, end=end)
        )
    )
    table.bold_rows.add(0)
    children = Grid.objects.filter(parent__code=grid.code, valid_to__isnull=True).order_by("code")
    for code, name, level in children.values_list("code", "name", "level"):
        ind = selectors.indicators(kind="region", code=code, start=start, end=end)
        table.rows.append(indicator_row(code, name, level, ind))
    notes = [
        f"统计范围：{start.isoformat()} 至 {end.isoformat()} 受理（上报）的案件，按上报日归月；"
        f"第一行为{grid.name}合计，其下为各下级网格。",
        *(f"{RATE_NAMES[r.name]} = {COUNTER_NAMES[r.numerator]} ÷ {COUNTER_NAMES[r.denominator]}" for r in RATES),
        "办结数含已结案和已评价的案件；解决层级占比 = 在该层级解决并办结的案件数 ÷ 办结数。分母为 0 时比率留空。",
        f"生成时间：{timezone.localtime().strftime('%Y-%m-%d %H:%M')}（数据来自日汇总，与统计接口一致）",
    ]
    _write_table(book, SHEETS[0], table, "C2", filter_rows=False, notes=notes)


# ---- 排名 ---------------------------------------------------------------------------------------

RANKING_COLUMNS = [
    Column("考核方案"),
    Column("考核对象"),
    Column("排名", COUNT_FORMAT),
    Column("编码"),
    Column("名称"),
    Column("所属区域"),
    Column("得分", SCORE_FORMAT),
    Column("满分", COUNT_FORMAT),
    Column("名次变化（较上月，正数为上升）", RANK_CHANGE_FORMAT),
    Column("得分变化（较上月）", CHANGE_FORMAT),
]
SUBJECT_NAMES = {"region": "下级网格", "unit": "承办单位", "worker": "网格员", "deputy": "代表"}


def rankings(grid: Grid, month: str) -> list[dict]:
    """The rankings the report shows for a region: its children (when a scheme scores their level),
    the district's departments and the region's grid workers; schemes that are missing or switched
    off are left out."""
    wanted = [(CHILD_SCHEMES.get(grid.level), grid.code), (UNIT_SCHEME, grid.code[:6]), (WORKER_SCHEME, grid.code)]
    out = []
    for code, region in wanted:
        if not code:
            continue
        try:
            out.append(scoring.ranking(code, month, region, public=True))
        except NotFound:
            continue
    return out


def _ranking_sheet(book, grid: Grid, month: str) -> None:
    table = Table(RANKING_COLUMNS)
    for ranked in rankings(grid, month):
        scheme = ranked["scheme"]
        label = f"{scheme['name']}（{scheme['code']}）"
        for item in ranked["items"]:
            table.rows.append(
                [
                    label,
                    SUBJECT_NAMES.get(scheme["subject"], scheme["subject"]),
                    item["rank"],
                    item.get("code", ""),
                    item["name"],
                    item["area"],
                    item["score"],
                    scheme["total"],
                    item["rank_change"],
                    item["score_change"],
                ]
            )
    _write_table(book, SHEETS[1], table, "A2")


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


def _ledger_sheet(book, grid: Grid, start: date, end: date) -> int:
    table = Table(LEDGER_COLUMNS)
    sheet = _begin_sheet(book, SHEETS[2], table.widths(), "B2")
    rows = list(ledger_rows(grid.code, start, end))
    if rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(LEDGER_COLUMNS))}{len(rows) + 1}"
    sheet.append(_header(sheet, LEDGER_COLUMNS))
    for values in rows:
        sheet.append(_row(sheet, LEDGER_COLUMNS, values))
    return len(rows)
