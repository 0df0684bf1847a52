"""Writes to the grid tree. Every change bumps TreeVersion and writes an audit event."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime

import shapely
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.core import audit, geo
from gridgov.core.errors import BadInput, Conflict, NotFound
from gridgov.core.rows import RowError
from gridgov.grids.models import CODE_LENGTH, LEVEL_OF_LENGTH, Grid, GridBoundary, Kind, TreeVersion

KIND_ALIASES = {
    "综合": Kind.COMPREHENSIVE,
    "综合网格": Kind.COMPREHENSIVE,
    "专属": Kind.DEDICATED,
    "专属网格": Kind.DEDICATED,
    "": Kind.COMPREHENSIVE,
}


@dataclass
class GridInput:
    """One grid as read from a file, before validation; `row` is its row or feature number."""

    row: int
    code: str
    name: str = ""
    level: int | None = None
    parent: str | None = None
    households: int | None = None
    population: int | None = None
    kind: str | None = None
    geometry: shapely.Geometry | None = None


class GridImportError(ValueError):
    """The file has errors; nothing was written."""

    def __init__(self, errors: list[RowError]):
        self.errors = errors
        super().__init__(f"{len(errors)} row(s) with errors; nothing was imported")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    boundaries_changed: int = 0
    codes: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "boundaries_changed": self.boundaries_changed,
            "errors": [],
        }


def canonical_geometry(geom: shapely.Geometry) -> shapely.Geometry:
    """One stored form whatever the file: a one-part MultiPolygon is a Polygon (Shapefiles cannot
    tell them apart) and exteriors run counter-clockwise (RFC 7946), so round trips compare equal."""
    if geom.geom_type == "MultiPolygon" and len(geom.geoms) == 1:
        geom = geom.geoms[0]
    if geom.geom_type in ("Polygon", "MultiPolygon") and geom.is_valid:
        geom = shapely.orient_polygons(geom)
    return geom


def bump_tree_version() -> None:
    """Tell every process that the tree changed (their locators rebuild on next use)."""
    stamp = uuid.uuid4().hex
    updated = TreeVersion.objects.filter(pk=1).update(version=F("version") + 1, stamp=stamp, changed_at=timezone.now())
    if not updated:
        TreeVersion.objects.create(pk=1, version=1, stamp=stamp)


def _validate(items: list[GridInput], existing: dict[str, Grid]) -> list[RowError]:
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    in_file = {item.code for item in items}

    for item in items:

        def fail(message: str, item: GridInput = item) -> None:  # bound to this row
            errors.append(RowError(item.row, item.code, message))

        code = item.code
        if not code or not code.isdigit() or len(code) not in LEVEL_OF_LENGTH:
            fail(
                gettext("code %(code)r must be 6, 9, 12, 15 or 18 digits (district, level 1, 2, 3 grid, micro-grid)")
                % {"code": code}
            )
            continue
        level = LEVEL_OF_LENGTH[len(code)]
        if item.level is not None and item.level != level:
            fail(
                gettext("level %(given)s does not match the %(digits)d-digit code (level %(level)d)")
                % {"given": item.level, "digits": len(code), "level": level}
            )
        if code in seen:
            fail(
                gettext("code %(code)s appears twice (rows %(first)s and %(second)s)")
                % {"code": code, "first": seen[code], "second": item.row}
            )
        seen[code] = item.row
        if not item.name and code not in existing:
            fail(gettext("name is empty"))
        expected_parent = code[: CODE_LENGTH[level - 1]] if level > 0 else None
        if item.parent and item.parent != expected_parent:
            fail(
                gettext("parent %(parent)s is not the prefix of code %(code)s (expected %(expected)s)")
                % {"parent": item.parent, "code": code, "expected": expected_parent}
            )
        if expected_parent and expected_parent not in in_file and expected_parent not in existing:
            fail(gettext("parent %(parent)s is neither in this file nor in the database") % {"parent": expected_parent})
        for label, value in ((gettext("households"), item.households), (gettext("population"), item.population)):
            if value is not None and value < 0:
                fail(gettext("%(field)s must not be negative") % {"field": label})
        if item.kind is not None and item.kind not in Kind.values and item.kind not in KIND_ALIASES:
            fail(gettext("kind %(kind)r must be comprehensive or dedicated") % {"kind": item.kind})
        geom = item.geometry
        if geom is None:
            continue
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            fail(gettext("geometry must be a Polygon or MultiPolygon, not %(type)s") % {"type": geom.geom_type})
        elif geom.is_empty:
            fail(gettext("geometry is empty"))
        else:
            xmin, ymin, xmax, ymax = geom.bounds
            if xmin < -180 or xmax > 180 or ymin < -90 or ymax > 90:
                fail(
                    gettext("coordinates out of range (bounds %(bounds)s); longitude comes first, then latitude")
                    % {"bounds": f"{xmin:.6f},{ymin:.6f},{xmax:.6f},{ymax:.6f}"}
                )
            elif not geom.is_valid:
                fail(gettext("invalid polygon: %(reason)s") % {"reason": shapely.is_valid_reason(geom)})
    return errors


def _boundary(grid: Grid, geom: shapely.Geometry, valid_from: datetime) -> GridBoundary:
    xmin, ymin, xmax, ymax = geom.bounds
    return GridBoundary(
        grid=grid,
        wkb=shapely.to_wkb(geom),
        min_lon=xmin,
        min_lat=ymin,
        max_lon=xmax,
        max_lat=ymax,
        area_m2=geo.area_m2(geom),
        valid_from=valid_from,
    )


@transaction.atomic
def import_grids(
    *, items: list[GridInput], crs: str = "wgs84", actor=None, source: str = "", valid_from: datetime | None = None
) -> ImportResult:
    """Create or update grids from a file (网格导入): all rows or none.

    A changed polygon closes the current boundary and opens a new one (boundary history); a row
    without geometry keeps the grid's polygon (an Excel roster updates names and households).
    """
    now = valid_from or timezone.now()
    if crs not in geo.CRS_CHOICES:
        raise GridImportError(
            [RowError(0, "", gettext("unknown coordinate system %(crs)r: use wgs84 or gcj02") % {"crs": crs})]
        )
    for item in items:
        item.code = (item.code or "").strip()
        if item.geometry is not None:
            item.geometry = canonical_geometry(geo.geometry_to_wgs84(item.geometry, crs))
    codes = [i.code for i in items]
    prefixes = {
        c[: CODE_LENGTH[LEVEL_OF_LENGTH[len(c)] - 1]] for c in codes if len(c) in LEVEL_OF_LENGTH and len(c) > 6
    }
    existing = {g.code: g for g in Grid.objects.filter(code__in=set(codes) | prefixes)}
    errors = _validate(items, existing)
    if errors:
        raise GridImportError(errors)

    result = ImportResult()
    current = {b.grid_id: b for b in GridBoundary.objects.filter(grid__code__in=codes, valid_to__isnull=True)}
    new_boundaries: list[GridBoundary] = []
    closed_boundaries: list[GridBoundary] = []
    changed: list[Grid] = []  # existing grids whose attributes changed
    touched: set[str] = set()  # existing grids changed in any way
    for item in sorted(items, key=lambda i: len(i.code)):  # parents before children
        level = LEVEL_OF_LENGTH[len(item.code)]
        parent = existing.get(item.code[: CODE_LENGTH[level - 1]]) if level else None
        kind = KIND_ALIASES.get(item.kind, item.kind) if item.kind is not None else None
        grid = existing.get(item.code)
        is_new = grid is None
        if grid is None:
            grid = Grid.objects.create(
                code=item.code,
                name=item.name,
                level=level,
                parent=parent,
                kind=kind or Kind.COMPREHENSIVE,
                households=item.households or 0,
                population=item.population or 0,
                valid_from=now,
            )
            existing[grid.code] = grid
            result.created += 1
        else:
            before = (grid.name, grid.parent_id, grid.kind, grid.households, grid.population, grid.valid_to)
            grid.name = item.name or grid.name
            grid.parent = parent
            grid.kind = kind or grid.kind
            grid.households = grid.households if item.households is None else item.households
            grid.population = grid.population if item.population is None else item.population
            grid.valid_to = None  # importing a retired code brings it back
            if before != (grid.name, grid.parent_id, grid.kind, grid.households, grid.population, grid.valid_to):
                changed.append(grid)
                touched.add(grid.code)
        if item.geometry is not None:
            old = current.get(grid.pk)
            if old is None or not shapely.equals_exact(shapely.from_wkb(bytes(old.wkb)), item.geometry, 1e-9):
                if old is not None:
                    old.valid_to = now
                    closed_boundaries.append(old)
                new_boundaries.append(_boundary(grid, item.geometry, now))
                result.boundaries_changed += 1
                if not is_new:
                    touched.add(grid.code)
        result.codes.append(grid.code)
    result.updated = len(touched)
    result.unchanged = len(items) - result.created - result.updated
    if changed:
        Grid.objects.bulk_update(changed, ["name", "parent", "kind", "households", "population", "valid_to"])
    if closed_boundaries:
        GridBoundary.objects.bulk_update(closed_boundaries, ["valid_to"])
    GridBoundary.objects.bulk_create(new_boundaries, batch_size=500)
    if result.created or result.updated:
        bump_tree_version()
    audit.record(
        actor=actor,
        action="grids.import",
        object_type="grid_tree",
        object_id="",
        data={"source": source, "crs": crs, **result.as_dict()},
    )
    return result


@transaction.atomic
def retire_grid(*, code: str, actor=None, when: datetime | None = None) -> Grid:
    """Retire a grid and its subtree (撤销网格); cases filed in them keep pointing at them.

    NotFound for an unknown code, Conflict for a grid retired already (an import brings one back).
    """
    when = when or timezone.now()
    grid = Grid.objects.select_for_update().filter(code=code).first()
    if grid is None:
        raise NotFound(gettext("no grid with code %(code)s") % {"code": code})
    if grid.valid_to is not None:
        raise Conflict(gettext("grid %(code)s is retired: import it to bring it back") % {"code": code})
    subtree = Grid.objects.filter(code__startswith=code, valid_to__isnull=True)
    GridBoundary.objects.filter(grid__in=subtree, valid_to__isnull=True).update(valid_to=when)
    count = subtree.update(valid_to=when)
    bump_tree_version()
    audit.record(actor=actor, action="grids.retire", object_type="grid", object_id=code, data={"retired": count})
    grid.refresh_from_db()
    return grid


@transaction.atomic
def edit_grid(
    *,
    code: str,
    name: str,
    kind: str,
    households: int,
    population: int,
    geometry: shapely.Geometry | None = None,
    actor=None,
) -> ImportResult:
    """Change one current grid's attributes and, when `geometry` is given, its polygon (网格编辑, the admin form).

    The same checks and boundary history as an import of one row: a new polygon closes the old boundary and
    opens a new one, and any change bumps the tree version so every process's locator sees it. A retired grid
    is refused: bringing one back is an import.
    """
    grid = Grid.objects.select_for_update().filter(code=code).first()
    if grid is None:
        raise BadInput(gettext("grid %(code)s does not exist: new grids come from an import") % {"code": code})
    if grid.valid_to is not None:
        raise BadInput(gettext("grid %(code)s is retired: import it to bring it back") % {"code": code})
    item = GridInput(
        row=1,
        code=code,
        name=(name or "").strip(),
        households=households,
        population=population,
        kind=kind,
        geometry=geometry,
    )
    if not item.name:
        raise BadInput(gettext("name is empty"))
    return import_grids(items=[item], actor=actor, source=f"admin edit {code}")
