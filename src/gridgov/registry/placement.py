"""Placing a registry record in a grid (落格), one rule for every kind:

1. a point (lon/lat, WGS-84 or GCJ-02) → the lowest grid that holds it (grids.selectors.locate, the
   process's STRtree locator); a point outside every grid is refused;
2. no point, a grid code given (an import's 网格 column, an admin's choice) → that grid, if active;
3. neither → the grid of the parent address (a 户 lies in its 单元's grid, a 单元 in its 楼栋's …);
4. none of these → refused: the record cannot be placed.

By address text (an import row with no point): the 小区 named in the text is looked up among the active
top-level addresses (find_compound); the levels below it then follow rule 3. A point wins over a parent
because a parent's point may stand for a large compound that straddles two grids.
"""

from __future__ import annotations

from django.utils.translation import gettext

from gridgov.core.errors import BadInput
from gridgov.core.geo import CoordinateError, point_to_wgs84
from gridgov.grids.models import Grid
from gridgov.grids.selectors import OutsideGrids, locate
from gridgov.registry.models import Address, AddressLevel


def active_grid(code: str) -> Grid:
    grid = Grid.objects.filter(code=code.strip(), valid_to__isnull=True).first()
    if grid is None:
        raise BadInput(gettext("there is no active grid %(code)s") % {"code": code})
    return grid


def wgs84_point(lon: float | None, lat: float | None, crs: str = "wgs84") -> tuple[float, float] | None:
    """The point in WGS-84, None when none was given; BadInput for half a point or a wrong one."""
    if lon is None and lat is None:
        return None
    if lon is None or lat is None:
        raise BadInput(gettext("give both longitude and latitude, or neither"))
    try:
        return point_to_wgs84(float(lon), float(lat), crs)
    except CoordinateError as exc:
        raise BadInput(str(exc)) from None


def place(*, point: tuple[float, float] | None = None, grid_code: str = "", parent: Address | None = None) -> Grid:
    """The grid a record belongs in, by the rule of the module docstring (point already WGS-84)."""
    if point is not None:
        try:
            code = locate(*point).grid.code
        except OutsideGrids:
            raise BadInput(
                gettext("the point (%(lon).6f, %(lat).6f) lies outside every grid") % {"lon": point[0], "lat": point[1]}
            ) from None
        return active_grid(code)
    if grid_code:
        return active_grid(grid_code)
    if parent is not None:
        return parent.grid
    raise BadInput(gettext("cannot place the record in a grid: give a point, a grid code or a parent address"))


def find_compound(name: str, *, grid_code: str = "") -> Address | None:
    """The active 小区 of that name (within the grid subtree when a code is given); None when there is
    none; BadInput when several grids have one of that name and no code says which."""
    qs = Address.objects.filter(parent__isnull=True, level=AddressLevel.COMPOUND, name=name.strip(), active=True)
    if grid_code:
        qs = qs.filter(grid__code__startswith=grid_code.strip())
    found = list(qs.select_related("grid")[:2])
    if len(found) > 1:
        raise BadInput(
            gettext("several compounds are called %(name)s: give the grid code to say which") % {"name": name}
        )
    return found[0] if found else None


def address_by_text(written: str, *, grid_code: str = "") -> Address | None:
    """The standard address an address as written names (an import row with no point): the active address of
    exactly that text, else the active 小区 whose name the text starts with (the longest such name), so that
    "幸福里南门12号" lies in 幸福里; None when neither is registered; BadInput when several grids have it."""
    written = written.strip()
    if not written:
        return None
    qs = Address.objects.filter(active=True)
    if grid_code:
        qs = qs.filter(grid__code__startswith=grid_code.strip())
    exact = list(qs.filter(full_text=written).select_related("grid")[:2])
    if not exact:
        names = qs.filter(parent__isnull=True, level=AddressLevel.COMPOUND).values_list("name", flat=True)
        prefixes = sorted({n for n in names if written.startswith(n)}, key=len)
        if not prefixes:
            return None
        exact = list(qs.filter(parent__isnull=True, name=prefixes[-1]).select_related("grid")[:2])
    if len(exact) > 1:
        raise BadInput(
            gettext("several grids have an address %(text)s: give the grid code to say which") % {"text": written}
        )
    return exact[0]
