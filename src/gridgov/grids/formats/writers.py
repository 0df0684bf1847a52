"""Writing grid files: GeoJSON, a Shapefile (or a zip of one) and the roster as Excel or CSV, in a chosen CRS."""

from __future__ import annotations

import csv
import json
import tempfile
import zipfile
from pathlib import Path

import openpyxl
import shapefile
import shapely
from shapely.geometry import mapping

from gridgov.core import geo
from gridgov.core.rows import sheet_value
from gridgov.grids.formats.columns import COLUMNS, HEADERS_ZH, format_of
from gridgov.grids.selectors import current_geometries, grid_properties

# ---- export -------------------------------------------------------------------------------------


def _rows(root: str | None, crs: str, grids=None):
    """(grid, polygon in `crs`) for the active grids under root, or for the grids given (a queryset)."""
    from gridgov.grids.selectors import subtree

    qs = subtree(root) if grids is None else grids.filter(valid_to__isnull=True)
    grids = list(qs.select_related("parent").order_by("code"))
    geoms = current_geometries([g.code for g in grids])
    for grid in grids:
        geom = geoms.get(grid.code)
        if geom is not None:
            geom = geo.geometry_from_wgs84(geom, crs)
        yield grid, geom


def write_geojson(path: Path, root: str | None = None, crs: str = "wgs84", grids=None) -> int:
    features = [
        {"type": "Feature", "properties": grid_properties(g), "geometry": mapping(geom) if geom else None}
        for g, geom in _rows(root, crs, grids)
    ]
    doc = {"type": "FeatureCollection", "crs_name": crs, "features": features}
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return len(features)


def write_shapefile(path: Path, root: str | None = None, crs: str = "wgs84", grids=None) -> int:
    """Writes PATH.shp/.shx/.dbf/.prj/.cpg, or a .zip holding them when PATH ends in .zip."""
    if path.suffix.lower() == ".zip":
        with tempfile.TemporaryDirectory() as tmp:
            count = write_shapefile(Path(tmp) / (path.stem + ".shp"), root, crs, grids)
            with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
                for part in sorted(Path(tmp).iterdir()):
                    archive.write(part, part.name)
            return count
    count = 0
    with shapefile.Writer(str(path.with_suffix("")), shapeType=shapefile.POLYGON, encoding="utf-8") as writer:
        writer.field("code", "C", size=18)
        writer.field("name", "C", size=100)
        writer.field("level", "N", size=2)
        writer.field("parent", "C", size=18)
        writer.field("households", "N", size=10)
        writer.field("population", "N", size=10)
        writer.field("kind", "C", size=16)
        for grid, geom in _rows(root, crs, grids):
            props = grid_properties(grid)
            if geom is None:
                writer.null()
            else:
                writer.shape(mapping(geom))
            writer.record(*[props[c] if props[c] is not None else "" for c in COLUMNS])
            count += 1
    path.with_suffix(".cpg").write_text("UTF-8")
    if crs == "wgs84":
        path.with_suffix(".prj").write_text(
            'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563]],'
            'PRIMEM["Greenwich",0],UNIT["degree",0.0174532925199433]]'
        )
    return count


def write_excel(path: Path, root: str | None = None, crs: str = "wgs84", grids=None) -> int:
    """A roster with the Chinese headers; polygons as WKT in the last column when they fit a cell."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "网格"
    sheet.append([*HEADERS_ZH, "边界"])
    count = 0
    for grid, geom in _rows(root, crs, grids):
        props = grid_properties(grid)
        wkt = shapely.to_wkt(geom, rounding_precision=-1) if geom is not None else ""
        sheet.append(
            [sheet_value(props[c]) if props[c] is not None else "" for c in COLUMNS]
            + [wkt if len(wkt) < 32_000 else ""]
        )
        count += 1
    book.save(path)
    return count


def write_csv(path: Path, root: str | None = None, crs: str = "wgs84", grids=None) -> int:
    """The roster without polygons (a CSV line per grid; reading it back keeps every grid's polygon)."""
    count = 0
    with open(path, "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADERS_ZH)
        for grid, _geom in _rows(root, crs, grids):
            props = grid_properties(grid)
            writer.writerow([sheet_value(props[c]) if props[c] is not None else "" for c in COLUMNS])
            count += 1
    return count


def write_file(path: str | Path, root: str | None = None, crs: str = "wgs84", grids=None) -> int:
    """Export to the format the file name says; `grids` (a queryset) limits it to those grids' active ones."""
    path = Path(path)
    kind = format_of(path)
    writer = {"geojson": write_geojson, "shapefile": write_shapefile, "excel": write_excel, "csv": write_csv}[kind]
    return writer(path, root, crs, grids)
