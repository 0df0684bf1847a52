"""Point → grid on a shapely 2 STRtree (网格定位).

The tree holds the leaves of the current grid tree (grids with no current children), sorted by
code, so "a point on a shared edge goes to the lowest code" is the smallest tree index a point hits.
Every process keeps one Locator and rebuilds it when TreeVersion moves.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
import shapely

OUTSIDE = -1


@dataclass(frozen=True, slots=True)
class GridNode:
    code: str
    name: str
    level: int
    parent: str | None

    def as_dict(self) -> dict:
        return {"code": self.code, "name": self.name, "level": self.level}


class Locator:
    """An immutable spatial index over one version of the grid tree."""

    def __init__(self, nodes: list[GridNode], leaf_geometries: dict[str, shapely.Geometry], version: str = ""):
        self.version = version
        self.nodes = {n.code: n for n in nodes}
        has_children = {n.parent for n in nodes if n.parent}
        self.leaf_codes = np.array(sorted(c for c in leaf_geometries if c not in has_children), dtype=object)
        geoms = np.array([leaf_geometries[c] for c in self.leaf_codes], dtype=object)
        self.tree = shapely.STRtree(geoms)
        self._chains: dict[str, list[GridNode]] = {}

    def __len__(self) -> int:
        return len(self.leaf_codes)

    def locate_many(self, points) -> np.ndarray:
        """Leaf indices (into self.leaf_codes) for an array of shapely Points or (N, 2) lon/lat
        coordinates in WGS84; OUTSIDE (-1) where no grid contains the point.

        One STRtree query with the exact `intersects` predicate (boundary points included), then the
        smallest hit per point: the lowest code.
        """
        if not isinstance(points, np.ndarray) or points.dtype != object:
            coords = np.asarray(points, dtype=float).reshape(-1, 2)
            points = shapely.points(coords)
        point_idx, leaf_idx = self.tree.query(points, predicate="intersects")
        result = np.full(len(points), np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(result, point_idx, leaf_idx)
        result[result == np.iinfo(np.int64).max] = OUTSIDE
        return result

    def locate_codes(self, points) -> list[str | None]:
        idx = self.locate_many(points)
        return [None if i == OUTSIDE else self.leaf_codes[i] for i in idx]

    def locate(self, lon: float, lat: float) -> str | None:
        return self.locate_codes(np.array([[lon, lat]]))[0]

    def chain(self, code: str) -> list[GridNode]:
        """Ancestors of a grid from the top, the grid itself last."""
        cached = self._chains.get(code)
        if cached is None:
            chain = []
            node = self.nodes.get(code)
            while node is not None:
                chain.append(node)
                node = self.nodes.get(node.parent) if node.parent else None
            cached = self._chains[code] = chain[::-1]
        return cached


_lock = threading.Lock()
_current: Locator | None = None


def current_locator() -> Locator:
    """The process's locator for the tree as it is in the database now (rebuilt when it changed)."""
    global _current
    from gridgov.grids.selectors import load_locator, tree_version

    version = tree_version()
    located = _current
    if located is not None and located.version == version:
        return located
    with _lock:
        if _current is None or _current.version != version:
            _current = load_locator(version)
        return _current


def forget_locator() -> None:
    global _current
    with _lock:
        _current = None
