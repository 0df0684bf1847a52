"""The 指标 sheet of the monthly report: the region's and each child grid's counts, rates with their
fractions, and the levels at which cases were resolved."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

from gridgov.assessment import selectors
from gridgov.assessment.indicators import LEVELS, RATES
from gridgov.assessment.report_cells import (
    COUNT_FORMAT,
    RATE_FORMAT,
    SHEETS,
    Column,
    Table,
    write_table,
)
from gridgov.grids.models import Grid

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


def indicator_sheet(book, grid: Grid, start: date, end: date) -> None:
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
    write_table(book, SHEETS[0], table, "C2", filter_rows=False, notes=notes)
