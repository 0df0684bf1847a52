"""The demo's 一聘三督 in 柳湖街道: resident supervisors appointed for a term and a month of their inspections,
through the oversight services. Findings the rules refuse (the grid had already reported it, the case was not
overdue) are simply not recorded, as a real supervisor would be told."""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
import shapely
from django.utils import timezone

from gridgov.cases.models import Case
from gridgov.cases.transitions import OPEN_STATUSES
from gridgov.core.errors import GridgovError
from gridgov.grids.models import Grid
from gridgov.grids.selectors import current_geometries
from gridgov.oversight import services
from gridgov.patrols.models import PatrolSession
from gridgov.people.actors import Actor
from gridgov.sim.residents import FULL_STREET

SYSTEM = Actor.system("demo oversight")
NAMES = ["赵秀兰", "钱建国", "孙玉梅", "李德明", "周桂英"]
STYLE = ["网格员上班时间不在岗", "群众反映事项推诿未回复", "巡查记录与实际不符", "服务态度生硬"]
MISSED = ["路边垃圾堆积未清", "楼道杂物堵塞消防通道", "井盖破损未上报", "违规张贴小广告"]


def _point(rng: np.random.Generator, geometry) -> tuple[float, float]:
    """A random point inside the grid (rejection sampling in its bounding box)."""
    x0, y0, x1, y1 = geometry.bounds
    for _ in range(50):
        x, y = float(rng.uniform(x0, x1)), float(rng.uniform(y0, y1))
        if shapely.contains_xy(geometry, x, y):
            return x, y
    p = shapely.point_on_surface(geometry)
    return p.x, p.y


def build_demo_oversight(*, seed: int = 0, now: datetime | None = None) -> dict:
    """3–5 supervisors in 柳湖街道 and a month of inspections; counts of what was made, by kind."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    rng = np.random.default_rng(seed + 1313)
    grids = list(Grid.objects.filter(code__startswith=FULL_STREET, level=3, valid_to__isnull=True).order_by("code"))
    if not grids:
        return {"appointments": 0, "findings": {}}
    shapes = current_geometries([g.code for g in grids])
    communities = sorted({g.code[:12] for g in grids})
    appointed = []
    for n, name in enumerate(NAMES[: int(rng.integers(3, 6))]):
        area = FULL_STREET if n == 0 else communities[n % len(communities)]
        appointed.append(
            services.appoint(
                actor=SYSTEM,
                username=f"supervisor-resident-{n + 1}",
                full_name=name,
                area=area,
                start_date=today - timedelta(days=45),
                end_date=today + timedelta(days=320),
                letter_number=f"柳湖督聘〔{today.year}〕{n + 1}号",
            )
        )
    counts: dict[str, int] = {"missed": 0, "overdue": 0, "work_style": 0}
    sessions = list(
        PatrolSession.objects.filter(grid__code__startswith=FULL_STREET, started_at__gte=now - timedelta(days=30))
        .select_related("grid")
        .order_by("started_at")[:200]
    )
    open_cases = Case.objects.filter(grid__code__startswith=FULL_STREET, status__in=OPEN_STATUSES, resolve_by__lt=now)
    overdue = list(open_cases.select_related("grid")[:10])
    target = int(rng.integers(10, 21))
    for attempt in range(60):
        if sum(counts.values()) >= target:
            break
        who = appointed[attempt % len(appointed)]
        kind = ("missed", "work_style", "overdue")[attempt % 3]
        try:
            if kind == "overdue":
                if not overdue:
                    continue
                case = overdue.pop()
                grid, day, item = (
                    case.grid,
                    today,
                    {"kind": kind, "case": case.number, "description": "超期未办结，请加快办理"},
                )
            else:
                if kind == "missed" and sessions:
                    session = sessions[int(rng.integers(len(sessions)))]
                    grid, day = session.grid, timezone.localtime(session.started_at).date()
                else:
                    grid = grids[int(rng.integers(len(grids)))]
                    day = today - timedelta(days=int(rng.integers(0, 30)))
                lon, lat = _point(rng, shapes[grid.code])
                words = MISSED if kind == "missed" else STYLE
                item = {"kind": kind, "lon": lon, "lat": lat, "description": words[int(rng.integers(len(words)))]}
            if not grid.code.startswith(who.area):
                continue
            services.record_inspection(actor=Actor.of(who.user), grid=grid, day=day, findings=[item])
        except GridgovError:
            continue
        counts[kind] += 1
    return {"appointments": len(appointed), "findings": counts}
