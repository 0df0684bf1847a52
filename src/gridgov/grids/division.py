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
twice — after that both are connected, see _repair); of the candidates the one that splits fewest
current grids and leaves the most compact sides wins. The union of a connected set of edge-sharing atoms
is one Polygon. Fewest changes: current grids that hold min..max households and are one Polygon inside
the community are kept as they are, and only the rest of the community is divided (a piece of the rest
too small to stand alone takes in the kept grid beside it). Deterministic for a seed (the seed turns the
set of sweep directions).
"""

from __future__ import annotations

import math
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import shapely

DIRECTIONS = 12  # sweep directions tried per cut
STOPS = 5  # cut positions tried per direction
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


# --- atoms and their graph -----------------------------------------------------------------------------------


@dataclass
class _Atoms:
    geoms: np.ndarray  # Polygons (metres)
    xy: np.ndarray  # (n, 2) a representative point each
    weight: np.ndarray  # households per atom
    members: list[list[int]]  # household indices per atom
    neighbours: list[list[int]]
    of_household: np.ndarray  # the atom of each household (of all n; see `placed`)
    placed: np.ndarray  # whether a household is in this region at all


def _atoms(region: shapely.Geometry, pts: np.ndarray, idx: list[int]) -> _Atoms:
    """Voronoi atoms of the distinct points `pts[idx]` inside `region` (metres)."""
    uniq, inverse = np.empty((0, 2)), np.zeros(0, dtype=np.int64)
    if idx:
        uniq, inverse = np.unique(pts[idx], axis=0, return_inverse=True)
        inverse = inverse.reshape(-1)
    geoms: list[shapely.Geometry] = []
    xy: list[tuple[float, float]] = []
    owner: list[int] = []  # the distinct point an atom carries, -1 for a weightless piece
    if len(uniq) >= 2:
        cells = shapely.voronoi_polygons(shapely.multipoints(uniq), extend_to=region, ordered=True)
        clipped = shapely.intersection(np.asarray(cells.geoms), region)
    else:
        clipped = np.asarray([region])
    for u, part in enumerate(clipped):
        polys = [p for p in shapely.get_parts(part) if p.geom_type == "Polygon" and p.area > 1e-6]
        if not polys:
            continue
        home = 0
        if len(uniq):
            here = shapely.points(uniq[u])
            home = int(np.argmin([p.distance(here) for p in polys]))
        for j, poly in enumerate(polys):
            geoms.append(poly)
            if j == home and len(uniq):
                owner.append(u)
                xy.append((uniq[u][0], uniq[u][1]))
            else:
                owner.append(-1)
                c = shapely.point_on_surface(poly)
                xy.append((c.x, c.y))
    garr = np.asarray(geoms, dtype=object)
    members: list[list[int]] = [[] for _ in geoms]
    atom_of_point = {u: a for a, u in enumerate(owner) if u >= 0}
    tree = shapely.STRtree(garr) if len(garr) else None
    for k, h in enumerate(idx):
        u = int(inverse[k])
        a = atom_of_point.get(u)
        if a is None and tree is not None:  # a point whose cell missed the region: the nearest atom takes it
            a = int(tree.query_nearest(shapely.points(uniq[u]))[0])
        if a is not None:
            members[a].append(h)
    weight = np.asarray([len(m) for m in members], dtype=np.int64)
    of_household = np.zeros(len(pts), dtype=np.int64)
    placed = np.zeros(len(pts), dtype=bool)  # the households of this region
    for a, ms in enumerate(members):
        of_household[ms] = a
        placed[ms] = True
    neighbours: list[list[int]] = [[] for _ in geoms]
    if tree is not None and len(garr) > 1:
        left, right = tree.query(garr, predicate="intersects")
        keep = left < right
        left, right = left[keep], right[keep]
        shared = shapely.relate_pattern(garr[left], garr[right], "****1****")
        for a, b in zip(left[shared], right[shared], strict=True):
            neighbours[int(a)].append(int(b))
            neighbours[int(b)].append(int(a))
    return _Atoms(garr, np.asarray(xy, dtype=float).reshape(-1, 2), weight, members, neighbours, of_household, placed)


def _components(nodes: list[int], inside: np.ndarray, neighbours: list[list[int]]) -> list[list[int]]:
    """Connected components of `nodes` (inside[n] True for the members) in the atom graph."""
    seen: set[int] = set()
    found = []
    for start in nodes:
        if start in seen:
            continue
        comp = [start]
        seen.add(start)
        queue = deque([start])
        while queue:
            for m in neighbours[queue.popleft()]:
                if inside[m] and m not in seen:
                    seen.add(m)
                    comp.append(m)
                    queue.append(m)
        found.append(comp)
    return found


def _repair(side_a: list[int], side_b: list[int], atoms: _Atoms, mask: np.ndarray) -> tuple[list[int], list[int]]:
    """Both sides connected: A keeps its heaviest piece (the rest go to B), then B keeps its heaviest piece and
    the rest go to A. Every other piece of the new B touches only A's piece, so A stays connected."""

    def heaviest(comps: list[list[int]]) -> int:
        return max(range(len(comps)), key=lambda i: (int(atoms.weight[comps[i]].sum()), len(comps[i]), -min(comps[i])))

    mask[:] = False
    mask[side_a] = True
    comps = _components(side_a, mask, atoms.neighbours)
    if len(comps) > 1:
        main = heaviest(comps)
        moved = [n for i, c in enumerate(comps) if i != main for n in c]
        side_a, side_b = comps[main], side_b + moved
    mask[:] = False
    mask[side_b] = True
    comps = _components(side_b, mask, atoms.neighbours)
    if len(comps) > 1:
        main = heaviest(comps)
        moved = [n for i, c in enumerate(comps) if i != main for n in c]
        side_a, side_b = side_a + moved, comps[main]
    mask[:] = False
    return side_a, side_b


def _inertia(nodes: list[int], atoms: _Atoms) -> float:
    w = atoms.weight[nodes].astype(float) + 1e-3  # weightless atoms count a little: area shape matters too
    xy = atoms.xy[nodes]
    centre = (xy * w[:, None]).sum(axis=0) / w.sum()
    return float((((xy - centre) ** 2).sum(axis=1) * w).sum())


def _split(
    nodes: list[int], k: int, atoms: _Atoms, low: int, high: int, current: np.ndarray | None, angles: np.ndarray
) -> list[list[int]]:
    """A connected region of atoms → k connected regions (recursive bisection)."""
    if k <= 1:
        return [nodes]
    total = int(atoms.weight[nodes].sum())
    k1 = k // 2
    k2 = k - k1
    lo_a, hi_a = max(k1 * low, total - k2 * high), min(k1 * high, total - k2 * low)
    target = total * k1 / k
    if lo_a > hi_a:
        lo_a = hi_a = round(target)
    # a comfortable window too: each side's mean a building's households (the coarsest step a cut can take)
    # inside the rule, so that the cuts below it can still land within the rule
    margin = min(int(atoms.weight[nodes].max(initial=0)), (high - low) // 4)
    lo_c = max(k1 * (low + margin), total - k2 * (high - margin), lo_a)
    hi_c = min(k1 * (high - margin), total - k2 * (low + margin), hi_a)
    if lo_c > hi_c:
        lo_c, hi_c = lo_a, hi_a
    mask = np.zeros(len(atoms.weight), dtype=bool)
    base = _inertia(nodes, atoms) or 1.0
    best: tuple[tuple, list[int], list[int]] | None = None
    arr = np.asarray(nodes)
    for angle in angles:
        proj = atoms.xy[arr] @ np.array([math.cos(angle), math.sin(angle)])
        order = arr[np.lexsort((arr, proj))]
        cum = np.cumsum(atoms.weight[order])
        # cut positions: where the running count is nearest the target, within the window first
        ok = np.nonzero((cum >= lo_c) & (cum <= hi_c))[0]
        if not len(ok):
            ok = np.nonzero((cum >= lo_a) & (cum <= hi_a))[0]
        pool = ok if len(ok) else np.arange(len(order) - 1)
        stops = pool[np.argsort(np.abs(cum[pool] - target), kind="stable")][:STOPS]
        for stop in stops:
            a, b = _repair(order[: stop + 1].tolist(), order[stop + 1 :].tolist(), atoms, mask)
            if not a or not b:
                continue
            wa = int(atoms.weight[a].sum())
            miss = max(lo_a - wa, wa - hi_a, 0)
            discomfort = max(lo_c - wa, wa - hi_c, 0)
            split_grids = 0
            if current is not None:  # households of a current grid on the smaller side would change grid
                mask[a] = True
                on_a = mask[atoms.of_household]
                mask[a] = False
                known = current >= 0
                ca = np.bincount(current[known & on_a & atoms.placed], minlength=current.max() + 1)
                cb = np.bincount(current[known & ~on_a & atoms.placed], minlength=current.max() + 1)
                split_grids = int(np.minimum(ca, cb).sum())
            score = split_grids / max(total, 1) + 0.5 * (_inertia(a, atoms) + _inertia(b, atoms)) / base
            key = (miss, discomfort, score + abs(wa - target) / max(total, 1) * 0.1)
            if best is None or key < best[0]:
                best = (key, a, b)
    if best is None:  # a region of one atom cannot be cut
        return [nodes] + [[] for _ in range(k - 1)]
    _, a, b = best
    return _split(a, k1, atoms, low, high, current, angles) + _split(b, k2, atoms, low, high, current, angles)


def _divide_region(
    region: shapely.Polygon, pts: np.ndarray, idx: list[int], low: int, high: int, current: np.ndarray, seed: int
) -> list[tuple[shapely.Geometry, list[int]]]:
    """One connected region (metres) and the households in it → cells (metres)."""
    total = len(idx)
    k = cell_count(total, low, high)
    if k <= 1:
        return [(region, list(idx))]
    atoms = _atoms(region, pts, idx)
    turn = np.random.default_rng(seed).uniform(0, math.pi / DIRECTIONS)
    angles = turn + np.arange(DIRECTIONS) * math.pi / DIRECTIONS
    everything = list(range(len(atoms.weight)))
    ids = {c: i for i, c in enumerate(sorted({c for c in current[idx] if c}))}
    grid_ids = np.asarray([ids.get(c, -1) for c in current]) if ids else None  # None: nothing to keep
    parts = _split(everything, k, atoms, low, high, grid_ids, angles)
    out = []
    for part in parts:
        if not part:
            continue
        geom = shapely.coverage_union_all(atoms.geoms[part])
        if geom.geom_type != "Polygon":  # float slivers between atoms: close them
            geom = shapely.union_all(atoms.geoms[part], grid_size=None).buffer(1e-6).buffer(-1e-6)
            if geom.geom_type != "Polygon":
                geom = max(shapely.get_parts(geom), key=lambda g: g.area)
        out.append((geom, sorted(h for n in part for h in atoms.members[n])))
    return out


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
        for geom, members in _divide_region(piece, pts, idx, low, high, cur, seed + j):
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
