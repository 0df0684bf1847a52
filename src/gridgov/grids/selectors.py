"""Reads of the grid tree."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import shapely
from django.db.models import QuerySet
from shapely.geometry import mapping

from gridgov.core import geo
from gridgov.core.timefmt import iso
from gridgov.grids.locator import GridNode, Locator, current_locator
from gridgov.grids.models import Grid, GridBoundary, TreeVersion

# Parts of a grid's summary that higher apps add, by key: callable(grid code) -> value. A hook, not an import
# upward (docs/architecture.md §2): people fills "people" (the public board) in its AppConfig.ready().
SUMMARY_PARTS: dict[str, Callable[[str], object]] = {}


def tree_version() -> str:
    # read on every report (the locator's staleness check): plain SQL, the ORM's compile costs more than the read
    from django.db import connection

    table, stamp = connection.ops.quote_name(TreeVersion._meta.db_table), connection.ops.quote_name("stamp")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {stamp} FROM {table} WHERE id = 1")
        row = cursor.fetchone()
    return (row[0] if row else None) or "initial"


def active_grids() -> QuerySet[Grid]:
    return Grid.objects.filter(valid_to__isnull=True)


def current_boundaries() -> QuerySet[GridBoundary]:
    return GridBoundary.objects.filter(valid_to__isnull=True, grid__valid_to__isnull=True)


def current_geometries(codes: list[str] | None = None) -> dict[str, shapely.Geometry]:
    qs = current_boundaries()
    if codes is not None:
        qs = qs.filter(grid__code__in=codes)
    rows = list(qs.values_list("grid__code", "wkb"))
    geoms = shapely.from_wkb([bytes(w) for _, w in rows]) if rows else []
    return {code: g for (code, _), g in zip(rows, geoms, strict=True)}


def load_nodes() -> list[GridNode]:
    rows = active_grids().values_list("code", "name", "level", "parent__code")
    return [GridNode(code, name, level, parent) for code, name, level, parent in rows]


def load_locator(version: str) -> Locator:
    return Locator(load_nodes(), current_geometries(), version=version)


class OutsideGrids(LookupError):
    """The point lies outside every grid."""


@dataclass(frozen=True)
class Located:
    grid: GridNode
    chain: list[GridNode]

    def as_dict(self) -> dict:
        return {"grid": self.grid.as_dict(), "chain": [n.as_dict() for n in self.chain]}


def locate(lon: float, lat: float, crs: str = "wgs84") -> Located:
    """The lowest grid that holds a point, with its chain from the top (网格定位)."""
    x, y = geo.point_to_wgs84(lon, lat, crs)
    locator = current_locator()
    code = locator.locate(x, y)
    if code is None:
        raise OutsideGrids(f"({lon}, {lat}) lies outside every grid")
    chain = locator.chain(code)
    return Located(grid=chain[-1], chain=chain)


def locate_many(coords, crs: str = "wgs84") -> list[str | None]:
    """Codes of the lowest grids for an (N, 2) array of lon/lat; None outside every grid."""
    coords = geo.to_wgs84(np.asarray(coords, dtype=float).reshape(-1, 2), crs)
    return current_locator().locate_codes(coords)


def grid_list(*, level: int | None = None, parent: str | None = None) -> QuerySet[Grid]:
    qs = active_grids().select_related("parent")
    if level is not None:
        qs = qs.filter(level=level)
    if parent is not None:
        qs = qs.filter(parent__code=parent)
    return qs.order_by("code")


def grid_detail(code: str) -> Grid:
    """Raises Grid.DoesNotExist for an unknown code (retired grids are still found)."""
    return Grid.objects.select_related("parent").get(code=code)


def subtree(root: str | None = None) -> QuerySet[Grid]:
    """Active grids under a code (codes nest: a child's code starts with its parent's)."""
    qs = active_grids()
    return qs.filter(code__startswith=root) if root else qs


def grids_geojson(*, level: int | None = None, parent: str | None = None, simplify_m: float = 0.0) -> dict:
    """A FeatureCollection of current grids for the map, optionally simplified for display."""
    grids = list(grid_list(level=level, parent=parent))
    geoms = current_geometries([g.code for g in grids])
    tolerance = simplify_m / 111_000.0
    features = []
    for g in grids:
        geom = geoms.get(g.code)
        if geom is None:
            continue
        if tolerance:
            geom = shapely.simplify(geom, tolerance, preserve_topology=True)
        features.append(
            {
                "type": "Feature",
                "geometry": mapping(geom),
                "properties": grid_properties(g),
            }
        )
    return {"type": "FeatureCollection", "features": features}


def grid_properties(grid: Grid) -> dict:
    """The exchange properties of a grid (GeoJSON, Shapefile, Excel all share them)."""
    return {
        "code": grid.code,
        "name": grid.name,
        "level": grid.level,
        "parent": grid.parent.code if grid.parent_id else None,
        "households": grid.households,
        "population": grid.population,
        "kind": grid.kind,
    }


def boundary_at(code: str, when) -> shapely.Geometry | None:
    """The polygon a grid had at a moment (boundary history: old cases keep their grid's shape)."""
    row = (
        GridBoundary.objects.filter(grid__code=code, valid_from__lte=when)
        .exclude(valid_to__lte=when)
        .order_by("-valid_from")
        .values_list("wkb", flat=True)
        .first()
    )
    return shapely.from_wkb(bytes(row)) if row is not None else None


def grid_summary(grid: Grid) -> dict:
    """Everything the API and pages show about one grid."""
    history = list(grid.boundaries.order_by("valid_from").values("valid_from", "valid_to", "area_m2"))
    current = next((b for b in history if b["valid_to"] is None), None)
    chain = []
    node = grid
    while node is not None:
        chain.append({"code": node.code, "name": node.name, "level": node.level})
        node = node.parent
    return {
        **grid_properties(grid),
        "parent_name": grid.parent.name if grid.parent_id else None,
        "active": grid.valid_to is None,
        "valid_from": iso(grid.valid_from),
        "valid_to": iso(grid.valid_to),
        "children": grid.children.filter(valid_to__isnull=True).count(),
        "area_km2": round(current["area_m2"] / 1e6, 4) if current else None,
        "chain": chain[::-1],
        "boundaries": [
            {
                "valid_from": iso(b["valid_from"]),
                "valid_to": iso(b["valid_to"]),
                "area_km2": round(b["area_m2"] / 1e6, 4),
            }
            for b in history
        ],
        **{key: part(grid.code) for key, part in SUMMARY_PARTS.items()},
    }


def search_grids(text: str, *, within: list[str], limit: int = 20) -> list[Grid]:
    """Active grids under any of the codes `within` whose name contains `text` or whose code starts with
    it, for a picker: exact names first, then names starting with the text, then the rest; higher
    levels first within each group."""
    from django.db.models import Case, IntegerField, Q, Value, When

    text = (text or "").strip()
    if not text or not within or limit <= 0:
        return []
    scope = Q(pk__in=[])
    for code in within:
        scope |= Q(code__startswith=code)
    rank = Case(
        When(name=text, then=Value(0)),
        When(name__startswith=text, then=Value(1)),
        When(name__icontains=text, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    qs = active_grids().filter(scope).filter(Q(name__icontains=text) | Q(code__startswith=text))
    return list(qs.select_related("parent").annotate(rank=rank).order_by("rank", "level", "code")[:limit])


def representative_point(code: str) -> tuple[float, float] | None:
    """A point inside a grid's current boundary (its point on surface: inside even for concave shapes),
    lon/lat WGS84; for a case placed by its grid alone. None for a grid without a boundary."""
    geometry = current_geometries([code]).get(code)
    if geometry is None or geometry.is_empty:
        return None
    point = shapely.point_on_surface(geometry)
    return point.x, point.y
