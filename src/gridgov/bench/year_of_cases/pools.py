"""What the year-of-cases generator draws from, read once from the demo city in the scratch database:
grids weighted by households, the texts of the demo simulator by channel, the dispatch catalogue's
answers, the accounts (演示城区的抽样池)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from itertools import accumulate
from typing import Any

from gridgov.bench.registry import BenchmarkError


@dataclass
class Pools:
    """What the generator draws from, read once from the demo city in the scratch database."""

    district: str
    grids: list[tuple[int, str]]  # (id, code) of the 三级网格
    grid_weights: list[float]  # cumulative households
    points: dict[str, tuple[float, float]]
    platform: dict[str, str]
    users: dict[str, int]
    categories: dict[str, Any]  # leaf code → Category
    by_channel: dict[str, tuple[list, list[float]]]  # channel → (choices, cumulative weights)
    routes: dict[str, tuple[str, list[str], str]]  # category code → (lead token, assisting tokens, source)
    roots: dict[int, str]
    parents: dict[str, str | None]  # platform → the platform above it (逐级上报)
    units: list[str] = field(default_factory=list)


def route_token(code: str, sample: str) -> str:
    """The catalogue's answer for a sample grid as a rule token: "" the grid, "@N" its ancestor."""
    if code == sample:
        return ""
    for level, n in ((0, 6), (1, 9), (2, 12)):
        if code == sample[:n]:
            return f"@{level}"
    return code


def from_token(token: str, grid: str) -> str:
    """The unit a rule token stands for in `grid` (route_token undone)."""
    if token == "":
        return grid
    if token.startswith("@"):
        return grid[: (6, 9, 12)[int(token[1:])]]
    return token


def load_pools() -> Pools:
    """Read the pools from the demo city in the default (scratch) database."""
    import shapely
    from django.contrib.auth import get_user_model

    from gridgov.assessment.services import category_roots
    from gridgov.cases.services import parent_platform, platform_of
    from gridgov.grids.models import Grid
    from gridgov.grids.selectors import current_geometries
    from gridgov.people.models import Unit
    from gridgov.routing import selectors as routing
    from gridgov.routing.models import Category, Tree
    from gridgov.sim.city import DISTRICT_CODE
    from gridgov.sim.parameters import findings, messages

    rows = list(
        Grid.objects.filter(level=3, valid_to__isnull=True, code__startswith=DISTRICT_CODE)
        .order_by("code")
        .values_list("id", "code", "households")
    )
    if not rows:
        raise BenchmarkError("the scratch database has no 三级网格: the demo city was not built")
    geoms = current_geometries([code for _, code, _ in rows])
    points = {}
    for _, code, _ in rows:
        p = shapely.point_on_surface(geoms[code])
        points[code] = (round(p.x, 6), round(p.y, 6))
    platform = {code: platform_of(code) for _, code, _ in rows}
    users = dict(get_user_model().objects.values_list("username", "id"))

    leaves = {c.code: c for c in routing.leaf_categories().order_by("code")}
    names = dict(Category.objects.values_list("pk", "name"))
    parents = dict(Category.objects.values_list("pk", "parent_id"))
    hotline_paths = {}
    for c in leaves.values():
        if c.tree == Tree.HOTLINE and c.parent_id and parents.get(c.parent_id):
            hotline_paths[(names[parents[c.parent_id]], names[c.parent_id], c.name)] = c.code
    hotline: dict[tuple, float] = defaultdict(float)
    for m in messages():
        code = hotline_paths.get(m.path) or hotline_paths.get((m.path[0], "其他", "其他"))
        if code:
            hotline[("hotline", code, m.title, m.description, "", False)] += 1.0
    found = {
        flag: [
            (("finding", f.code, f.title, f.description, f.result, f.on_spot), f.weight)
            for f in findings()
            if flag in f.channels and f.code in leaves
        ]
        for flag in "psdir"
    }
    hot = list(hotline.items())
    by_channel = {}
    for channel in ("patrol", "supervisor", "deputy", "sensor", "hotline", "resident", "wechat", "open311"):
        flag = {"patrol": "p", "deputy": "d", "supervisor": "s", "sensor": "i"}.get(channel, "r")
        pool = hot if channel == "hotline" else found[flag] + (hot if flag == "r" else [])
        if flag == "r":  # half of the public's reports are 12345-like messages, half street findings
            total_f, total_h = sum(w for _, w in found[flag]) or 1, sum(w for _, w in hot) or 1
            pool = [(k, w / total_f) for k, w in found[flag]] + [(k, w / total_h) for k, w in hot]
        pool = pool or hot
        by_channel[channel] = ([k for k, _ in pool], list(accumulate(w for _, w in pool)))
    sample = rows[0][1]
    routes: dict[str, tuple[str, list[str], str]] = {}
    for code in {k[1] for pool, _ in by_channel.values() for k in pool}:
        route = routing.responsible_unit(category=leaves[code], grid_code=sample, district=DISTRICT_CODE)
        routes[code] = (
            route_token(route.unit, sample),
            [route_token(u, sample) for u in route.assisting],
            route.source,
        )
    return Pools(
        district=DISTRICT_CODE,
        grids=[(pk, code) for pk, code, _ in rows],
        grid_weights=list(accumulate(max(1, h or 1) for _, _, h in rows)),
        points=points,
        platform=platform,
        users=users,
        categories=leaves,
        by_channel=by_channel,
        routes=routes,
        roots=category_roots(),
        parents={pl: parent_platform(pl) for pl in set(platform.values())},
        units=list(Unit.objects.filter(active=True).order_by("code").values_list("code", flat=True)),
    )
