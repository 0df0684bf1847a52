"""The 中原区 demo city's grid layout (演示城区).

Only the district boundary is public; street, community and 三级网格 polygons are generated: sample
household points (denser towards the old city in the east), cluster them with Lloyd's k-means, and
take the Voronoi cells of the cluster centres clipped to the parent. Lloyd's assignment *is* the
Voronoi partition, so every cell keeps its households and the cells tile the parent without gaps or
overlaps. Everything is drawn from one numpy Generator, so a seed gives the same city every time.
"""

from __future__ import annotations

import csv
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

import numpy as np
import shapely
from shapely.geometry import shape

DISTRICT_CODE = "410102"
DISTRICT_NAME = "中原区"
LEVEL3_TARGET = 660  # the 2012 article: 中原区 has 660 三级网格
URBAN_CORE = (113.625, 34.755)  # 碧沙岗 — the old city; households thin out to the west
SAMPLES = 40_000


def _data(name: str):
    return resources.files("gridgov.data").joinpath("zhongyuan").joinpath(name)


def district_boundary() -> shapely.Geometry:
    doc = json.loads(_data("district_wgs84.geojson").read_text(encoding="utf-8"))
    return shape(doc["features"][0]["geometry"])


def _short_name(name: str) -> str:
    """碧沙岗社区居委会 → 碧沙岗社区; 岗坡村村委会 → 岗坡村 (the grid is named after the place)."""
    return re.sub(r"(居民委员会|村民委员会|居委会|村委会)$", "", name)


def official_units() -> tuple[list[tuple[str, str]], dict[str, list[tuple[str, str]]]]:
    with _data("streets.csv").open(encoding="utf-8") as f:
        streets = [(r["code"], r["name"]) for r in csv.DictReader(f)]
    communities: dict[str, list[tuple[str, str]]] = {code: [] for code, _ in streets}
    with _data("communities.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            communities[r["streetCode"]].append((r["code"], _short_name(r["name"])))
    return streets, communities


def _sample_households(area: shapely.Geometry, n: int, rng: np.random.Generator) -> np.ndarray:
    """Points inside `area`, denser near the urban core (rejection sampling)."""
    xmin, ymin, xmax, ymax = area.bounds
    shapely.prepare(area)  # in place: the contains_xy calls below reuse it
    out: list[np.ndarray] = []
    have = 0
    while have < n:
        pts = rng.uniform((xmin, ymin), (xmax, ymax), size=(n * 2, 2))
        dist = np.hypot(pts[:, 0] - URBAN_CORE[0], pts[:, 1] - URBAN_CORE[1])
        keep = rng.uniform(size=len(pts)) < 0.15 + 0.85 * np.exp(-dist / 0.05)
        pts = pts[keep]
        pts = pts[shapely.contains_xy(area, pts[:, 0], pts[:, 1])]
        out.append(pts)
        have += len(pts)
    return np.concatenate(out)[:n]


def _kmeans(points: np.ndarray, k: int, rng: np.random.Generator, iterations: int = 25) -> np.ndarray:
    """Lloyd's k-means; an emptied cluster is reseeded at the point farthest from its centre."""
    centres = points[rng.choice(len(points), size=k, replace=False)].copy()
    for _ in range(iterations):
        d2 = ((points[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        label = d2.argmin(axis=1)
        for j in range(k):
            members = points[label == j]
            if len(members):
                centres[j] = members.mean(axis=0)
            else:
                centres[j] = points[d2.min(axis=1).argmax()]
    return centres


def _partition(
    parent: shapely.Geometry, points: np.ndarray, k: int, rng: np.random.Generator
) -> list[shapely.Geometry]:
    """k cells that tile `parent`, each holding a cluster of the points; ordered north-east first."""
    if k == 1:
        return [parent]
    if len(points) < k * 5:
        points = np.concatenate([points, _sample_households(parent, k * 20, rng)])
    centres = _kmeans(points, k, rng)
    cells = shapely.voronoi_polygons(shapely.multipoints(centres), extend_to=parent)
    pieces = list(shapely.get_parts(cells))
    # voronoi_polygons returns cells in no promised order: match each to the centre it holds
    tree = shapely.STRtree(pieces)
    centre_pts = shapely.points(centres)
    which = [int(tree.query(p, predicate="intersects")[0]) for p in centre_pts]
    result = []
    for idx in np.lexsort((-centres[:, 0], -centres[:, 1])):  # north first, then east
        clipped = shapely.intersection(pieces[which[idx]], parent)
        result.append(_polygonal(clipped))
    return result


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Drop the stray lines and points an intersection can leave on a shared edge."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    polys = [g for g in shapely.get_parts(geom) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(polys)


@dataclass(frozen=True)
class GridLayout:
    code: str
    name: str
    parent: str | None
    households: int
    population: int
    geometry: shapely.Geometry


def _level3_counts(communities: list[str], rng: np.random.Generator) -> dict[str, int]:
    """Spread LEVEL3_TARGET grids over the communities: four each, the rest one by one at random."""
    counts = {c: LEVEL3_TARGET // len(communities) for c in communities}
    for c in rng.choice(communities, size=LEVEL3_TARGET - sum(counts.values()), replace=False):
        counts[str(c)] += 1
    return counts


@lru_cache(maxsize=4)
def build_layout(seed: int = 0) -> tuple[GridLayout, ...]:
    """The whole tree, top first; deterministic for a seed."""
    rng = np.random.default_rng(seed)
    district = district_boundary()
    streets, communities = official_units()
    households = _sample_households(district, SAMPLES, rng)
    all_communities = [code for units in communities.values() for code, _ in units]
    level3_counts = _level3_counts(all_communities, rng)

    grids: list[GridLayout | None] = []  # a parent's place is kept (None) until its children are summed
    district_index = len(grids)
    grids.append(None)  # filled in when the households are summed
    district_hh = district_pop = 0
    for (street_code, street_name), street_geom in zip(
        streets, _partition(district, households, len(streets), rng), strict=False
    ):
        street_pts = households[shapely.contains_xy(street_geom, households[:, 0], households[:, 1])]
        street_index = len(grids)
        grids.append(None)
        street_hh = street_pop = 0
        members = communities[street_code]
        for (comm_code, comm_name), comm_geom in zip(
            members, _partition(street_geom, street_pts, len(members), rng), strict=False
        ):
            comm_pts = street_pts[shapely.contains_xy(comm_geom, street_pts[:, 0], street_pts[:, 1])]
            comm_index = len(grids)
            grids.append(None)
            comm_hh = comm_pop = 0
            cells = _partition(comm_geom, comm_pts, level3_counts[comm_code], rng)
            for seq, cell in enumerate(cells, start=1):
                hh = int(rng.integers(320, 481))
                pop = round(hh * rng.uniform(2.5, 3.1))
                grids.append(GridLayout(f"{comm_code}{seq:03d}", f"{comm_name}第{seq}网格", comm_code, hh, pop, cell))
                comm_hh += hh
                comm_pop += pop
            grids[comm_index] = GridLayout(comm_code, comm_name, street_code, comm_hh, comm_pop, comm_geom)
            street_hh += comm_hh
            street_pop += comm_pop
        grids[street_index] = GridLayout(street_code, street_name, DISTRICT_CODE, street_hh, street_pop, street_geom)
        district_hh += street_hh
        district_pop += street_pop
    grids[district_index] = GridLayout(DISTRICT_CODE, DISTRICT_NAME, None, district_hh, district_pop, district)
    return tuple(g for g in grids if g is not None)  # every place is filled by now
