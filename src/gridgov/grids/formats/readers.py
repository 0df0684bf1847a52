"""Reading grid files: GeoJSON, a Shapefile (or a zip of one) and the roster as Excel or CSV; every row-level
problem collected before giving up, a file that cannot be read whole refused with what to send instead."""

from __future__ import annotations

import csv
import io
import json
import struct
import tempfile
import warnings
import zipfile
from collections.abc import Iterable
from pathlib import Path

import openpyxl
import shapefile
import shapely
from django.utils.translation import gettext
from shapely.geometry import shape

from gridgov.core.rows import FORMULA_START
from gridgov.grids.formats.columns import CHINESE_HEADERS, format_of
from gridgov.grids.services import GridImportError, GridInput, RowError


def _int(value, label: str, problems: list[str]) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        problems.append(gettext("%(field)s %(value)r is not a number") % {"field": label, "value": value})
        return None
    if number != int(number):
        problems.append(gettext("%(field)s %(value)r is not a whole number") % {"field": label, "value": value})
        return None
    return int(number)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_START):
        value = value[1:]  # the quote an export put before a formula-like name (sheet_value)
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _item(row: int, props: dict, geometry, errors: list[RowError]) -> GridInput | None:
    problems: list[str] = []
    code = _text(props.get("code"))
    item = GridInput(
        row=row,
        code=code,
        name=_text(props.get("name")),
        level=_int(props.get("level"), gettext("level"), problems),
        parent=_text(props.get("parent")) or None,
        households=_int(props.get("households"), gettext("households"), problems),
        population=_int(props.get("population"), gettext("population"), problems),
        kind=_text(props.get("kind")) or None,
        geometry=geometry,
    )
    if not code:
        problems.append(gettext("code is missing"))
    errors.extend(RowError(row, code, p) for p in problems)
    return None if problems else item


def _read_features(features: Iterable[tuple[int, dict, dict | None]]) -> list[GridInput]:
    """(row number, properties, GeoJSON-like geometry or None) → the grids; every row's errors at once."""
    items: list[GridInput] = []
    errors: list[RowError] = []
    for number, props, geo in features:
        geometry = None
        if geo is not None:
            try:
                geometry = shape(geo)
            except Exception as exc:  # shapely raises several types for malformed geometry
                errors.append(
                    RowError(
                        number, _text(props.get("code")), gettext("unreadable geometry: %(error)s") % {"error": exc}
                    )
                )
                continue
        item = _item(number, props, geometry, errors)
        if item:
            items.append(item)
    if errors:
        raise GridImportError(errors)
    return items


def read_geojson(data: bytes) -> list[GridInput]:
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise GridImportError([RowError(0, "", gettext("not valid JSON: %(error)s") % {"error": exc})]) from exc
    features = doc.get("features") if isinstance(doc, dict) else None
    if not isinstance(features, list):
        raise GridImportError([RowError(0, "", gettext("expected a GeoJSON FeatureCollection with a features list"))])
    return _read_features(
        (number, (feature or {}).get("properties") or {}, (feature or {}).get("geometry"))
        for number, feature in enumerate(features, start=1)
    )


MAX_UNZIPPED_BYTES = 512 * 1024 * 1024  # a zip bomb must not fill the disk
POLYGON_TYPES = {shapefile.NULL, shapefile.POLYGON, shapefile.POLYGONZ, shapefile.POLYGONM}


def _file_error(message: str) -> GridImportError:
    return GridImportError([RowError(0, "", message)])


def _shape_kind(shape_type: int) -> str:
    name = shapefile.SHAPETYPE_LOOKUP.get(shape_type, str(shape_type))
    if name.startswith("POINT"):
        return gettext("points")
    if name.startswith("MULTIPOINT"):
        return gettext("multipoints")
    if name.startswith("POLYLINE"):
        return gettext("lines")
    return name


def _unzip_shapefile(path: Path, tmp: str) -> Path:
    """The one .shp of a zip, unpacked with its companions; a file-level error for a bad zip."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
                raise _file_error(
                    gettext("the zip unpacks to more than %(mb)d MB: import the grids in parts")
                    % {"mb": MAX_UNZIPPED_BYTES // (1024 * 1024)}
                )
            archive.extractall(tmp)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError, OSError, ValueError) as exc:
        raise _file_error(
            gettext(
                "%(name)s is not a readable zip archive (%(error)s): send the Shapefile's .shp, "
                ".shx and .dbf files packed in one .zip"
            )
            % {"name": path.name, "error": exc}
        ) from exc
    if not members:
        raise _file_error(gettext("the zip is empty: pack the Shapefile's .shp, .shx and .dbf files into it"))
    shps = sorted(p for p in Path(tmp).rglob("*") if p.suffix.lower() == ".shp" and p.is_file())
    if not shps:
        names = ", ".join(m.filename for m in members[:10]) + (" …" if len(members) > 10 else "")
        raise _file_error(
            gettext(
                "the zip holds no .shp file (it holds %(names)s): pack the Shapefile's .shp, "
                ".shx and .dbf files into it"
            )
            % {"names": names}
        )
    if len(shps) != 1:
        raise _file_error(gettext("the zip must hold exactly one .shp file, found %(count)d") % {"count": len(shps)})
    return shps[0]


def _check_shp(path: Path) -> None:
    """The .shp's header is a Shapefile's and the file is as long as it says; its .dbf is beside it."""
    with path.open("rb") as f:
        head = f.read(100)
    if len(head) < 100 or struct.unpack(">i", head[:4])[0] != 9994:
        raise _file_error(
            gettext(
                "%(name)s is not a Shapefile .shp (its header is missing or wrong): export the "
                "grid layer as a Shapefile and send its .shp, .shx and .dbf packed in one .zip"
            )
            % {"name": path.name}
        )
    declared, size = struct.unpack(">i", head[24:28])[0] * 2, path.stat().st_size
    if size < declared:
        raise _file_error(
            gettext(
                "%(name)s is cut short (%(size)d of %(declared)d bytes): the file was not copied "
                "or uploaded completely; send the whole Shapefile again, packed in one .zip"
            )
            % {"name": path.name, "size": size, "declared": declared}
        )
    if not any(p.stem == path.stem and p.suffix.lower() == ".dbf" for p in path.parent.iterdir()):
        raise _file_error(
            gettext(
                "%(name)s has no .dbf file beside it (the table of codes and names): send the "
                ".shp together with its .dbf and .shx, packed in one .zip"
            )
            % {"name": path.name}
        )


def read_shapefile(path: Path) -> list[GridInput]:
    """A .shp beside its .dbf/.shx, or a .zip holding them (how Shapefiles travel).

    A file that cannot be read whole is a file-level error (row 0) saying what to send instead:
    never a traceback, and nothing of it reaches the tree."""
    if path.suffix.lower() == ".zip":
        with tempfile.TemporaryDirectory() as tmp:
            return read_shapefile(_unzip_shapefile(path, tmp))
    _check_shp(path)
    damaged = gettext(
        "the Shapefile %(name)s is damaged or incomplete (%(error)s): export it again and send its "
        ".shp, .shx and .dbf packed in one .zip"
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", shapefile.PossiblyCorruptFileHeader)
            with shapefile.Reader(str(path), encoding=_shapefile_encoding(path)) as reader:
                if reader.shapeType not in POLYGON_TYPES:
                    raise _file_error(
                        gettext(
                            "%(name)s holds %(kind)s, not polygons: grids need polygon boundaries; "
                            "export the grid layer as polygons"
                        )
                        % {"name": path.name, "kind": _shape_kind(reader.shapeType)}
                    )
                fields = [f[0] for f in reader.fields[1:]]
                shapes, records = list(reader.iterShapes()), list(reader.iterRecords())
    except GridImportError:
        raise
    except (UnicodeDecodeError, LookupError) as exc:
        raise _file_error(
            gettext(
                "the .dbf table of %(name)s is not in the encoding its .cpg names, or UTF-8 "
                "without one (%(error)s): add a .cpg file naming its encoding (e.g. GBK), or "
                "export it as UTF-8"
            )
            % {"name": path.name, "error": exc}
        ) from exc
    except Exception as exc:  # pyshp raises struct.error, ShapefileException, OSError … for a broken file
        raise _file_error(damaged % {"name": path.name, "error": exc}) from exc
    if len(shapes) != len(records):
        raise _file_error(
            gettext(
                "%(name)s has %(shapes)d shapes but its .dbf has %(records)d rows: the files are "
                "not from one export; send the .shp, .shx and .dbf of one export packed in one .zip"
            )
            % {"name": path.name, "shapes": len(shapes), "records": len(records)}
        )
    return _read_features(
        (
            number,
            dict(zip(fields, record, strict=False)),
            shp.__geo_interface__ if shp.shapeType != shapefile.NULL else None,
        )
        for number, (shp, record) in enumerate(zip(shapes, records, strict=False), start=1)
    )


def _shapefile_encoding(path: Path) -> str:
    cpg = path.with_suffix(".cpg")
    if cpg.exists():
        return cpg.read_text().strip() or "utf-8"
    return "utf-8"  # GIS tools in China also write GBK; they then write a .cpg saying so


def _read_table(rows) -> list[GridInput]:
    """A roster's rows (the first is the header; Chinese headers accepted), geometry as WKT in 边界/geometry."""
    header = next(rows, None)
    if not header or not any(_text(h) for h in header):
        raise GridImportError([RowError(0, "", gettext("the first sheet is empty"))])
    names = [CHINESE_HEADERS.get(_text(h), _text(h).lower()) for h in header]
    if "code" not in names:
        raise GridImportError([RowError(1, "", gettext("no code/编码 column in the first row"))])
    items, errors = [], []
    for number, values in enumerate(rows, start=2):
        if values is None or all(v is None or _text(v) == "" for v in values):
            continue
        props = dict(zip(names, values, strict=False))
        geometry = None
        if _text(props.get("geometry")):
            try:
                geometry = shapely.from_wkt(_text(props["geometry"]))
            except shapely.errors.GEOSException as exc:
                errors.append(
                    RowError(
                        number, _text(props.get("code")), gettext("unreadable WKT geometry: %(error)s") % {"error": exc}
                    )
                )
                continue
        item = _item(number, props, geometry, errors)
        if item:
            items.append(item)
    if errors:
        raise GridImportError(errors)
    return items


def read_excel(path: Path) -> list[GridInput]:
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors
        raise GridImportError(
            [RowError(0, "", gettext("cannot read the Excel file: %(error)s") % {"error": exc})]
        ) from exc
    try:
        return _read_table(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()


def read_csv(data: bytes) -> list[GridInput]:
    """The roster as CSV: UTF-8 (with or without a BOM), or GB18030 as Chinese Excel saves it."""
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            content = data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise GridImportError([RowError(0, "", gettext("the CSV file is neither UTF-8 nor GB18030 text"))]) from exc
    return _read_table(iter(csv.reader(io.StringIO(content))))


def read_file(path: str | Path) -> list[GridInput]:
    path = Path(path)
    kind = format_of(path)
    if not path.exists():
        raise GridImportError([RowError(0, "", gettext("no such file: %(path)s") % {"path": path})])
    if kind == "geojson":
        return read_geojson(path.read_bytes())
    if kind == "shapefile":
        return read_shapefile(path)
    if kind == "csv":
        return read_csv(path.read_bytes())
    return read_excel(path)
