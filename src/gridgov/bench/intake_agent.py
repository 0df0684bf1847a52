"""The scratch-database side of `gridgov bench intake` (基准测试), run as a child process.

`python -m gridgov.bench.intake_agent` with GRIDGOV_DATABASE_URL naming the scratch database and
DJANGO_SETTINGS_MODULE=gridgov.bench.settings. It reads one JSON request a line on stdin and answers
one JSON line on stdout, so that the bench process itself never points Django at the scratch database:

    {"op": "setup", "points": N}          N points inside the demo city's grids
    {"op": "registered", "cases": N}      N cases in status registered, through the services (the
                                          burst's reported cases first, new reports when they run short)
    {"op": "drain", "timeout": S}         seconds until the outbox holds no pending item (null: no outbox)
    {"op": "counts"}                      rows in the bench's table, cases by status, pending outbox items
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable

POLL_S = 0.1


def setup(*, points: int) -> dict:
    """Up to `points` points (one per leaf grid, spread over the city) that the locator puts inside a grid."""
    import shapely
    from django.db import connection

    from gridgov.grids.locator import current_locator
    from gridgov.grids.selectors import current_geometries

    locator = current_locator()
    leaves = sorted(locator.leaf_codes)
    step = max(1, len(leaves) // max(1, points))
    geoms = current_geometries(leaves[::step][:points])
    found = []
    for _code, geom in sorted(geoms.items()):
        p = shapely.point_on_surface(geom)
        if locator.locate(p.x, p.y) is not None:
            found.append([round(p.x, 7), round(p.y, 7)])
    return {"points": found, "leaves": len(leaves), "vendor": connection.vendor}


def _dispatcher_of(platform: str, cache: dict):
    from django.contrib.auth import get_user_model

    from gridgov.people.actors import Actor
    from gridgov.people.models import Post

    if platform not in cache:
        post = Post.objects.filter(role="dispatcher", active=True, scope=platform).select_related("user").first()
        cache[platform] = Actor.of(post.user if post else get_user_model().objects.get(username="dispatcher"))
    return cache[platform]


def registered(*, cases: int, points: list[list[float]] | None = None) -> dict:
    """`cases` registered cases: the reported ones (oldest first) are registered by their platform's
    dispatcher; when there are too few, new reports are made and registered, all through the services."""
    from gridgov.cases import services
    from gridgov.cases.models import Case
    from gridgov.people.actors import Actor

    start = time.perf_counter()
    actors: dict = {}
    already = list(Case.objects.filter(status="registered").order_by("id").values_list("number", "platform")[:cases])
    todo = list(
        Case.objects.filter(status="reported")
        .order_by("id")
        .values_list("number", "platform")[: max(0, cases - len(already))]
    )
    reported = 0
    resident, spots = Actor.anonymous(), points or setup(points=50)["points"]
    for i in range(max(0, cases - len(already) - len(todo))):
        lon, lat = spots[i % len(spots)]
        case = services.report_case(actor=resident, title=f"基准测试 {i}", lon=lon, lat=lat).case
        todo.append((case.number, case.platform))
        reported += 1
    for number, platform in todo:
        services.register_case(actor=_dispatcher_of(platform, actors), number=number)
    numbers = [*already, *todo]
    return {
        "cases": [[n, p] for n, p in numbers],
        "registered_now": len(todo),
        "reported_now": reported,
        "took_s": round(time.perf_counter() - start, 2),
    }


def pending_outbox() -> int | None:
    """Outbox items the worker has still to handle (a handled one is deleted; a dead one, failed too often,
    waits for a person and is not counted); None while the project has no outbox (core.OutboxItem)."""
    try:
        from gridgov.core.models import OutboxItem
    except ImportError:
        return None
    return OutboxItem.objects.filter(dead=False).count()


def dead_outbox() -> int | None:
    try:
        from gridgov.core.models import OutboxItem
    except ImportError:
        return None
    return OutboxItem.objects.filter(dead=True).count()


def drain(*, timeout: float) -> dict:
    """Seconds from now until no outbox item is pending (polled every POLL_S), at most `timeout`."""
    from django.db import close_old_connections

    start = time.perf_counter()
    first = left = pending_outbox()
    if first is None:
        return {"outbox": False}
    while left and time.perf_counter() - start < timeout:
        time.sleep(POLL_S)
        close_old_connections()
        left = pending_outbox()
    return {
        "outbox": True,
        "pending_at_start": first,
        "pending_at_end": left,
        "drained": left == 0,
        "seconds": round(time.perf_counter() - start, 2),
    }


def counts() -> dict:
    from django.db import connection
    from django.db.models import Count

    from gridgov.bench.urls import MINIMAL_TABLE
    from gridgov.cases.models import Case

    with connection.cursor() as cursor:
        cursor.execute(f"SELECT COUNT(*) FROM {MINIMAL_TABLE}")
        minimal_rows = cursor.fetchone()[0]
    return {
        "minimal_rows": minimal_rows,
        "outbox_pending": pending_outbox(),
        "outbox_dead": dead_outbox(),
        "cases": dict(Case.objects.values_list("status").annotate(n=Count("id"))),
    }


OPS: dict[str, Callable[..., dict]] = {"setup": setup, "registered": registered, "drain": drain, "counts": counts}


def main() -> None:
    import django

    django.setup()
    out = sys.stdout
    sys.stdout = sys.stderr  # only answers go to the bench
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        request = json.loads(line)
        op = request.pop("op")
        try:
            answer: dict[str, object] = {"ok": OPS[op](**request)}
        except Exception as exc:  # the bench reports it and stops: never a half-measured figure
            answer = {"error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(answer, ensure_ascii=False, default=str) + "\n")
        out.flush()


if __name__ == "__main__":
    main()
