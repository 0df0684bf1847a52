from typing import Literal

from django.http import Http404
from django.utils.translation import gettext
from ninja import Query, Router, Schema
from ninja.errors import HttpError
from pydantic import Field

from gridgov.grids import selectors
from gridgov.grids.models import Grid
from gridgov.http.problems import Problem

router = Router(tags=["grids"])
ROUTERS = [("/grids", router)]  # mounted by gridgov.http.api


class GridRef(Schema):
    code: str
    name: str
    level: int


class LocateOut(Schema):
    grid: GridRef
    chain: list[GridRef]


class GridItem(GridRef):
    parent: str | None


class GridPage(Schema):
    count: int
    items: list[GridItem]


class BoundaryVersion(Schema):
    valid_from: str
    valid_to: str | None
    area_km2: float


class GridDetail(GridItem):
    parent_name: str | None
    kind: str
    households: int
    population: int
    active: bool
    valid_from: str
    valid_to: str | None
    children: int
    area_km2: float | None
    chain: list[GridRef]
    boundaries: list[BoundaryVersion]
    people: list[dict]


@router.get(
    "/locate", response={200: LocateOut, 400: Problem, 404: Problem}, summary="The grid chain of a point (网格定位)"
)
def locate(request, lon: float, lat: float, crs: Literal["wgs84", "gcj02"] = "wgs84"):
    try:
        return selectors.locate(lon, lat, crs).as_dict()
    except selectors.OutsideGrids as exc:
        raise HttpError(
            404,
            gettext(
                "(%(lon)s, %(lat)s) lies outside every grid: check the coordinates and their "
                "system (crs=wgs84 or gcj02)"
            )
            % {"lon": lon, "lat": lat},
        ) from exc


class ListFilters(Schema):
    level: int | None = None
    parent: str | None = None
    # bounds declared, so that a page out of range is a 422 like every other list's (cases, audit)
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0, le=10**9)  # a larger OFFSET overflows the database's integer (a 500, not a page)


def _item(g: Grid) -> dict:
    return {"code": g.code, "name": g.name, "level": g.level, "parent": g.parent.code if g.parent_id else None}


@router.get("", response={200: GridPage, 400: Problem}, summary="Grids by level and parent, paged")
def grid_list(request, filters: Query[ListFilters]):
    qs = selectors.grid_list(level=filters.level, parent=filters.parent)
    page = qs[filters.offset : filters.offset + filters.limit]
    return {"count": qs.count(), "items": [_item(g) for g in page]}


@router.get("/geojson", summary="Grids as a GeoJSON FeatureCollection (for maps)")
def grid_geojson(request, level: int | None = None, parent: str | None = None, simplify_m: float = 0.0):
    if level is None and parent is None:
        raise HttpError(400, gettext("give a level or a parent: the whole tree at once is too large for a map"))
    return selectors.grids_geojson(level=level, parent=parent, simplify_m=max(0.0, min(simplify_m, 100.0)))


@router.get("/{code}", response={200: GridDetail, 404: Problem}, summary="One grid")
def grid_detail(request, code: str):
    try:
        grid = selectors.grid_detail(code)
    except Grid.DoesNotExist:
        raise Http404(gettext("no grid with code %(code)s") % {"code": code}) from None
    return selectors.grid_summary(grid)
