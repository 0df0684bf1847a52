"""`gridgov bench locate`: point → grid throughput of Locator.locate_many (网格定位).

The figure is points per second for `Locator.locate_many` over a synthetic 10,000-grid city
(`--scale 1`: 1,000,000 random points, a few outside the city and 0.1 % on grid corners), measured
against raw shapely `STRtree.query(points, predicate="intersects")` on the same polygons and the
same points: the same exact answer, not a bounding-box pre-filter. Goal: locate_many ≥ 0.9 × raw
STRtree throughput, so `limit` is 0.9 × the raw figure of the same run.

Details: the same comparison over the 中原区 demo city (from the database when it holds the demo
city, else built in memory from `build_layout(0)`), locate_many fed (N, 2) lon/lat floats instead of
ready shapely points, and single-point locate latency.

Method: the shapely points are built once and the same array goes to both sides; one warm-up run
each, then REPEATS rounds alternating which side goes first, best run of each side counts. Both
answers are checked: locate_many's leaf per point must equal raw's smallest hit per point (the
lowest code), and every located point must intersect its leaf; otherwise BenchmarkError.
"""

from __future__ import annotations

import gc
import time

import numpy as np
import shapely

from gridgov.bench.registry import BenchmarkError, Progress, figure
from gridgov.grids.locator import OUTSIDE, GridNode, Locator

GRIDS = 10_000
POINTS = 1_000_000  # at --scale 1
REPEATS = 7
SHARE_GOAL = 0.9  # locate_many ≥ 0.9 × raw STRtree
SEED = 20261124

# a ~20 × 20 km box around 113.6E 34.75N (郑州)
CENTRE = (113.6, 34.75)
HALF_KM = 10.0
STREETS = 16
GRIDS_PER_COMMUNITY = 25
SYNTHETIC_DISTRICT = "410199"  # not a real district code


def _box() -> tuple[float, float, float, float]:
    lon, lat = CENTRE
    dlon = HALF_KM / (111.32 * np.cos(np.radians(lat)))
    dlat = HALF_KM / 110.574
    return lon - dlon, lat - dlat, lon + dlon, lat + dlat


def synthetic_city(grids: int = GRIDS, seed: int = SEED) -> tuple[list[GridNode], dict[str, shapely.Geometry]]:
    """A deterministic city: one district, STREETS streets, communities of about
    GRIDS_PER_COMMUNITY grids, and `grids` leaf grids that are the Voronoi cells of as many random
    points clipped to the box. Parents are the unions of their children, so the tree tiles exactly;
    like `load_locator`, every level's polygon goes to the Locator, which keeps the leaves.
    """
    rng = np.random.default_rng(seed)
    xmin, ymin, xmax, ymax = _box()
    district = shapely.box(xmin, ymin, xmax, ymax)
    seeds = rng.uniform((xmin, ymin), (xmax, ymax), size=(grids, 2))
    cells = np.asarray(shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=district)))
    # voronoi_polygons promises no order: match each cell to the seed it holds
    hit_seed, hit_cell = shapely.STRtree(cells).query(shapely.points(seeds), predicate="intersects")
    cell_of_seed = np.empty(grids, dtype=np.int64)
    cell_of_seed[hit_seed[::-1]] = hit_cell[::-1]  # a seed lies inside exactly one cell
    leaves = shapely.intersection(cells[cell_of_seed], district)

    # streets: nearest of STREETS street centres; communities: nearest centre within the street
    street_centres = rng.uniform((xmin, ymin), (xmax, ymax), size=(STREETS, 2))
    street_of = _nearest(seeds, street_centres)
    nodes = [GridNode(SYNTHETIC_DISTRICT, "合成区", 0, None)]
    geoms: dict[str, shapely.Geometry] = {SYNTHETIC_DISTRICT: district}
    street_no = 0
    for s in range(STREETS):
        members = np.flatnonzero(street_of == s)
        if not len(members):
            continue
        street_no += 1
        street_code = f"{SYNTHETIC_DISTRICT}{street_no:03d}"
        nodes.append(GridNode(street_code, f"第{street_no}街道", 1, SYNTHETIC_DISTRICT))
        geoms[street_code] = shapely.coverage_union_all(leaves[members])
        k = max(1, round(len(members) / GRIDS_PER_COMMUNITY))
        centres = seeds[rng.choice(members, size=k, replace=False)]
        community_of = _nearest(seeds[members], centres)
        community_no = 0
        for c in range(k):
            inner = members[community_of == c]
            if not len(inner):
                continue
            community_no += 1
            community_code = f"{street_code}{community_no:03d}"
            nodes.append(GridNode(community_code, f"第{street_no}街道第{community_no}社区", 2, street_code))
            geoms[community_code] = shapely.coverage_union_all(leaves[inner])
            # north first, then east, like the demo city
            order = inner[np.lexsort((-seeds[inner, 0], -seeds[inner, 1]))]
            for seq, leaf in enumerate(order, start=1):
                code = f"{community_code}{seq:03d}"
                nodes.append(GridNode(code, f"第{seq}网格", 3, community_code))
                geoms[code] = leaves[leaf]
    return nodes, geoms


def _nearest(points: np.ndarray, centres: np.ndarray) -> np.ndarray:
    d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
    return d2.argmin(axis=1)


def random_coords(bounds, n: int, rng: np.random.Generator, margin: float = 0.01) -> np.ndarray:
    """n uniform lon/lat points in `bounds` grown by `margin` of its size on every side, so a few
    fall outside every grid."""
    xmin, ymin, xmax, ymax = bounds
    mx, my = (xmax - xmin) * margin, (ymax - ymin) * margin
    return rng.uniform((xmin - mx, ymin - my), (xmax + mx, ymax + my), size=(n, 2))


def with_vertices(coords: np.ndarray, leaves, rng: np.random.Generator, share: float = 0.001) -> np.ndarray:
    """Replace a `share` of the points (at least one) with polygon vertices of random leaves:
    points that lie on the corners where grids meet, so ties (lowest code wins) are exercised."""
    k = max(1, round(len(coords) * share))
    some = rng.choice(len(leaves), size=min(k, len(leaves)), replace=False)
    vertices = shapely.get_coordinates(np.asarray(leaves, dtype=object)[some])
    coords = coords.copy()
    at = rng.choice(len(coords), size=k, replace=False)
    coords[at] = vertices[rng.choice(len(vertices), size=k)]
    return coords


def _smallest_hit(n: int, point_idx: np.ndarray, tree_idx: np.ndarray) -> np.ndarray:
    """Raw STRtree pairs → the smallest tree index per point, OUTSIDE where none; done with a sort,
    independently of Locator's own reduction."""
    order = np.lexsort((tree_idx, point_idx))
    p, t = point_idx[order], tree_idx[order]
    first = np.ones(len(p), dtype=bool)
    first[1:] = p[1:] != p[:-1]
    answer = np.full(n, OUTSIDE, dtype=np.int64)
    answer[p[first]] = t[first]
    return answer


def _timed(fn) -> float:
    gc.collect()
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def compare(
    locator: Locator, geometries: dict[str, shapely.Geometry], points: np.ndarray, repeats: int = REPEATS
) -> dict:
    """locate_many against raw STRtree.query on the same polygons (in the locator's leaf order, so
    tree indices mean the same leaf) and the same array of shapely points."""
    raw_tree = shapely.STRtree(np.array([geometries[c] for c in locator.leaf_codes], dtype=object))

    def raw():
        return raw_tree.query(points, predicate="intersects")

    # warm-up, and the answers to compare
    point_idx, tree_idx = raw()
    located = locator.locate_many(points)
    expected = _smallest_hit(len(points), point_idx, tree_idx)
    multi = int((np.bincount(point_idx, minlength=len(points)) > 1).sum())  # on an edge or corner
    del point_idx, tree_idx
    if located.shape != expected.shape or not np.array_equal(located, expected):
        wrong = int((located != expected).sum()) if located.shape == expected.shape else len(points)
        raise BenchmarkError(f"locate_many disagrees with raw STRtree.query on {wrong} of {len(points)} points")
    inside = located != OUTSIDE
    leaf_geoms = np.asarray(raw_tree.geometries)[located[inside]]
    if not shapely.intersects(leaf_geoms, points[inside]).all():
        raise BenchmarkError("locate_many put a point in a grid that does not hold it")

    raw_s: list[float] = []
    many_s: list[float] = []
    for r in range(repeats):
        pair = [(raw_s, raw), (many_s, lambda: locator.locate_many(points))]
        for times, fn in pair if r % 2 == 0 else pair[::-1]:
            times.append(_timed(fn))
    n = len(points)
    raw_rate, many_rate = n / min(raw_s), n / min(many_s)
    return {
        "locate_many": round(many_rate),
        "raw_strtree": round(raw_rate),
        "share_of_raw": round(many_rate / raw_rate, 4),
        "median_share_of_raw": round(float(np.median(raw_s) / np.median(many_s)), 4),
        "points_outside": int((~inside).sum()),
        "points_on_shared_edges": multi,
        "same_answer": True,
    }


def _result(cmp: dict, grids: int, points: int, **extra) -> dict:
    value = cmp["locate_many"]
    return figure(
        value=value,
        limit=round(SHARE_GOAL * cmp["raw_strtree"]),
        unit="points/s",
        better="higher",
        size={"grids": grids, "points": points},
        raw_strtree=cmp["raw_strtree"],
        share_of_raw=cmp["share_of_raw"],
        median_share_of_raw=cmp["median_share_of_raw"],
        points_outside=cmp["points_outside"],
        points_on_shared_edges=cmp["points_on_shared_edges"],
        **extra,
        same_answer=cmp["same_answer"],
    )


def _demo_city_locator() -> tuple[Locator, dict[str, shapely.Geometry], str]:
    """The demo city's locator: the database's when it holds the demo city, else built in memory."""
    from django.db import DatabaseError

    from gridgov.grids.models import LEVEL_OF_LENGTH
    from gridgov.sim.city import DISTRICT_CODE, build_layout

    try:
        from gridgov.grids.locator import current_locator
        from gridgov.grids.selectors import current_geometries

        locator = current_locator()
        if DISTRICT_CODE in locator.nodes and len(locator):
            return locator, current_geometries(), "database"
    except (DatabaseError, RuntimeError):  # no tables yet, or no database access (tests)
        pass
    layout = build_layout(0)
    nodes = [GridNode(g.code, g.name, LEVEL_OF_LENGTH[len(g.code)], g.parent) for g in layout]
    geoms = {g.code: g.geometry for g in layout}
    return Locator(nodes, geoms, version="bench"), geoms, "build_layout(0)"


def _latency_us(fn, coords: np.ndarray) -> dict:
    for lon, lat in coords[:20]:  # warm-up
        fn(lon, lat)
    took = np.empty(len(coords))
    for i, (lon, lat) in enumerate(coords):
        start = time.perf_counter_ns()
        fn(lon, lat)
        took[i] = time.perf_counter_ns() - start
    return {
        "p50": round(float(np.percentile(took, 50)) / 1000, 1),
        "p95": round(float(np.percentile(took, 95)) / 1000, 1),
        "calls": len(coords),
    }


def run(scale: float = 1.0, progress: Progress = lambda m: None) -> dict:
    n = max(100, round(POINTS * scale))
    rng = np.random.default_rng(SEED)

    progress(f"building the synthetic {GRIDS:,}-grid city")
    nodes, geoms = synthetic_city(GRIDS)
    locator = Locator(nodes, geoms, version="bench")
    if len(locator) != GRIDS:
        raise BenchmarkError(f"the synthetic city has {len(locator)} leaves, not {GRIDS}")
    progress(f"building {n:,} random points")
    coords = with_vertices(random_coords(_box(), n, rng), [geoms[c] for c in locator.leaf_codes], rng)
    points = shapely.points(coords)
    progress("locate_many vs raw STRtree.query (synthetic city)")
    main = compare(locator, geoms, points)

    # the same locate_many, fed (N, 2) floats as selectors.locate_many does: shapely.points included
    coords_s = min(_timed(lambda: locator.locate_many(coords)) for _ in range(3))
    del points

    progress("building the demo city")
    demo_locator, demo_geoms, source = _demo_city_locator()
    demo_leaves = [demo_geoms[c] for c in demo_locator.leaf_codes]
    demo_bounds = shapely.total_bounds(np.array(demo_leaves, dtype=object))
    demo_coords = with_vertices(random_coords(demo_bounds, n, rng), demo_leaves, rng)
    progress(f"locate_many vs raw STRtree.query (demo city, {source})")
    demo = compare(demo_locator, demo_geoms, shapely.points(demo_coords))

    progress("single-point locate latency")
    calls = max(200, min(5000, round(5000 * scale)))
    inside = demo_coords[demo_locator.locate_many(demo_coords) != OUTSIDE]
    if source == "database":
        from gridgov.grids.selectors import locate as selectors_locate

        single = {
            **_latency_us(selectors_locate, inside[:calls]),
            "via": "gridgov.grids.selectors.locate (demo city in the database)",
        }
    else:
        single = {**_latency_us(demo_locator.locate, inside[:calls]), "via": "Locator.locate (demo city in memory)"}
    single_synthetic = {**_latency_us(locator.locate, coords[:calls]), "via": f"Locator.locate ({GRIDS:,}-grid city)"}

    if not (main["same_answer"] and demo["same_answer"]):  # compare() raises first; kept for the record
        raise BenchmarkError("locate_many and raw STRtree.query disagree")
    return _result(
        main,
        GRIDS,
        n,
        locate_many_from_coords=round(n / coords_s),
        demo_city=_result(demo, len(demo_locator), n, source=source),
        single_locate_us=single,
        single_locate_synthetic_us=single_synthetic,
        method=f"same pre-built shapely points for both; 1 warm-up, best of {REPEATS} alternating runs",
    )
