"""Production on several processes (docs/deploy.md, "Production on several processes"), on the real services:
PostgreSQL, Redis, gunicorn, two Celery workers and one beat, started as deploy/systemd starts them.

(a) Every web process locates by the grid tree as it is now: three gunicorns (one worker each, so that the port
    names the process that answers) each locate a point once, the grids are changed by another process, and
    from then on each of them files the point by the new boundary — no process keeps its old locator.
(b) With two Celery workers and one beat, the deadline sweep, the rollups and the notifications take effect
    exactly once: the periodic tasks are sent several times to both workers at once, and the rows are counted.

The database: a copy of the demo city in the scale run's private cluster (tests/scale/conftest.py, demo_cluster).
Redis: databases 13 and 14 of 127.0.0.1:6379.
"""

from __future__ import annotations

import json
import re
import sys
import urllib.error
import urllib.request
from collections import Counter

import psycopg
import pytest
import shapely

from tests.scale.pgcluster import demo_database
from tests.scale.procs import Gunicorn, free_port, redis_db, site, wait_until  # noqa: F401  (site: a fixture)

COMMUNITY = "410102001002"  # a community of 林山寨街道 in the demo city (seed 0)
LEAF = "410102001002001"  # one of its 三级网格
DISPATCHER = "dispatcher-410102001"  # the street's dispatcher in the demo city
OVERDUE = 12  # cases dispatched long ago, never signed for: each owes one automatic 督办


@pytest.fixture
def procs(demo_cluster, site, request):  # noqa: F811
    """site(redis_url) on a fresh copy of the demo city (demo_database); its processes stop with the test."""

    def make(*, redis_url: str):
        return site(demo_database(demo_cluster, f"procs_{request.node.name[:40]}"), redis_url=redis_url)

    return make


def get_json(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def post_json(url: str, body: dict) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def locate(web: Gunicorn, point: shapely.Point) -> str | None:
    status, body = get_json(f"{web.url}/api/v1/grids/locate?lon={point.x!r}&lat={point.y!r}")
    assert status in (200, 404), (status, body)
    return body["grid"]["code"] if status == 200 else None


SWAP = """
import json
from gridgov.grids.models import Grid
from gridgov.grids.selectors import current_geometries
from gridgov.grids.services import GridInput, import_grids
a, b = {a!r}, {b!r}
geometries = current_geometries([a, b])
grids = {{g.code: g for g in Grid.objects.filter(code__in=[a, b], valid_to__isnull=True)}}
items = [
    GridInput(row=row, code=code, name=grids[code].name, households=grids[code].households,
              population=grids[code].population, kind=grids[code].kind, geometry=geometries[other])
    for row, (code, other) in enumerate([(a, b), (b, a)], 1)
]
print(json.dumps(import_grids(items=items, source="tests/scale: swap two grids").as_dict()))
"""


def test_every_web_process_locates_by_the_new_boundary(procs):
    s = procs(redis_url=redis_db(13))
    # three gunicorns of one worker each, started side by side: the port says which process answers
    webs = []
    for _ in range(3):
        web = Gunicorn(port=free_port(), workers=1, env=s.env(), log=s.folder / f"gunicorn-{len(s.procs)}.log")
        s.procs.append(web)
        webs.append(web)
    for web in webs:
        web.wait_ready(timeout=180)
    assert len({pid for web in webs for pid in web.worker_pids()}) == 3

    # two sibling 三级网格 of one community, a point inside each (from the public map layer)
    status, layer = get_json(f"{webs[0].url}/api/v1/grids/geojson?parent={COMMUNITY}")
    assert status == 200, layer
    leaves = sorted(
        (f["properties"]["code"], shapely.geometry.shape(f["geometry"]))
        for f in layer["features"]
        if len(f["properties"]["code"]) == 15
    )
    assert len(leaves) >= 2, layer
    (a, area_a), (b, area_b) = leaves[:2]
    in_a, in_b = shapely.point_on_surface(area_a), shapely.point_on_surface(area_b)

    # every process builds its locator now, on the tree before the change
    for web in webs:
        assert (locate(web, in_a), locate(web, in_b)) == (a, b), web.name

    # another process (as the admin's form or `gridgov grids import` would) gives a the polygon of b and b that of a
    done = s.manage("shell", "-c", SWAP.format(a=a, b=b))
    assert json.loads(done.stdout.strip().splitlines()[-1])["updated"] == 2, done.stdout

    # at once, in every process: located and filed by the new boundaries (no wait: the tree's version is
    # read on every use, so a stale locator would answer the old grid here)
    for web in webs:
        assert (locate(web, in_a), locate(web, in_b)) == (b, a), web.name
        status, case = post_json(
            f"{web.url}/api/v1/cases",
            {"title": "井盖缺失", "description": f"filed through {web.name}", "lon": in_a.x, "lat": in_a.y},
        )
        assert status == 201, case
        assert case["grid"]["code"] == b, (web.name, case["grid"])
    for web in webs:
        assert web.running(), web.output()


OVERDUE_CASES = """
import json
from datetime import timedelta
import shapely
from django.contrib.auth import get_user_model
from django.utils import timezone
from gridgov.cases import services
from gridgov.grids.selectors import current_geometries
from gridgov.people.actors import Actor
point = shapely.point_on_surface(current_geometries([{leaf!r}])[{leaf!r}])
dispatcher = Actor.of(get_user_model().objects.get(username={dispatcher!r}))
# dispatched a quarter ago and never signed for: past every deadline, whatever day the test runs
at = timezone.now() - timedelta(days=90)
numbers = []
for i in range({count}):
    number = services.report_case(
        actor=Actor.anonymous(), title=f"占道经营 {{i}}", lon=point.x, lat=point.y, at=at
    ).case.number
    services.register_case(actor=dispatcher, number=number, at=at)
    services.dispatch_case(actor=dispatcher, number=number, unit={leaf!r}, at=at)
    numbers.append(number)
print(json.dumps(numbers))
"""

SENT = {"gridgov.cases.sweep_deadlines": 4, "gridgov.assessment.catch_up_rollups": 4, "gridgov.core.drain_outbox": 4}


def test_two_workers_and_one_beat_do_each_thing_once(procs):
    from celery import Celery

    s = procs(redis_url=redis_db(14))
    # the cases first: their follow-up work (rollups, notifications) waits in the outbox for the workers
    done = s.manage("shell", "-c", OVERDUE_CASES.format(leaf=LEAF, dispatcher=DISPATCHER, count=OVERDUE))
    numbers = json.loads(done.stdout.strip().splitlines()[-1])
    assert len(numbers) == OVERDUE

    # as deploy/systemd starts them: two workers without beat, each with its node name, and the one beat
    gridgov = [sys.executable, "-m", "gridgov.cli", "worker"]
    info = {"GRIDGOV_WORKER_NICE": "0", "GRIDGOV_LOG_LEVEL": "INFO"}
    workers = [
        s.start(f"worker{i}", [*gridgov, "--no-beat", "--concurrency", "1", "--hostname", f"worker{i}@%h"], **info)
        for i in (1, 2)
    ]
    beat = s.start("beat", [*gridgov, "--beat-only", "--schedule-file", str(s.folder / "beat-schedule")], **info)
    for worker in workers:
        worker.wait_for_output("ready.", timeout=180)
    # beat sends the whole schedule: also a @task(every=5) that gridgov.celery.SCHEDULE does not list
    beat.wait_for_output("Sending due task gridgov.exchange.deliver_outbound", timeout=120)

    # the periodic tasks, several times each, sent at once: both workers run them side by side
    sender = Celery("tests-scale-sender", broker=s.redis_url)
    ids = [sender.send_task(name).id for name, times in SENT.items() for _ in range(times)]
    sender.close()

    def ran(worker) -> set[str]:
        return set(re.findall(r"\[([0-9a-f-]{36})\] succeeded", worker.log.read_text(errors="replace"))) & set(ids)

    with psycopg.connect(s.database_url, autocommit=True) as db:

        def one(sql: str, *args):
            return db.execute(sql, args).fetchone()[0]

        def settled() -> bool:
            for worker in [*workers, beat]:
                assert worker.running(), worker.output()
            dead = db.execute("SELECT task, last_error FROM core_outboxitem WHERE dead").fetchall()
            assert not dead, f"tasks failed for good: {dead}"
            missing.clear()
            missing.update(
                {
                    "tasks not run": len(set(ids) - ran(workers[0]) - ran(workers[1])),
                    "outbox rows": one("SELECT count(*) FROM core_outboxitem"),
                    "undelivered": one("SELECT count(*) FROM notifications_notification WHERE delivered_at IS NULL"),
                    "cases not pressed": OVERDUE
                    - one(
                        "SELECT count(DISTINCT c.id) FROM cases_case c JOIN cases_caseevent e ON e.case_id = c.id"
                        " WHERE c.number = ANY(%s) AND e.action = 'supervise'",
                        numbers,
                    ),
                }
            )
            return not any(missing.values())

        missing: dict[str, int] = {}
        try:
            wait_until(settled, timeout=480, what="the workers to run every task sent and drain the outbox")
        except AssertionError as exc:  # say what was still missing, and what the workers last said
            logs = "\n".join(f"--- {w.name}\n{w.output(3000)}" for w in [*workers, beat])
            raise AssertionError(f"{exc}: {missing}\n{logs}") from None
        both = [len(ran(w)) for w in workers]
        assert all(both), f"each worker ran some of the tasks sent: {both}"

        # the sweep: one automatic 督办 per overdue case, and each case's light red
        pressed = db.execute(
            "SELECT c.number, count(*) FROM cases_case c JOIN cases_caseevent e ON e.case_id = c.id"
            " WHERE c.number = ANY(%s) AND e.action = 'supervise' AND e.data ? 'overdue' GROUP BY c.number",
            [numbers],
        ).fetchall()
        assert dict(pressed) == dict.fromkeys(numbers, 1)
        lights = db.execute("SELECT light FROM cases_case WHERE number = ANY(%s)", [numbers]).fetchall()
        assert {light for (light,) in lights} == {"red"}

        # the notifications: one row per recipient and key, each sent once by one worker
        rows = db.execute(
            "SELECT id, recipient_id, dedupe_key FROM notifications_notification WHERE dedupe_key LIKE 'light:%'"
        ).fetchall()
        assert {key.split(":")[1] for _, _, key in rows} == set(numbers), "a red-light notice for each case"
        assert max(Counter((r, k) for _, r, k in rows).values()) == 1
        all_ids = [i for (i,) in db.execute("SELECT id FROM notifications_notification").fetchall()]
        # LogSender's line, as gridgov's handler prints it (Celery's handler prints it again, "[time: INFO/…] …")
        sent = Counter(
            int(i)
            for w in workers
            for i in re.findall(r"^notification (\d+) to user", w.log.read_text(errors="replace"), re.M)
        )
        assert sent == Counter(all_ids), "every notification handed to the sender exactly once"

        # the rollups: each case counted once, in its fact and in the day's sums of its grid and district
        facts = db.execute(
            "SELECT f.event_count = c.event_count, f.received, f.dispatched, f.day FROM cases_case c"
            " JOIN assessment_casefact f ON f.case_id = c.id WHERE c.number = ANY(%s)",
            [numbers],
        ).fetchall()
        assert len(facts) == OVERDUE and all(
            current and received == dispatched == 1 for current, received, dispatched, _ in facts
        )
        (day,) = {row[3] for row in facts}
        sums = dict(
            db.execute(
                "SELECT code, received FROM assessment_rollup WHERE kind = 'region' AND day = %s AND code = ANY(%s)",
                [day, [LEAF, LEAF[:6]]],
            ).fetchall()
        )
        assert sums == {LEAF: OVERDUE, LEAF[:6]: OVERDUE}
        dispatched = one(
            "SELECT dispatched FROM assessment_rollup WHERE kind = 'region' AND day = %s AND code = %s", day, LEAF
        )
        assert dispatched == OVERDUE
