"""The columns every grid file carries (with the roster's Chinese headers) and the file types by suffix."""

from __future__ import annotations

from pathlib import Path

from django.utils.translation import gettext

from gridgov.grids.services import GridImportError, RowError

COLUMNS = ["code", "name", "level", "parent", "households", "population", "kind"]
CHINESE_HEADERS = {
    "编码": "code",
    "名称": "name",
    "层级": "level",
    "上级编码": "parent",
    "户数": "households",
    "人口": "population",
    "类型": "kind",
    "边界": "geometry",
}
HEADERS_ZH = ["编码", "名称", "层级", "上级编码", "户数", "人口", "类型"]
FORMATS = {
    ".geojson": "geojson",
    ".json": "geojson",
    ".shp": "shapefile",
    ".zip": "shapefile",
    ".xlsx": "excel",
    ".csv": "csv",
}


def format_of(path: str | Path) -> str:
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise GridImportError(
            [
                RowError(
                    0,
                    "",
                    gettext("unknown file type %(suffix)s: use .geojson, .shp, .zip (Shapefile), .xlsx or .csv")
                    % {"suffix": suffix or "-"},
                )
            ]
        )
    return FORMATS[suffix]
