"""The division algorithm (网格划分, grids/division.py) on generated communities: every proposed grid within
the rule, one Polygon inside the community, every household in exactly one grid; the same for a seed."""

import math

import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.grids.division import cell_count, divide, feasible

# pure geometry, no database: the SQLite run of the suite covers it (conftest.py: `once`)
pytestmark = pytest.mark.once

LON, LAT = 113.62, 34.75
SIZE = 0.02  # about 2 km


def community(kind: int, wobble: list[float]) -> shapely.Polygon:
    """A star-shaped polygon (convex-ish to strongly non-convex), an L or a U, about 2 km across."""
    if kind == 0:
        n = len(wobble)
        ring = [
            (math.cos(2 * math.pi * i / n) * (0.4 + 0.6 * w), math.sin(2 * math.pi * i / n) * (0.4 + 0.6 * w))
            for i, w in enumerate(wobble)
        ]
        shape = shapely.Polygon(ring)
    elif kind == 1:
        shape = shapely.Polygon([(0, 0), (1, 0), (1, 0.35), (0.35, 0.35), (0.35, 1), (0, 1)])
    else:
        shape = shapely.Polygon([(0, 0), (1, 0), (1, 1), (0.7, 1), (0.7, 0.25), (0.3, 0.25), (0.3, 1), (0, 1)])
    shape = shapely.make_valid(shape)
    shape = max(shapely.get_parts(shape), key=lambda g: g.area)
    return shapely.affinity.translate(shapely.affinity.scale(shape, SIZE, SIZE, origin=(0, 0)), LON, LAT)


def households(shape: shapely.Polygon, n: int, clusters: int, seed: int, per_point: int = 1) -> np.ndarray:
    """n household points in the shape: half around a few cluster centres (compounds), half spread out;
    `per_point` households share each point (a building)."""
    rng = np.random.default_rng(seed)
    x0, y0, x1, y1 = shape.bounds
    found: list[np.ndarray] = []
    centres = rng.uniform((x0, y0), (x1, y1), size=(clusters, 2))
    points = -(-n // per_point)
    while sum(len(f) for f in found) < points:
        spread = rng.uniform((x0, y0), (x1, y1), size=(points, 2))
        near = centres[rng.integers(0, clusters, points)] + rng.normal(0, SIZE / 20, size=(points, 2))
        # the spread half rounds up: a lone household (points 1) must not hang on a centre outside the shape
        both = np.vstack((spread[: points - points // 2], near[: points // 2]))
        found.append(both[shapely.contains_xy(shape, both[:, 0], both[:, 1])])
    pts = np.vstack(found)[:points]
    return np.repeat(pts, per_point, axis=0)[:n]


def check(shape, pts, division, low=300, high=500):
    n = len(pts)
    owner = division.cell_of(n)
    assert min(owner) >= 0, "every household in a grid"
    assert sum(len(c.households) for c in division.cells) == n, "and in one only"
    covered = shapely.union_all([c.polygon for c in division.cells])
    assert abs(covered.area - shape.area) <= 1e-6 * shape.area, "the grids cover the community"
    for cell in division.cells:
        assert cell.polygon.geom_type == "Polygon" and cell.polygon.is_valid
        assert shapely.difference(cell.polygon, shape).area <= 1e-9 * shape.area, "inside the community"
        assert 0 < cell.compactness <= 1
    if feasible(n, low, high):
        assert division.within_rule
        counts = [len(c.households) for c in division.cells]
        assert all(low <= c <= high for c in counts) or (n < low and len(counts) == 1), counts
        assert len(counts) == cell_count(n, low, high)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.integers(0, 2),
    wobble=st.lists(st.floats(0, 1), min_size=5, max_size=14),
    n=st.integers(1, 10_000),
    clusters=st.integers(1, 8),
    per_point=st.sampled_from([1, 1, 2, 6]),
    seed=st.integers(0, 2**16),
)
def test_grids_within_the_rule_and_contiguous(kind, wobble, n, clusters, per_point, seed):
    shape = community(kind, wobble)
    pts = households(shape, n, clusters, seed, per_point)
    check(shape, pts, divide(shape, pts, low=300, high=500, seed=seed))


def test_same_seed_same_division():
    shape = community(2, [])
    pts = households(shape, 3000, 4, seed=7)
    first, again = (divide(shape, pts, low=300, high=500, seed=3) for _ in range(2))
    assert [c.households for c in first.cells] == [c.households for c in again.cells]
    assert all(a.polygon.equals_exact(b.polygon, 0) for a, b in zip(first.cells, again.cells, strict=True))


def test_a_small_community_is_one_grid():
    shape = community(1, [])
    pts = households(shape, 120, 2, seed=1)
    division = divide(shape, pts, low=300, high=500)
    assert len(division.cells) == 1 and division.within_rule
    assert division.cells[0].polygon.equals(shape)


@pytest.mark.parametrize(("total", "count"), [(299, 1), (500, 1), (600, 2), (1000, 2), (4000, 10), (10_000, 25)])
def test_cell_count(total, count):
    assert cell_count(total, 300, 500) == count


def test_between_one_grid_and_two_is_flagged():
    """550 households cannot make grids of 300–500: the proposal says so rather than pretend."""
    assert not feasible(550, 300, 500)
    shape = community(0, [0.5] * 8)
    pts = households(shape, 550, 3, seed=2)
    division = divide(shape, pts, low=300, high=500)
    assert not division.within_rule
    check(shape, pts, division)


def test_current_grids_within_the_rule_are_kept():
    """Fewest changes: of four current quarters, three hold 300–500 households and stay exactly as they are;
    only the fourth (900) is redrawn, into two grids, one of which continues its code."""
    shape = shapely.box(LON, LAT, LON + SIZE, LAT + SIZE)
    half = SIZE / 2
    quarters = {
        f"q{i}": shapely.box(LON + dx, LAT + dy, LON + dx + half, LAT + dy + half)
        for i, (dx, dy) in enumerate([(0, 0), (half, 0), (0, half), (half, half)])
    }
    rng = np.random.default_rng(5)
    sizes = {"q0": 350, "q1": 420, "q2": 480, "q3": 900}
    pts, codes = [], []
    for code, count in sizes.items():
        x0, y0, x1, y1 = quarters[code].bounds
        pts.append(rng.uniform((x0 + 1e-5, y0 + 1e-5), (x1 - 1e-5, y1 - 1e-5), size=(count, 2)))
        codes += [code] * count
    pts = np.vstack(pts)
    division = divide(shape, pts, low=300, high=500, current=codes, current_grids=quarters, seed=0)
    check(shape, pts, division)
    kept = {c.current: c for c in division.cells if c.kept}
    assert set(kept) == {"q0", "q1", "q2"}
    for code, cell in kept.items():
        assert shapely.symmetric_difference(cell.polygon, quarters[code]).area < 1e-9 * shape.area
        assert len(cell.households) == sizes[code]
    redrawn = [c for c in division.cells if not c.kept]
    assert len(redrawn) == 2 and {c.current for c in redrawn} == {"q3", None}
    assert division.changed == len(next(c for c in redrawn if c.current is None).households)


def test_multipart_community_divides_each_part():
    """A community in two parts: each part makes its own grids, none straddles the gap."""
    left = shapely.box(LON, LAT, LON + 0.01, LAT + 0.01)
    right = shapely.box(LON + 0.015, LAT, LON + 0.025, LAT + 0.01)
    shape = shapely.MultiPolygon([left, right])
    pts = np.vstack([households(left, 800, 2, seed=1), households(right, 1300, 3, seed=2)])
    division = divide(shape, pts, low=300, high=500)
    for cell in division.cells:
        assert cell.polygon.geom_type == "Polygon"
        assert cell.polygon.within(left.buffer(1e-9)) or cell.polygon.within(right.buffer(1e-9))
    assert division.within_rule and len(division.cells) == 2 + 3
