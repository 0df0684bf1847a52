"""Grid files in and out: GeoJSON, ESRI Shapefile (pyshp) and an Excel roster (openpyxl).

Every format carries the same columns: code, name, level, parent, households, population, kind.
Readers collect every row-level problem they can find before giving up, so that a person can fix a
file in one pass; the import service then validates the tree itself.

The parts: columns (the shared columns and file types), readers, writers. This package exports the public
names of all of them.
"""

from gridgov.grids.formats.columns import CHINESE_HEADERS, COLUMNS, FORMATS, HEADERS_ZH, format_of
from gridgov.grids.formats.readers import (
    MAX_UNZIPPED_BYTES,
    POLYGON_TYPES,
    read_csv,
    read_excel,
    read_file,
    read_geojson,
    read_shapefile,
)
from gridgov.grids.formats.writers import write_csv, write_excel, write_file, write_geojson, write_shapefile

__all__ = [
    "CHINESE_HEADERS",
    "COLUMNS",
    "FORMATS",
    "HEADERS_ZH",
    "MAX_UNZIPPED_BYTES",
    "POLYGON_TYPES",
    "format_of",
    "read_csv",
    "read_excel",
    "read_file",
    "read_geojson",
    "read_shapefile",
    "write_csv",
    "write_excel",
    "write_file",
    "write_geojson",
    "write_shapefile",
]
