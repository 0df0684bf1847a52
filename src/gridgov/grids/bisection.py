"""Recursive bisection of a region for grid division (网格划分的递归二分): the geometry behind grids/division.py.

A region's distinct address points become Voronoi atoms clipped to it (neighbours share an edge); a region that
should hold k grids is cut in two along the best of several sweep directions and both sides repaired to be
connected, recursively. grids/division.py explains the method and owns the rule arithmetic.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

import numpy as np
import shapely

DIRECTIONS = 12  # sweep directions tried per cut
STOPS = 5  # cut positions tried per direction


# --- atoms and their graph -----------------------------------------------------------------------------------


@dataclass
class Atoms:
    geoms: np.ndarray  # Polygons (metres)
    xy: np.ndarray  # (n, 2) a representative point each
    weight: np.ndarray  # households per atom
    members: list[list[int]]  # household indices per atom
    neighbours: list[list[int]]
    of_household: np.ndarray  # the atom of each household (of all n; see `placed`)
    placed: np.ndarray  # whether a household is in this region at all


def build_atoms(region: shapely.Geometry, pts: np.ndarray, idx: list[int]) -> Atoms:
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
    return Atoms(garr, np.asarray(xy, dtype=float).reshape(-1, 2), weight, members, neighbours, of_household, placed)


def components(nodes: list[int], inside: np.ndarray, neighbours: list[list[int]]) -> list[list[int]]:
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


def repair(side_a: list[int], side_b: list[int], atoms: Atoms, mask: np.ndarray) -> tuple[list[int], list[int]]:
    """Both sides connected: A keeps its heaviest piece (the rest go to B), then B keeps its heaviest piece and
    the rest go to A. Every other piece of the new B touches only A's piece, so A stays connected."""

    def heaviest(comps: list[list[int]]) -> int:
        return max(range(len(comps)), key=lambda i: (int(atoms.weight[comps[i]].sum()), len(comps[i]), -min(comps[i])))

    mask[:] = False
    mask[side_a] = True
    comps = components(side_a, mask, atoms.neighbours)
    if len(comps) > 1:
        main = heaviest(comps)
        moved = [n for i, c in enumerate(comps) if i != main for n in c]
        side_a, side_b = comps[main], side_b + moved
    mask[:] = False
    mask[side_b] = True
    comps = components(side_b, mask, atoms.neighbours)
    if len(comps) > 1:
        main = heaviest(comps)
        moved = [n for i, c in enumerate(comps) if i != main for n in c]
        side_a, side_b = side_a + moved, comps[main]
    mask[:] = False
    return side_a, side_b


def inertia(nodes: list[int], atoms: Atoms) -> float:
    w = atoms.weight[nodes].astype(float) + 1e-3  # weightless atoms count a little: area shape matters too
    xy = atoms.xy[nodes]
    centre = (xy * w[:, None]).sum(axis=0) / w.sum()
    return float((((xy - centre) ** 2).sum(axis=1) * w).sum())


def split(
    nodes: list[int], k: int, atoms: Atoms, low: int, high: int, current: np.ndarray | None, angles: np.ndarray
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
    base = inertia(nodes, atoms) or 1.0
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
            a, b = repair(order[: stop + 1].tolist(), order[stop + 1 :].tolist(), atoms, mask)
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
            score = split_grids / max(total, 1) + 0.5 * (inertia(a, atoms) + inertia(b, atoms)) / base
            key = (miss, discomfort, score + abs(wa - target) / max(total, 1) * 0.1)
            if best is None or key < best[0]:
                best = (key, a, b)
    if best is None:  # a region of one atom cannot be cut
        return [nodes] + [[] for _ in range(k - 1)]
    _, a, b = best
    return split(a, k1, atoms, low, high, current, angles) + split(b, k2, atoms, low, high, current, angles)


def divide_region(
    region: shapely.Polygon,
    pts: np.ndarray,
    idx: list[int],
    *,
    k: int,
    low: int,
    high: int,
    current: np.ndarray,
    seed: int,
) -> list[tuple[shapely.Geometry, list[int]]]:
    """One connected region (metres) and the households in it → k cells (metres)."""
    if k <= 1:
        return [(region, list(idx))]
    atoms = build_atoms(region, pts, idx)
    turn = np.random.default_rng(seed).uniform(0, math.pi / DIRECTIONS)
    angles = turn + np.arange(DIRECTIONS) * math.pi / DIRECTIONS
    everything = list(range(len(atoms.weight)))
    ids = {c: i for i, c in enumerate(sorted({c for c in current[idx] if c}))}
    grid_ids = np.asarray([ids.get(c, -1) for c in current]) if ids else None  # None: nothing to keep
    parts = split(everything, k, atoms, low, high, grid_ids, angles)
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
