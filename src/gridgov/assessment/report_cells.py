"""The monthly report's sheets as cells: its sheet names, number formats and header style, and the
columns, tables and rows of a write-only openpyxl sheet."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from gridgov.core.rows import sheet_value

SHEETS = ("指标", "排名", "案件台账", "热点")

COUNT_FORMAT, RATE_FORMAT, SCORE_FORMAT = "#,##0", "0.00%", "0.00"
CHANGE_FORMAT, TIME_FORMAT = "+0.00;-0.00;0.00", "yyyy-mm-dd hh:mm"
RANK_CHANGE_FORMAT = "+0;-0;0"
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)


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


def header_cells(sheet, columns: list[Column]) -> list:
    cells = []
    for col in columns:
        cell = WriteOnlyCell(sheet, value=col.title)
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cells.append(cell)
    return cells


def row_cells(sheet, columns: list[Column], values: list, bold: bool = False) -> list:
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


def begin_sheet(book, title: str, widths: list[float], freeze: str):
    sheet = book.create_sheet(title)
    sheet.freeze_panes = freeze  # the header row (and the columns left of `freeze`) stay in view
    for i, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    return sheet


def write_table(book, title: str, table: Table, freeze: str, *, filter_rows: bool = True, notes=()) -> None:
    sheet = begin_sheet(book, title, table.widths(), freeze)
    if filter_rows and table.rows:
        sheet.auto_filter.ref = f"A1:{get_column_letter(len(table.columns))}{len(table.rows) + 1}"
    sheet.append(header_cells(sheet, table.columns))
    for n, values in enumerate(table.rows):
        sheet.append(row_cells(sheet, table.columns, values, bold=n in table.bold_rows))
    if notes:
        sheet.append([])
        for line in notes:
            sheet.append([line])
