"""Template tags of the maps: the small map on every case page (web/_case_map.html)."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils.dateparse import parse_datetime
from shapely.geometry import mapping

from gridgov.grids import selectors as grid_selectors

register = template.Library()


def _get(case, name: str):
    return case.get(name) if isinstance(case, dict) else getattr(case, name, None)


@register.simple_tag
def case_map_data(case) -> dict | None:
    """The case's point and its grid's outline for the case map: `{point: [lon, lat], grid: {code, name},
    shape}` (WGS-84 GeoJSON geometry). The grid's current boundary, or the one it had when the case was
    reported if it has been retired or redrawn since. `case` is a Case or a selectors view of one."""
    lon, lat = _get(case, "lon"), _get(case, "lat")
    grid = _get(case, "grid")
    if lon is None or lat is None or grid is None:
        return None
    code, name = (grid["code"], grid["name"]) if isinstance(grid, dict) else (grid.code, grid.name)
    geom = grid_selectors.current_geometries([code]).get(code)
    if geom is None:
        reported = _get(case, "reported_at")
        when = parse_datetime(reported) if isinstance(reported, str) else reported
        geom = grid_selectors.boundary_at(code, when) if isinstance(when, datetime) else None
    return {
        "point": [lon, lat],
        "grid": {"code": code, "name": name},
        "shape": mapping(geom) if geom is not None else None,
    }
