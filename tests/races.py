"""Races between real processes on PostgreSQL (tests of "written once" under concurrent requests).

Nothing from Django or gridgov at the top: the racing processes are spawned and import the test module
(and this one) before they configure Django. A racer is a top-level function of its test module taking
`(env, barrier, results, index, *args)`: it applies `env`, sets Django up, waits at the barrier, acts,
and puts `(index, outcome)` on `results` — `("crash", repr(exc))` when it failed.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from collections.abc import Callable
from urllib.parse import quote

SKIP_REASON = "races need real concurrent connections: PostgreSQL only"


def on_postgresql() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


def database_url() -> str:
    """The URL of the test database this process uses (the racers connect to the same one)."""
    from django.db import connection

    s = connection.settings_dict
    auth = quote(s["USER"] or "", safe="") + (":" + quote(s["PASSWORD"], safe="") if s.get("PASSWORD") else "")
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgresql://{auth}@{s.get('HOST') or '127.0.0.1'}{port}/{quote(s['NAME'], safe='')}"


def race(racer: Callable, args: list[tuple], *, timeout: float = 180) -> dict[int, tuple]:
    """Start one process per args tuple, released together at a barrier; their outcomes by index."""
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(len(args)), ctx.Queue()
    env = {
        "DJANGO_SETTINGS_MODULE": "gridgov.settings",
        "GRIDGOV_DATABASE_URL": database_url(),
        "GRIDGOV_REDIS_URL": "",
    }
    processes = [
        ctx.Process(target=racer, args=(env, barrier, results, i, *extra), daemon=True) for i, extra in enumerate(args)
    ]
    for p in processes:
        p.start()
    outcomes: dict[int, tuple] = {}
    deadline = time.monotonic() + timeout
    try:
        while len(outcomes) < len(processes):
            try:
                index, outcome = results.get(timeout=1)
                outcomes[index] = outcome
            except queue.Empty:
                assert time.monotonic() < deadline, f"the racers did not finish: {outcomes}"
    finally:
        for p in processes:
            p.join(timeout=30)
            if p.is_alive():
                p.terminate()
    assert all(o[0] != "crash" for o in outcomes.values()), outcomes
    return outcomes
