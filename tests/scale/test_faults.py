"""Soak under faults (issue 16): mixed traffic while workers are killed and the database restarts; nothing lost,
nothing doubled.

Two sites, each built by `gridgov demo` into a database of its own:

- PostgreSQL (a private cluster) with Redis and Celery: gunicorn (2 workers), a Celery worker and beat. During the
  traffic one gunicorn worker and one Celery pool process are killed with SIGKILL and the cluster is restarted in
  immediate mode (a crash: recovery at the next start).
- SQLite, the embedded mode of `gridgov serve`: gunicorn and the sibling `gridgov worker` (GRIDGOV_OUTBOX_DRAIN=
  worker). A gunicorn worker and the sibling are killed with SIGKILL; the test starts the sibling again, as systemd.

Clients (tests/scale/traffic.py) retry with the same Idempotency-Key until acknowledged. Afterwards: every
acknowledged report exists exactly once and no other; each case's file holds exactly the steps acknowledged;
`gridgov audit verify` passes; the outbox is empty and its effects happened once each — one notification per
recipient and event (all delivered) and rollups equal to the sums of the cases' facts.

GRIDGOV_SOAK_SECONDS: seconds of traffic per site (default 30, a minute for both; each site takes about a minute
cores; the issue's soak is GRIDGOV_SOAK_SECONDS=300). The faults come at fixed fractions of it.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from tests.scale.pgcluster import demo_database
from tests.scale.procs import ROOT, Gunicorn, Proc, Site, children, redis_db, site, wait_until  # noqa: F401
from tests.scale.traffic import Traffic

SOAK = float(os.environ.get("GRIDGOV_SOAK_SECONDS") or 30)
REDIS_DB = 12  # this test's own Redis database (the suite's Celery tests use 15)
GRID = "410102001002001"  # a 三级网格 of 林山寨街道; its reports go to the street's platform
DISPATCHER = "dispatcher-410102001"
PREFIX = "soak "


def child(s: Site, *args: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "tests.scale.soak_child", *args],
        cwd=ROOT,
        env=s.env(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def kill_pool_process(celery: Proc) -> int:
    """SIGKILL a process of the Celery worker's pool (where tasks run); the worker starts another."""
    before = children(celery.pid)
    assert before, "the Celery worker has no pool process"
    os.kill(before[0], signal.SIGKILL)
    wait_until(lambda: set(children(celery.pid)) - set(before), timeout=120, what="Celery to replace its pool process")
    return before[0]


def soak(s: Site, web: Gunicorn, faults: list[tuple[float, str, object]]) -> dict:
    """Traffic for SOAK seconds with `faults` (fraction of the time, name, callable); then the checks."""
    started = time.monotonic()
    spot = child(s, "setup", GRID)
    traffic = Traffic(web.url, prefix=PREFIX, lon=spot["lon"], lat=spot["lat"], accounts=spot["accounts"])
    traffic.start(intake=2, dispatcher=DISPATCHER)
    t0 = time.monotonic()
    done = []
    try:
        for at, name, fault in faults:
            time.sleep(max(0.0, t0 + at * SOAK - time.monotonic()))
            fault()  # type: ignore[operator]
            done.append(name)
        time.sleep(max(0.0, t0 + SOAK - time.monotonic()))
    finally:
        traffic.finish()
    traffic_seconds = time.monotonic() - t0

    # the follow-up work catches up: the outbox empties (rows are written after each commit; wait for none)
    def drained() -> bool:
        state = json.loads(s.manage("outbox", "status", "--json").stdout)
        return state["waiting"] == 0

    wait_until(drained, timeout=300, what="the outbox to be drained", interval=2)
    verify = s.manage("audit", "verify")  # exits non-zero on a broken chain
    facts = child(s, "check", PREFIX)
    figures = traffic.figures
    summary = {
        "acknowledged": figures.acknowledged,
        "replayed": figures.replayed,
        "steps": figures.steps,
        "reads": figures.reads,
        "read_errors": figures.read_errors,
        "retries": figures.retries,
        "gave_up": figures.gave_up,
        "faults": done,
        "traffic_s": round(traffic_seconds),
        "total_s": round(time.monotonic() - started),
        "notifications": facts["notifications"],
        "verify": verify.stdout.strip().splitlines()[0],
    }
    print(f"\nsoak {s.folder.name}: {json.dumps(summary, ensure_ascii=False)}")

    assert done == [name for _, name, _ in faults]
    assert figures.refusals == [], figures.refusals[:5]
    assert figures.gave_up == 0, summary
    assert figures.acknowledged > 0 and figures.steps > 0, summary
    # every acknowledged report exists exactly once, with the number it was acknowledged with; no other exists
    assert facts["duplicates"] == {}
    assert facts["cases"] == traffic.acked
    # each case's file: the report, then exactly the steps acknowledged
    for title, number in traffic.acked.items():
        assert facts["events"][number] == ["report", *traffic.acked_steps.get(number, [])], title
    # the outbox ran every row once: none waits or died, and the effects are there once each
    assert facts["outbox_waiting"] == 0 and facts["outbox_dead"] == []
    assert facts["notification_gaps"] == [], facts["notification_gaps"][:5]
    assert facts["undelivered"] == 0
    assert facts["stale_facts"] == []
    assert facts["rollup_gaps"] == [], facts["rollup_gaps"][:3]
    return summary


def test_postgresql_with_celery_survives_killed_workers_and_a_database_crash(site, demo_cluster):  # noqa: F811
    cluster = demo_cluster  # private to the scale run: restarting it disturbs nobody else
    s = site(demo_database(cluster, "soak"), redis_url=redis_db(REDIS_DB), name="postgresql")
    web = s.gunicorn(workers=2)
    celery = s.celery_worker(concurrency=1, beat=False)  # its children are the pool only …
    s.beat()  # … beat runs beside it: the periodic drain catches nudges lost in a crash
    soak(
        s,
        web,
        [
            (0.2, "SIGKILL a gunicorn worker", web.kill_worker),
            (0.4, "SIGKILL a Celery pool process", lambda: kill_pool_process(celery)),
            (0.6, "restart PostgreSQL (immediate)", lambda: cluster.restart("immediate")),
        ],
    )


def test_sqlite_embedded_survives_killed_web_and_sibling_workers(site, tmp_path):  # noqa: F811
    s = site(f"sqlite:///{tmp_path / 'soak.sqlite3'}", name="sqlite")
    s.build_demo()
    web = s.gunicorn(workers=2, GRIDGOV_OUTBOX_DRAIN="worker")  # as `gridgov serve` without Redis
    sibling = [s.sibling_worker(GRIDGOV_OUTBOX_DRAIN="worker")]

    def kill_sibling() -> None:
        sibling[0].kill(signal.SIGKILL)
        sibling[0].popen.wait(timeout=30)
        sibling[0] = s.sibling_worker(GRIDGOV_OUTBOX_DRAIN="worker")  # systemd's Restart=always

    soak(
        s,
        web,
        [
            (0.3, "SIGKILL a gunicorn worker", web.kill_worker),
            (0.55, "SIGKILL the sibling worker (restarted)", kill_sibling),
        ],
    )
