"""`gridgov bench division`: seconds to propose 三级网格 for a synthetic community (网格划分, grids/division.py).

`--scale 1`: 10,000 households in a non-convex (U-shaped, about 2 × 2 km) community, half of them in a few
dense compounds (24 households to a building point), half spread out. Two runs: a first division (no
current grids) and a redraw over current grids (a 5 × 5 lattice: those within the rule are kept, the rest
redrawn). The figure is the slower run's seconds against the issue's limit of one minute; the details give
each run's grids, households per grid, mean compactness (Polsby–Popper) and households changing grid, and
the check that every grid is one Polygon within the rule.
"""

from __future__ import annotations

import time

import numpy as np
import shapely

from gridgov.bench.registry import BenchmarkError, Progress, figure
from gridgov.grids.division import divide, feasible

HOUSEHOLDS = 10_000
LIMIT_S = 60.0
SEED = 20261207
LON, LAT, SIZE = 113.62, 34.75, 0.02
LOW, HIGH = 300, 500


def community() -> shapely.Polygon:
    shape = shapely.Polygon([(0, 0), (1, 0), (1, 1), (0.7, 1), (0.7, 0.25), (0.3, 0.25), (0.3, 1), (0, 1)])
    return shapely.affinity.translate(shapely.affinity.scale(shape, SIZE, SIZE, origin=(0, 0)), LON, LAT)


def households(shape: shapely.Polygon, n: int, seed: int = SEED) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = shape.bounds
    dense, spread = n // 2, n - n // 2
    found: list[np.ndarray] = []
    buildings = -(-dense // 24)
    centres = rng.uniform((x0, y0), (x1, y1), size=(6, 2))
    while sum(len(f) for f in found) < buildings:
        near = centres[rng.integers(0, len(centres), buildings)] + rng.normal(0, SIZE / 25, size=(buildings, 2))
        found.append(near[shapely.contains_xy(shape, near[:, 0], near[:, 1])])
    blocks = np.repeat(np.vstack(found)[:buildings], 24, axis=0)[:dense]
    loose: list[np.ndarray] = []
    while sum(len(f) for f in loose) < spread:
        pts = rng.uniform((x0, y0), (x1, y1), size=(spread, 2))
        loose.append(pts[shapely.contains_xy(shape, pts[:, 0], pts[:, 1])])
    return np.vstack([blocks, np.vstack(loose)[:spread]])


def lattice(shape: shapely.Polygon, pts: np.ndarray) -> tuple[dict[str, shapely.Geometry], list[str | None]]:
    """Current grids: a 5 × 5 lattice over the community (the parts of each square inside it)."""
    x0, y0, x1, y1 = shape.bounds
    step_x, step_y = (x1 - x0) / 5, (y1 - y0) / 5
    grids: dict[str, shapely.Geometry] = {}
    for i in range(5):
        for j in range(5):
            cell = shapely.intersection(
                shapely.box(x0 + i * step_x, y0 + j * step_y, x0 + (i + 1) * step_x, y0 + (j + 1) * step_y), shape
            )
            if not cell.is_empty:
                grids[f"{i * 5 + j + 1:03d}"] = cell
    codes: list[str | None] = [None] * len(pts)
    for code, geom in grids.items():
        for k in np.nonzero(shapely.contains_xy(geom, pts[:, 0], pts[:, 1]))[0]:
            codes[int(k)] = codes[int(k)] or code
    return grids, codes


def _run(shape, pts, **kwargs) -> dict:
    started = time.perf_counter()
    division = divide(shape, pts, low=LOW, high=HIGH, seed=0, **kwargs)
    seconds = time.perf_counter() - started
    counts = [len(c.households) for c in division.cells]
    if sum(counts) != len(pts) or any(c.polygon.geom_type != "Polygon" for c in division.cells):
        raise BenchmarkError("a household without a grid, or a grid in more than one piece")
    if feasible(len(pts), LOW, HIGH) and not division.within_rule:
        raise BenchmarkError(f"grids outside the rule {LOW}–{HIGH}: {counts}")
    return {
        "seconds": round(seconds, 3),
        "grids": len(counts),
        "households_per_grid": {"min": min(counts), "max": max(counts)},
        "compactness_mean": round(float(np.mean([c.compactness for c in division.cells])), 3),
        "kept": sum(1 for c in division.cells if c.kept),
        "changed_households": division.changed,
    }


def run(scale: float = 1.0, progress: Progress = lambda m: None) -> dict:
    n = max(LOW, round(HOUSEHOLDS * scale))
    shape = community()
    pts = households(shape, n)
    progress(f"dividing a community of {n} households")
    first = _run(shape, pts)
    grids, codes = lattice(shape, pts)
    progress(f"redrawing it over {len(grids)} current grids")
    redraw = _run(shape, pts, current=codes, current_grids=grids)
    return figure(
        value=max(first["seconds"], redraw["seconds"], 0.001),
        limit=LIMIT_S,
        unit="s",
        better="lower",
        size={"households": n, "rule": [LOW, HIGH]},
        first_division=first,
        redraw=redraw,
    )
