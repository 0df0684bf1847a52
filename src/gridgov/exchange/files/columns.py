"""The columns of a work-order file, and reading one row into OrderFields (with row-level errors).

A file's headers are matched by name, in Chinese or English (工单编号 or number …); columns nobody maps
(a hotline system's own extras, the results an export adds) are ignored. A preset (`--format`) maps the
headers of a known outside file to ours instead.
"""

from __future__ import annotations

import codecs
import csv
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import Any

import openpyxl
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.cases.phones import normalise_phone
from gridgov.core.errors import BadInput
from gridgov.core.geo import CoordinateError, check_lon_lat
from gridgov.core.rows import text
from gridgov.exchange.orders import PERSONAL, OrderFields

# field → the headers that name it (the first is the one exports write)
HEADERS: dict[str, tuple[str, ...]] = {
    "number": ("工单编号", "工单号", "number"),
    "case": ("案件编号", "case"),  # an export's own case number: a re-imported export is all duplicates
    "received_at": ("受理时间", "来电时间", "received_at"),
    "source_channel": ("来源渠道", "channel"),
    "caller_name": ("来电人", "诉求人", "caller_name"),
    "caller_phone": ("联系电话", "来电号码", "caller_phone"),
    "address": ("地址", "事发地址", "address"),
    "district": ("所属区域", "区域", "district"),
    "lon": ("经度", "lon"),
    "lat": ("纬度", "lat"),
    "crs": ("坐标系", "crs"),
    "title": ("标题", "title"),
    "text": ("诉求内容", "内容", "text"),
    "category_code": ("分类编码", "category_code"),
    "deadline": ("办理时限", "deadline"),
}
REQUIRED = ("number", "title")

# Known outside files: their header → our field (the rest of their columns are ignored).
PRESETS: dict[str, dict[str, str]] = {
    # Fuzhou 12345 river complaints (福州12345): the river is the place complained about
    "fuzhou12345": {
        "id": "number",
        "标题": "title",
        "投诉件内容": "text",
        "时间": "received_at",
        "区域": "district",
        "河流": "address",
    },
    # 2020 泰迪杯 problem C government messages (政务留言): the subject usually names the place
    "teddy2020": {"留言编号": "number", "留言主题": "title", "留言详情": "text", "留言时间": "received_at"},
}

LIMITS = {"number": 64, "title": 200, "text": 5000, "address": 200, "caller_name": 50, "caller_phone": 20}
CRS_WORDS = {
    "": "wgs84",
    "wgs84": "wgs84",
    "wgs-84": "wgs84",
    "gps": "wgs84",
    "gcj02": "gcj02",
    "gcj-02": "gcj02",
    "gcj": "gcj02",
    "国测局": "gcj02",
    "火星坐标": "gcj02",
    "高德": "gcj02",
}
DATE_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日",
    "%Y%m%d%H%M%S",
    # month first, as Excel set to English writes dates (seen in real 12345 exports); never day first
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%Y",
)


@dataclass(frozen=True)
class FileError:
    """One problem: the row's number in the file (1: the header, 0: the file itself), its column, what to do."""

    row: int
    column: str
    message: str

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


class FileRefused(BadInput):
    def __init__(self, errors: list[FileError]):
        self.errors = errors
        super().__init__(gettext("the file cannot be read"))


_BLOCK = 1 << 20  # bytes read at a time: a file of a million orders is never held whole


def _csv_encoding(path: Path) -> str:
    """UTF-8 (with or without the BOM), else GB18030 (what Excel on a Chinese Windows saves): the first that
    decodes the whole file, checked block by block."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            with path.open("rb") as f:
                while block := f.read(_BLOCK):
                    decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding
    raise FileRefused([FileError(0, "", gettext("the CSV file is neither UTF-8 nor GB18030 text"))])


def _lines(path: Path) -> Iterator[list[Any]]:
    suffix = path.suffix.lower()
    if suffix == ".xlsx":
        try:
            book = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors for a bad file
            message = gettext("cannot read the Excel file: %(error)s") % {"error": exc}
            raise FileRefused([FileError(0, "", message)]) from exc
        try:
            yield from (list(r) for r in book.worksheets[0].iter_rows(values_only=True))
        finally:
            book.close()
        return
    if suffix != ".csv":
        raise FileRefused(
            [FileError(0, "", gettext("unknown file type %(suffix)s: use .csv or .xlsx") % {"suffix": suffix or "—"})]
        )
    encoding = _csv_encoding(path)
    with path.open(encoding=encoding, newline="") as f:  # streamed: the rows go on while the file is read
        yield from csv.reader(f)


def _key(header: Any) -> str:
    return "".join(text(header).split()).casefold()


def read_rows(path: Path, preset: str = "") -> list[dict[str, Any]]:
    """The file's rows as {field: cell, "row": number}; FileRefused for an unreadable file or missing columns."""
    rows = list(iter_rows(path, preset))
    if not rows:
        raise FileRefused([FileError(0, "", gettext("the file has no rows below its header"))])
    return rows


def iter_rows(path: Path, preset: str = "") -> Iterator[dict[str, Any]]:
    """read_rows one row at a time (the bulk import's chunks); FileRefused when the first row is asked for
    and the file is unreadable or misses a column. Blank rows are left out."""
    lines = _lines(path)
    header = next(lines, None)
    if not header or not any(text(h) for h in header):
        raise FileRefused([FileError(1, "", gettext("the first row must hold the column headers"))])
    known = {_key(h): field for field, names in HEADERS.items() for h in names}
    if preset:
        known = {_key(h): field for h, field in PRESETS[preset].items()}
    fields = [known.get(_key(h)) for h in header]
    missing = [HEADERS[f][0] for f in REQUIRED if f not in fields]
    if missing:
        raise FileRefused([FileError(1, m, gettext("column %(header)s is missing") % {"header": m}) for m in missing])
    taken = [(i, field) for i, field in enumerate(fields) if field is not None]
    for number, values in enumerate(lines, start=2):
        # blank: every cell empty once read as text; a first cell of plain text settles it at once
        first = values[0] if values else None
        if not (type(first) is str and first.strip() and first[0] != "'") and all(text(v) == "" for v in values):
            continue
        row: dict[str, Any] = {field: values[i] for i, field in taken if i < len(values)}
        row["row"] = number
        yield row


# The shape of DATE_FORMATS[0], which datetime.fromisoformat reads as strptime does, several times faster.
_FIRST_FORMAT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}")
# What _clean changes: a blank other than the space (line breaks, tabs, full-width spaces …), or two spaces.
_MESSY = re.compile(r"[^\S ]|  ")


def _moment(value: Any, zone: tzinfo | None = None) -> datetime | None:
    if isinstance(value, datetime):
        moment = value
    else:
        raw = " ".join(text(value).split())
        if not raw:
            return None
        if _FIRST_FORMAT.fullmatch(raw):
            try:
                return timezone.make_aware(datetime.fromisoformat(raw), zone)
            except ValueError:
                pass  # not a real date: the formats below say so as before
        for fmt in DATE_FORMATS:
            try:
                moment = datetime.strptime(raw, fmt)
                break
            except ValueError:
                continue
        else:
            moment = datetime.fromisoformat(raw)  # ValueError: not a date either
    return timezone.make_aware(moment, zone) if timezone.is_naive(moment) else moment


def _clean(value: str) -> str:
    """Text with the runs of blanks a web page's copy leaves (tabs, blank lines) reduced."""
    if not _MESSY.search(value) and value == value.strip():
        return value  # nothing to reduce (most cells): spared the split and joins
    lines = [" ".join(line.split()) for line in value.replace("\r", "\n").split("\n")]
    return "\n".join(line for line in lines if line)


_TEXT_FIELDS = tuple(f for f in HEADERS if f not in ("received_at", "deadline"))


def _cell(value: Any) -> str:
    """A text cell as parse_row reads it: _clean(text(value)), a CSV's plain string the short way."""
    if value is None:
        return ""
    if type(value) is str and not value.startswith("'"):
        return _clean(value.strip())  # what text() makes of it
    return _clean(text(value))


def parse_row(
    row: dict[str, Any], *, channel: str = "import", zone: tzinfo | None = None
) -> tuple[OrderFields | None, list[FileError]]:
    """One file row as an OrderFields, or the row's errors (every one of them). A time without a zone is in
    `zone`, by default the current time zone (a bulk import looks it up once, not once a row)."""
    number = row["row"]
    errors: list[FileError] = []

    def fail(field: str, message: str) -> None:
        errors.append(FileError(number, HEADERS[field][0], message))

    values = {f: _cell(row.get(f)) for f in _TEXT_FIELDS}
    for field in REQUIRED:
        if not values[field]:
            fail(field, gettext("%(header)s is empty: every row needs one") % {"header": HEADERS[field][0]})
    for field, limit in LIMITS.items():
        if len(values[field]) > limit:
            fail(field, gettext("longer than %(limit)d characters: shorten it") % {"limit": limit})
    for field in PERSONAL:
        if "*" in values[field]:  # masked by an export (张*, 138****5678): the real one is not in the file
            values[field] = ""
    try:
        values["caller_phone"] = normalise_phone(values["caller_phone"])
    except BadInput as exc:
        fail("caller_phone", exc.message)
    moments: dict[str, datetime | None] = {}
    for field in ("received_at", "deadline"):
        try:
            moments[field] = _moment(row.get(field), zone)
        except ValueError:
            fail(
                field,
                gettext("%(value)s is not a date and time: write it as 2024-05-01 09:30")
                % {"value": text(row.get(field))},
            )
    lon = lat = None
    if values["lon"] or values["lat"]:
        try:
            lon, lat = float(values["lon"]), float(values["lat"])
            if not (math.isfinite(lon) and math.isfinite(lat)):
                raise ValueError
            check_lon_lat(lon, lat)
        except CoordinateError as exc:
            fail("lon", str(exc))
        except ValueError:
            fail("lon", gettext("longitude and latitude must both be numbers (or both empty)"))
    crs = CRS_WORDS.get(values["crs"].casefold())
    if crs is None:
        fail("crs", gettext("unknown coordinate system %(crs)s: use wgs84 or gcj02") % {"crs": values["crs"]})
    if errors:
        return None, errors
    return (
        OrderFields(
            number=values["number"],
            title=values["title"],
            text=values["text"],
            received_at=moments.get("received_at"),
            channel=channel,
            caller_name=values["caller_name"],
            caller_phone=values["caller_phone"],
            address=values["address"],
            district=values["district"],
            lon=lon,
            lat=lat,
            crs=crs or "wgs84",
            category_code=values["category_code"],
            deadline=moments.get("deadline"),
        ),
        [],
    )
