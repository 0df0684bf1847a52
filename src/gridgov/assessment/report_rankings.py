"""The 排名 sheet of the monthly report: the month's rankings with the change since last month."""

from __future__ import annotations

from gridgov.assessment import scoring
from gridgov.assessment.report_cells import (
    CHANGE_FORMAT,
    COUNT_FORMAT,
    RANK_CHANGE_FORMAT,
    SCORE_FORMAT,
    SHEETS,
    Column,
    Table,
    write_table,
)
from gridgov.core.errors import NotFound
from gridgov.grids.models import Grid

# scheme for the children of a region, by the region's level (街道 → street-100, 社区 → community-100)
CHILD_SCHEMES = {0: "street-100", 1: "community-100"}
UNIT_SCHEME, WORKER_SCHEME = "unit-3rates", "worker-1000"


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


def ranking_sheet(book, grid: Grid, month: str) -> None:
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
    write_table(book, SHEETS[1], table, "A2")
