"""Rows read from an uploaded table (CSV, Excel): row-level errors and tolerant cell parsing.

Import services take `rows`, a sequence of mappings from column name to cell value. A row may carry
its spreadsheet number under "row" (the header is row 1); otherwise its position counts, as if the
rows came straight after a header. Services collect every problem they find and raise `RowErrors`
with all of them before writing anything, so that a person can fix a file in one pass.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import models
from django.utils import translation

from gridgov.core.errors import BadInput

TRUE_WORDS = {"1", "true", "yes", "y", "t", "是", "对", "真", "√", "✓"}
FALSE_WORDS = {"0", "false", "no", "n", "f", "否", "不", "假", "×", "✗"}


@dataclass(frozen=True)
class RowError:
    """One problem of one row: `row` is its number in the file (0: the file as a whole), `code` its key."""

    row: int
    code: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "code": self.code, "message": self.message}


class RowErrors(BadInput):
    """The rows have errors; nothing was written."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(f"{len(errors)} row(s) with errors; nothing was imported")


def row_number(row: Mapping[str, Any], index: int) -> int:
    number = row.get("row")
    return number if isinstance(number, int) else index + 2


# A cell whose text starts with one of these is a formula to a spreadsheet (=, +, -, @) or can become one
# (a tab or CR before it): exports write such text behind a quote (OWASP "CSV injection").
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# Control characters an .xlsx cannot hold (openpyxl refuses them with IllegalCharacterError: a 500).
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def sheet_value(value: Any) -> Any:
    """A value for an exported cell (.xlsx or .csv): text that a spreadsheet would run as a formula gets a
    leading quote, so it stays text, and loses the control characters no workbook may hold; numbers, dates
    and everything that is not a string are unchanged."""
    if not isinstance(value, str):
        return value
    value = CONTROL_CHARACTERS.sub("", value)
    return "'" + value if value.startswith(FORMULA_START) else value


def text(value: Any) -> str:
    """A cell as text: None is "", 12.0 is "12" (spreadsheets store integers as floats), dates are ISO;
    the quote `sheet_value` put before a formula-like text is taken off again, so exports re-import."""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_START):
        value = value[1:]
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime):
        value = value.date() if not (value.hour or value.minute or value.second) else value
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return str(value).strip()


def parse_bool(value: Any) -> bool | None:
    """是/否, 1/0, true/false, yes/no (any case); None when the cell says neither."""
    if isinstance(value, bool):
        return value
    word = text(value).lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    return None


def parse_int(value: Any) -> int | None:
    """A whole number, or None when the cell is not one (blank cells are the caller's business)."""
    try:
        number = float(text(value))
    except ValueError:
        return None
    return int(number) if number.is_integer() else None


def parse_date(value: Any) -> date | None:
    """2027-01-01, 2027/1/1, 2027.1.1, 20270101 or a spreadsheet date; None when it is not a date."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = text(value)
    for fmt in ("%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d", "%Y年%m月%d日"):
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    return None


def choice(value: Any, choices: type[models.Choices]) -> str | None:
    """The stored value of a choice given as its value or its label (in the active language, Chinese or
    English, any case): a file may say 网格员, grid worker or grid_worker. None when it is none of them."""
    raw = text(value)
    if raw in choices.values:
        return raw
    wanted = raw.casefold()
    for language in (None, "zh-hans", "en"):
        with translation.override(language) if language else nullcontext():
            for stored, label in choices.choices:
                if str(label).casefold() == wanted or str(stored).casefold() == wanted:
                    return stored
    return None


def labels(choices: type[models.Choices]) -> str:
    """The labels of a choice set in the active language, for messages: 网格员、网格长 …"""
    return ", ".join(str(label) for label in choices.labels)


def duplicates(keys: Sequence[tuple[int, Any]]) -> dict[int, int]:
    """For (row number, key) pairs: each later row whose key an earlier row already had → that earlier row."""
    first: dict[Any, int] = {}
    repeated: dict[int, int] = {}
    for number, key in keys:
        if key in first:
            repeated[number] = first[key]
        else:
            first[key] = number
    return repeated
