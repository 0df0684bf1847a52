"""Grid division (网格划分): a community's households → proposed 三级网格 within the area's size rule.

Pure geometry, no database: the community polygon, the household points (with their current grid) and the
rule (min, max) in; cells out, each one Polygon inside the community holding min..max households (where a
community is in several pieces, a detached piece without households joins the nearest grid, which is then
in two pieces: there is no other grid it could be in).

How: every distinct address point gets its Voronoi cell clipped to the community (an atom; a clipped cell
that falls apart leaves weightless atoms, which is how empty areas are covered too); atoms sharing an edge
are neighbours. A region (a connected set of atoms) that should hold k grids is cut in two by a sweep
along one of several directions, at the household count that leaves each side feasible (k₁·min … k₁·max),
and then repaired so that both sides are connected (the smaller pieces of a side join the other side,
twice — after that both are connected, see grids/bisection.py); of the candidates the one that splits fewest
current grids and leaves the most compact sides wins. The union of a connected set of edge-sharing atoms
is one Polygon. Fewest changes: current grids that hold min..max households and are one Polygon inside
the community are kept as they are, and only the rest of the community is divided (a piece of the rest
too small to stand alone takes in the kept grid beside it). Deterministic for a seed (the seed turns the
set of sweep directions).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

from gridgov.grids.bisection import divide_region

EARTH = 6_371_008.8

# The services that read the registry's households, by name ("propose", "accept_as_system"): the registry fills
# them in its AppConfig.ready() so that `gridgov grids propose` can call them (a hook, not an import upward:
# docs/architecture.md §2).
SERVICES: dict[str, Callable[..., Any]] = {}


@dataclass
class Cell:
    """One proposed grid: its polygon (lon/lat), the indices of its households, and the current grid it
    continues (the one it shares most households with, each current grid continued at most once)."""

    polygon: shapely.Polygon
    households: list[int]
    current: str | None = None
    kept: bool = False  # a current grid kept exactly as it was
    compactness: float = 0.0  # Polsby–Popper 4πA/P², 1 for a circle
    area_m2: float = 0.0


@dataclass
class Division:
    cells: list[Cell]
    changed: int  # households whose proposed grid is not their current one
    within_rule: bool  # every cell holds min..max (False only where the counts make it impossible)
    # what could not be done as asked, by kind: "outside" (household points outside the community, joined
    # to the nearest grid), "detached" (parts of the community without households and without a neighbour,
    # joined to the nearest grid, which is then in more than one piece, as the community is)
    notes: dict[str, int] = field(default_factory=dict)

    def cell_of(self, n: int) -> list[int]:
        """The cell index of each household (-1 for none)."""
        out = [-1] * n
        for i, cell in enumerate(self.cells):
            for h in cell.households:
                out[h] = i
        return out


def cell_count(total: int, low: int, high: int) -> int:
    """How many grids `total` households make: the count whose mean is nearest the middle of the rule among
    those that keep every grid within it; where none does (e.g. 501–599 for 300–500), the least violation."""
    if total <= high:
        return 1
    lo_k, hi_k = math.ceil(total / high), total // max(low, 1)
    if lo_k <= hi_k:
        return min(max(round(total / ((low + high) / 2)), lo_k), hi_k)
    over = (total / (lo_k - 1) - high) / high if lo_k > 1 else math.inf
    under = (low - total / lo_k) / low
    return lo_k - 1 if over <= under else lo_k


def feasible(total: int, low: int, high: int) -> bool:
    """Whether `total` households can be divided into grids of low..high each (or are fewer than low: one)."""
    k = cell_count(total, low, high)
    return total < low or k * low <= total <= k * high


# --- projection: the algorithm works in local metres ---------------------------------------------------------


class _Frame:
    def __init__(self, geom: shapely.Geometry):
        c = shapely.centroid(geom)
        self.lon0, self.lat0 = c.x, c.y
        self.kx = math.radians(1) * EARTH * math.cos(math.radians(self.lat0))
        self.ky = math.radians(1) * EARTH

    def to_m(self, coords: np.ndarray) -> np.ndarray:
        return np.column_stack(((coords[:, 0] - self.lon0) * self.kx, (coords[:, 1] - self.lat0) * self.ky))

    def geom_to_m(self, geom: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(geom, self.to_m)

    def geom_to_deg(self, geom: shapely.Geometry) -> shapely.Geometry:
        return shapely.transform(
            geom, lambda xy: np.column_stack((xy[:, 0] / self.kx + self.lon0, xy[:, 1] / self.ky + self.lat0))
        )


def polsby_popper(geom: shapely.Geometry) -> float:
    length = shapely.length(geom)
    return float(4 * math.pi * shapely.area(geom) / length**2) if length else 0.0


# --- the division --------------------------------------------------------------------------------------------


def divide(
    community: shapely.Geometry,
    points: np.ndarray,
    *,
    low: int,
    high: int,
    current: Sequence[str | None] | None = None,
    current_grids: dict[str, shapely.Geometry] | None = None,
    seed: int = 0,
) -> Division:
    """Propose 三级网格 for a community (lon/lat polygon) from household points ((n, 2) lon/lat), rule low..high.

    `current[i]` is household i's current grid code (or None); `current_grids` their polygons: those holding
    low..high households in one piece inside the community are kept. Deterministic for a seed.
    """
    points = np.asarray(points, dtype=float).reshape(-1, 2)
    n = len(points)
    cur = np.asarray([c or "" for c in (current or [None] * n)], dtype=object)
    frame = _Frame(community)
    area = shapely.make_valid(frame.geom_to_m(community))
    area = shapely.union_all([p for p in shapely.get_parts(area) if p.geom_type == "Polygon"])
    pts = frame.to_m(points) if n else np.empty((0, 2))
    notes: dict[str, int] = {}

    kept: dict[str, shapely.Geometry] = {}
    exact: dict[str, shapely.Geometry] = {}
    for code, geom in sorted((current_grids or {}).items()):
        g = shapely.intersection(frame.geom_to_m(geom), area)
        g = _polygonal(g)
        if g.is_empty:
            continue
        if kept:
            g = _polygonal(shapely.difference(g, shapely.union_all(list(kept.values()))))
        inside = int(shapely.contains_xy(g, pts[:, 0], pts[:, 1]).sum()) if n else 0
        # one piece, or one piece with households and detached crumbs without (a border clipped to the district)
        lived = [p for p in shapely.get_parts(g) if n and shapely.contains_xy(p, pts[:, 0], pts[:, 1]).any()]
        if len(lived) <= 1 and low <= inside <= high:
            kept[code] = g
            exact[code] = geom  # returned as given (not through the projection and back) while unchanged

    # a piece of the rest that cannot stand alone takes in the kept grid beside it, until every piece can
    while True:
        rest = _polygonal(shapely.difference(area, shapely.union_all(list(kept.values())))) if kept else area
        pieces = [p for p in shapely.get_parts(rest) if p.area > 1.0]
        trouble = None
        for piece in pieces:
            count = int(shapely.contains_xy(piece, pts[:, 0], pts[:, 1]).sum()) if n else 0
            if count and not feasible(count, low, high):
                trouble = piece
                break
        if trouble is None or not kept:
            break
        touching = [(shapely.length(shapely.intersection(trouble.boundary, g.boundary)), c) for c, g in kept.items()]
        length, code = max(touching)
        if length <= 0:
            break
        del kept[code]

    # each household to a kept grid or a piece of the rest
    owner = np.full(n, -1)
    kept_codes = sorted(kept)
    for i, code in enumerate(kept_codes):
        hit = shapely.contains_xy(kept[code], pts[:, 0], pts[:, 1]) & (owner < 0)
        owner[hit] = i
    piece_of = np.full(n, -1)
    for j, piece in enumerate(pieces):
        hit = shapely.contains_xy(piece, pts[:, 0], pts[:, 1]) & (owner < 0) & (piece_of < 0)
        piece_of[hit] = j
    stray = np.nonzero((owner < 0) & (piece_of < 0))[0]  # on a border or outside the community: the nearest
    shapes = [kept[c] for c in kept_codes] + pieces
    if len(stray) and shapes:
        tree = shapely.STRtree(shapes)
        nearest = tree.query_nearest(shapely.points(pts[stray]), return_distance=False)[1]
        for s, t in zip(stray, nearest, strict=True):
            if t < len(kept_codes):
                owner[s] = t
            else:
                piece_of[s] = t - len(kept_codes)
        far = int((~shapely.contains_xy(area, pts[stray, 0], pts[stray, 1])).sum())
        if far:
            notes["outside"] = far

    raw: list[tuple[shapely.Geometry, list[int], str | None]] = []
    for i, code in enumerate(kept_codes):
        raw.append((kept[code], np.nonzero(owner == i)[0].tolist(), code))
    empty: list[shapely.Geometry] = []
    for j, piece in enumerate(pieces):
        idx = np.nonzero(piece_of == j)[0].tolist()
        if not idx and (raw or j != 0 or len(pieces) > 1):
            empty.append(piece)  # no households: joins the neighbour it shares most border with
            continue
        k = cell_count(len(idx), low, high)
        for geom, members in divide_region(piece, pts, idx, k=k, low=low, high=high, current=cur, seed=seed + j):
            raw.append((geom, members, None))
    for piece in empty:
        if not raw:
            raw.append((piece, [], None))
            continue
        shared = [shapely.length(shapely.intersection(piece.boundary, g.boundary)) for g, _, _ in raw]
        best = int(np.argmax(shared))
        if shared[best] <= 0:  # a detached crumb: the nearest grid takes it (in two pieces, as the community is)
            notes["detached"] = notes.get("detached", 0) + 1
            best = int(np.argmin([shapely.distance(piece, g) for g, _, _ in raw]))
        geom, members, grown = raw[best]
        raw[best] = (_polygonal(shapely.union_all([geom, piece])), members, grown)
        exact.pop(grown or "", None)
    whole = shapely.make_valid(community)
    for code, geom in list(exact.items()):
        if not shapely.covers(whole, geom):
            exact[code] = _polygonal(shapely.intersection(geom, whole))
        if exact[code].is_empty:
            del exact[code]
    return _finish(raw, cur, frame, low, high, notes, exact)


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    parts = [p for p in shapely.get_parts(geom) if p.geom_type == "Polygon" and p.area > 1e-6]
    if not parts:
        return shapely.Polygon()
    return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)


def _finish(raw, cur: np.ndarray, frame: _Frame, low: int, high: int, notes: dict[str, int], exact: dict) -> Division:
    """Name the cells after the current grids they continue (most shared households first) and count changes."""
    pairs = []
    for i, (_, members, code) in enumerate(raw):
        if code is None:
            for grid, shared in Counter(cur[members]).items():
                if grid:
                    pairs.append((-shared, grid, i))
    taken_codes = {code for _, _, code in raw if code}
    names: dict[int, str] = {}
    for _, grid, i in sorted(pairs):
        if i not in names and grid not in taken_codes:
            names[i] = grid
            taken_codes.add(grid)
    cells = []
    changed = 0
    for i, (geom, members, code) in enumerate(raw):
        name = code or names.get(i)
        changed += int(sum(1 for c in cur[members] if c != (name or "")))
        cells.append(
            Cell(
                polygon=shapely.orient_polygons(exact[code] if code in exact else frame.geom_to_deg(geom)),
                households=sorted(int(m) for m in members),
                current=name,
                kept=code is not None,
                compactness=round(polsby_popper(geom), 4),
                area_m2=round(float(shapely.area(geom)), 1),
            )
        )
    cells.sort(key=lambda c: (c.current is None, c.current or "", -c.polygon.centroid.y, c.polygon.centroid.x))
    total = sum(len(c.households) for c in cells)
    within = all(low <= len(c.households) <= high for c in cells) or (total < low and len(cells) == 1)
    return Division(cells=cells, changed=changed, within_rule=within, notes=notes)
