"""Grid division from the registry (网格划分): a community's households → a proposal, and accepting it.

grids.division does the geometry; this module reads what it needs (the community's polygon, its current
三级网格, every active household's point: its address's, else the nearest address above it that has one)
and, on acceptance, writes through the grid services (import_grids: new grids and changed boundaries with
history; retire_grid: the grids the proposal replaces) and places the community's registry records in
the new grids. It lives here because grids may not read the registry (docs/architecture.md §2).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

import numpy as np
import shapely
from django.db import transaction
from django.utils.translation import gettext
from shapely.geometry import mapping

from gridgov.core import audit
from gridgov.core.errors import BadInput, Conflict, Forbidden, NotFound
from gridgov.grids.division import Division, divide
from gridgov.grids.models import Grid, Level
from gridgov.grids.selectors import current_geometries, locate_many
from gridgov.grids.services import GridInput, import_grids, retire_grid
from gridgov.grids.size_rules import rule_for
from gridgov.people.actors import Actor
from gridgov.registry.models import Address, Building, Household, Organisation, Resident

# the point of a household: its address's, else the nearest address above it with one (户 → 单元 → 楼栋 → 小区)
POINT_PATHS = ["address__", "address__parent__", "address__parent__parent__", "address__parent__parent__parent__"]


@dataclass
class ProposedGrid:
    code: str
    name: str
    households: list[int]  # Household ids
    polygon: shapely.Geometry
    compactness: float
    area_m2: float
    continues: str | None  # the current grid it continues (same code), None for a new grid
    kept: bool  # the current grid unchanged

    def as_dict(self) -> dict:
        return {
            "code": self.code,
            "name": self.name,
            "households": len(self.households),
            "compactness": self.compactness,
            "area_m2": self.area_m2,
            "continues": self.continues,
            "kept": self.kept,
        }


@dataclass
class Proposal:
    community: str
    name: str
    households: int  # with a point (the others cannot be placed and are counted in without_point)
    without_point: int
    low: int
    high: int
    grids: list[ProposedGrid]
    current: dict[str, shapely.Geometry]  # the current 三级网格, for the map
    retired: list[str]  # current grids the proposal replaces
    changed_households: int
    within_rule: bool
    seconds: float
    notes: list[str] = field(default_factory=list)

    @property
    def fingerprint(self) -> str:
        """Stands for the proposal's content: accepting checks that what was shown is what gets written."""
        text = "|".join(f"{g.code}:{','.join(map(str, g.households))}" for g in self.grids)
        return hashlib.sha256(text.encode()).hexdigest()[:16]

    def as_dict(self) -> dict:
        return {
            "community": self.community,
            "name": self.name,
            "households": self.households,
            "without_point": self.without_point,
            "rule": {"min": self.low, "max": self.high},
            "grids": [g.as_dict() for g in self.grids],
            "retired": self.retired,
            "changed_households": self.changed_households,
            "within_rule": self.within_rule,
            "notes": self.notes,
            "fingerprint": self.fingerprint,
            "seconds": round(self.seconds, 3),
        }

    def geojson(self) -> dict:
        return {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": mapping(g.polygon), "properties": g.as_dict()} for g in self.grids
            ],
        }

    def current_geojson(self) -> dict:
        return {
            "type": "FeatureCollection",
            "features": [
                {"type": "Feature", "geometry": mapping(geom), "properties": {"code": code}}
                for code, geom in sorted(self.current.items())
            ],
        }


def community_households(community: str) -> tuple[list[int], np.ndarray, list[str], int]:
    """Active households filed under a community: ids, (n, 2) lon/lat, current grid codes, and how many have
    no point at any level of their address."""
    fields = ["pk", "grid__code"] + [f"{p}{c}" for p in POINT_PATHS for c in ("lon", "lat")]
    rows = Household.objects.filter(active=True, grid__code__startswith=community).order_by("pk").values_list(*fields)
    ids, coords, codes, missing = [], [], [], 0
    for pk, code, *pairs in rows:
        point = next(((pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2) if pairs[i] is not None), None)
        if point is None:
            missing += 1
            continue
        ids.append(pk)
        coords.append(point)
        codes.append(code)
    return ids, np.asarray(coords, dtype=float).reshape(-1, 2), codes, missing


def _community(code: str) -> Grid:
    grid = Grid.objects.filter(code=code, valid_to__isnull=True).first()
    if grid is None or grid.level != Level.COMMUNITY:
        raise NotFound(
            gettext("there is no current community (二级网格) %(code)s: give a 12-digit code") % {"code": code}
        )
    return grid


def _free_codes(community: str, taken: set[str]):
    """Codes for new grids: the community's code and the lowest sequence numbers no grid ever had."""
    used = set(Grid.objects.filter(code__startswith=community, level=Level.GRID).values_list("code", flat=True))
    for seq in range(1, 1000):
        code = f"{community}{seq:03d}"
        if code not in used and code not in taken:
            yield code


def propose_division(*, community: str, seed: int = 0) -> Proposal:
    """A division of a community into 三级网格 within its area's size rule, from its registry households."""
    started = time.perf_counter()
    grid = _community(community)
    outline = current_geometries([community]).get(community)
    if outline is None:
        raise BadInput(gettext("community %(code)s has no boundary: import one first") % {"code": community})
    rule = rule_for(f"{community}001")
    if not rule.counted:
        raise BadInput(
            gettext("the grids of %(code)s are drawn by villager group, not by household count") % {"code": community}
        )
    ids, points, codes, missing = community_households(community)
    current_codes = list(
        Grid.objects.filter(parent=grid, level=Level.GRID, valid_to__isnull=True).values_list("code", flat=True)
    )
    current = current_geometries(current_codes)
    division: Division = divide(
        outline, points, low=rule.min, high=rule.max, current=codes, current_grids=current, seed=seed
    )
    names = dict(Grid.objects.filter(code__in=current_codes).values_list("code", "name"))
    taken = {c.current for c in division.cells if c.current}
    fresh = _free_codes(community, taken)
    proposed = []
    for cell in division.cells:
        code = cell.current or next(fresh)
        seq = int(code[-3:])
        name = names.get(code) or gettext("%(community)s grid %(n)d") % {"community": grid.name, "n": seq}
        proposed.append(
            ProposedGrid(
                code=code,
                name=name,
                households=[ids[h] for h in cell.households],
                polygon=cell.polygon,
                compactness=cell.compactness,
                area_m2=cell.area_m2,
                continues=cell.current,
                kept=cell.kept,
            )
        )
    return Proposal(
        community=community,
        name=grid.name,
        households=len(ids),
        without_point=missing,
        low=rule.min,
        high=rule.max,
        grids=proposed,
        current=current,
        retired=sorted(set(current_codes) - taken),
        changed_households=division.changed,
        within_rule=division.within_rule,
        seconds=time.perf_counter() - started,
        notes=_notes(division.notes),
    )


def _notes(notes: dict[str, int]) -> list[str]:
    said = []
    if notes.get("outside"):
        said.append(
            gettext("%(n)d household point(s) lie outside the community: they joined the nearest grid")
            % {"n": notes["outside"]}
        )
    if notes.get("detached"):
        said.append(
            gettext("%(n)d detached part(s) of the community without households joined the nearest grid")
            % {"n": notes["detached"]}
        )
    return said


@transaction.atomic
def accept_division(*, actor: Actor, community: str, seed: int = 0, fingerprint: str = "") -> dict:
    """Redraw a community's 三级网格 as proposed (接受划分方案): new grids and changed boundaries through
    import_grids (boundary history), replaced grids retired, the registry's records placed in the new grids,
    one audit event. Administrators only. `fingerprint`, when given, must match the proposal as computed now
    (the households moved since it was shown otherwise: Conflict)."""
    if not (actor.is_system or actor.is_admin):
        raise Forbidden(gettext("only administrators may redraw grids"))
    proposal = propose_division(community=community, seed=seed)
    if fingerprint and fingerprint != proposal.fingerprint:
        raise Conflict(gettext("the registry changed since the proposal was shown: look at the new proposal"))
    items = [
        GridInput(row=n + 1, code=g.code, name=g.name, households=len(g.households), geometry=g.polygon)
        for n, g in enumerate(proposal.grids)
    ]
    result = import_grids(items=items, actor=actor.user, source=f"division {community}")
    for code in proposal.retired:
        retire_grid(code=code, actor=actor.user)
    moved = _place_records(proposal)
    audit.record(
        actor=actor.user,
        action="registry.division.accept",
        object_type="grid",
        object_id=community,
        data={
            "as": actor.label,
            "seed": seed,
            "fingerprint": proposal.fingerprint,
            "grids": [g.code for g in proposal.grids],
            "created": result.created,
            "boundaries_changed": result.boundaries_changed,
            "retired": proposal.retired,
            "changed_households": proposal.changed_households,
            **moved,
        },
    )
    return {**proposal.as_dict(), "created": result.created, "boundaries_changed": result.boundaries_changed, **moved}


def _place_records(proposal: Proposal) -> dict[str, int]:
    """Households (and their residents) to the grid the proposal gave them; addresses, buildings and
    organisations of the community by their point (the nearest one up their address), through the locator,
    which sees the new tree in this transaction. Records without any point stay where they are, unless their
    grid was retired: then they go with their parent address, or stay (and `unplaced` counts them)."""
    grids = {g.code: g.pk for g in Grid.objects.filter(code__in=[p.code for p in proposal.grids])}
    moved = {"households": 0, "residents": 0, "addresses": 0, "buildings": 0, "organisations": 0}
    for g in proposal.grids:
        hh = Household.objects.filter(pk__in=g.households).exclude(grid_id=grids[g.code])
        moved["households"] += hh.update(grid_id=grids[g.code])
        moved["residents"] += (
            Resident.objects.filter(household_id__in=g.households, active=True)
            .exclude(grid_id=grids[g.code])
            .update(grid_id=grids[g.code])
        )
    ours = Address.objects.filter(grid__code__startswith=proposal.community)
    fields = ["pk"] + [f"{p[len('address__') :]}{c}" for p in POINT_PATHS for c in ("lon", "lat")]
    rows = list(ours.values_list(*fields))
    located: dict[int, str] = {}
    with_point = []
    for pk, *pairs in rows:
        point = next(((pairs[i], pairs[i + 1]) for i in range(0, len(pairs), 2) if pairs[i] is not None), None)
        if point is not None:
            with_point.append((pk, point))
    if with_point:
        codes = locate_many([p for _, p in with_point])
        located = {
            pk: code for (pk, _), code in zip(with_point, codes, strict=True) if code is not None and code in grids
        }
    by_grid: dict[str, list[int]] = {}
    for pk, code in located.items():
        by_grid.setdefault(code, []).append(pk)
    for code, pks in by_grid.items():
        moved["addresses"] += (
            Address.objects.filter(pk__in=pks).exclude(grid_id=grids[code]).update(grid_id=grids[code])
        )
        moved["buildings"] += (
            Building.objects.filter(address_id__in=pks).exclude(grid_id=grids[code]).update(grid_id=grids[code])
        )
    orgs = Organisation.objects.filter(grid__code__startswith=proposal.community, active=True)
    org_rows = list(orgs.values_list("pk", "lon", "lat", "address_id"))
    org_points = [(pk, (lon, lat)) for pk, lon, lat, _ in org_rows if lon is not None]
    if org_points:
        for (pk, _), found in zip(org_points, locate_many([p for _, p in org_points]), strict=True):
            if found is not None and found in grids:
                moved["organisations"] += (
                    Organisation.objects.filter(pk=pk).exclude(grid_id=grids[found]).update(grid_id=grids[found])
                )
    for pk, lon, _, address_id in org_rows:
        if lon is None and address_id in located:
            code = located[address_id]
            moved["organisations"] += (
                Organisation.objects.filter(pk=pk).exclude(grid_id=grids[code]).update(grid_id=grids[code])
            )
    retired = set(proposal.retired)
    moved["unplaced"] = sum(
        qs.filter(grid__code__in=retired).count()
        for qs in (
            Address.objects.all(),
            Household.objects.filter(active=True),
            Organisation.objects.filter(active=True),
        )
    )
    return moved
