"""The product against a primary and its read replica, in a process of its own (tests/scale/test_replica.py).

    python -m tests.scale.replica_driver check   # what each surface read, as JSON

GRIDGOV_DATABASE_URL names the primary's database (the demo city in it), GRIDGOV_REPLICA_URL the replica's.

`check` files case A and waits until the replica has it, pauses the replica's replay, files case B, then asks
the dashboard, /stats/indicators, the monthly report and `gridgov cases export` (they read the replica) and the
case page (it reads the primary) what they see; every query is recorded with the alias it ran on. It prints the
observations; the test judges them.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
os.environ.setdefault("GRIDGOV_RATE_LIMITS", "off")

import django

django.setup()
from django.test.utils import setup_test_environment  # noqa: E402

setup_test_environment()  # the test client then keeps each page's template context

import psycopg  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connections  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

WRITES = ("INSERT", "UPDATE", "DELETE", "CREATE", "ALTER", "DROP", "TRUNCATE")


class Recorder:
    """Every statement by alias, from the moment it is installed."""

    def __init__(self) -> None:
        self.log: list[tuple[str, str]] = []

    def install(self, alias: str) -> None:
        def wrapper(execute, sql, params, many, context):
            self.log.append((alias, sql))
            return execute(sql, params, many, context)

        connections[alias].execute_wrappers.append(wrapper)

    def mark(self) -> int:
        return len(self.log)

    def since(self, mark: int) -> list[tuple[str, str]]:
        return self.log[mark:]


def _dsn(alias: str) -> str:
    db = settings.DATABASES[alias]
    return f"host={db['HOST']} port={db['PORT']} dbname={db['NAME']} user={db['USER']}"


def wait_replica_caught_up(timeout: float = 60) -> None:
    with psycopg.connect(_dsn("default"), autocommit=True) as primary:
        target = primary.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
    deadline = time.monotonic() + timeout
    with psycopg.connect(_dsn("replica"), autocommit=True) as replica:
        while True:
            behind = replica.execute(
                "SELECT pg_wal_lsn_diff(%s::pg_lsn, pg_last_wal_replay_lsn()) > 0", [target]
            ).fetchone()[0]
            if not behind:
                return
            if time.monotonic() > deadline:
                raise TimeoutError("the replica did not catch up")
            time.sleep(0.1)


def replay(pause: bool) -> None:
    with psycopg.connect(_dsn("replica"), autocommit=True) as replica:
        replica.execute("SELECT pg_wal_replay_pause()" if pause else "SELECT pg_wal_replay_resume()")


def file_case(title: str) -> str:
    import shapely

    from gridgov.cases.services import report_case
    from gridgov.grids.selectors import current_geometries
    from gridgov.people.actors import Actor

    code = "410102001002001"
    point = shapely.point_on_surface(current_geometries([code])[code])
    return report_case(actor=Actor.anonymous(), title=title, lon=point.x, lat=point.y).case.number


def check() -> dict:
    from gridgov.cases.models import Case
    from gridgov.core.dbrouter import reading_replica
    from gridgov.core.models import AuditEvent

    assert "replica" in settings.DATABASES, "GRIDGOV_REPLICA_URL is not set"
    out: dict = {"aliases": sorted(settings.DATABASES)}
    recorder = Recorder()
    for alias in ("default", "replica"):
        recorder.install(alias)
    today = timezone.localdate().isoformat()
    region = "410102"
    leader = Client()
    leader.force_login(get_user_model().objects.get(username="leader"))
    indicators = reverse("api-v1:indicators")

    def received(source: str) -> int:
        answer = leader.get(indicators, {"region": region, "start": today, "end": today, "source": source})
        assert answer.status_code == 200, answer.content
        return answer.json()["received"]

    first = file_case("副本测试一")
    wait_replica_caught_up()
    out["before_pause"] = {"rollups": received("rollups"), "events": received("events")}

    replay(pause=True)
    try:
        mark = recorder.mark()
        second = file_case("副本测试二")  # written on the primary while the replica stands still
        writes = recorder.since(mark)
        out["second_written_on"] = sorted({a for a, sql in writes if sql.lstrip().upper().startswith(WRITES)})
        out["on_primary"] = sorted(
            Case.objects.using("default").filter(number__in=[first, second]).values_list("number", flat=True)
        )
        out["on_replica"] = sorted(
            Case.objects.using("replica").filter(number__in=[first, second]).values_list("number", flat=True)
        )

        mark = recorder.mark()
        out["paused"] = {"rollups": received("rollups"), "events": received("events")}
        dashboard = leader.get(reverse("assessment:dashboard"), {"region": region, "start": today, "end": today})
        out["dashboard_status"] = dashboard.status_code
        out["dashboard_received"] = dashboard.context["figures"]["received"] if dashboard.context else None
        report = leader.get(reverse("assessment:report"), {"region": region, "month": today[:7]})
        out["report_status"] = report.status_code
        out["stats_queries"] = _by_alias(recorder.since(mark))

        with reading_replica():  # what the selectors give outside a request, for comparison
            from gridgov.assessment import selectors

            day = timezone.localdate()
            out["selector_in_context"] = selectors.indicators(kind="region", code=region, start=day, end=day)[
                "received"
            ]
        out["selector_outside"] = selectors.indicators(kind="region", code=region, start=day, end=day)["received"]

        mark = recorder.mark()
        page = leader.get(f"/api/v1/cases/{second}")
        out["case_page_status"] = page.status_code
        out["case_page_number"] = page.json().get("number") if page.status_code == 200 else None
        out["case_page_queries"] = _by_alias(recorder.since(mark))

        mark = recorder.mark()
        with tempfile.TemporaryDirectory() as folder:
            target = Path(folder) / "cases.csv"
            call_command("cases", "export", str(target), "--since", today, "--until", today, "--json", stdout=_Null())
            rows = target.read_text(encoding="utf-8-sig").splitlines()
        export_log = recorder.since(mark)
        out["export_numbers"] = sorted(n for n in (first, second) if any(n in row for row in rows[1:]))
        out["export_queries"] = _by_alias(export_log)
        out["export_audited_on_primary"] = AuditEvent.objects.using("default").filter(action="cases.export").count()

        with psycopg.connect(_dsn("replica"), autocommit=True) as replica:
            try:
                replica.execute("CREATE TABLE gridgov_probe (id int)")
                out["replica_refused_a_write"] = None
            except psycopg.errors.ReadOnlySqlTransaction as exc:
                out["replica_refused_a_write"] = type(exc).__name__
    finally:
        replay(pause=False)
    wait_replica_caught_up()
    out["resumed"] = {"rollups": received("rollups"), "events": received("events")}
    out["writes_on_replica"] = [
        sql for a, sql in recorder.log if a == "replica" and sql.lstrip().upper().startswith(WRITES)
    ]
    out["first"], out["second"] = first, second
    return out


def _by_alias(log: list[tuple[str, str]]) -> dict:
    tables = {"default": set(), "replica": set()}
    for alias, sql in log:
        for table in ("cases_case", "cases_caseevent", "assessment_casefact", "auth_user", "core_auditevent"):
            if f'"{table}"' in sql:
                tables[alias].add(table)
    return {alias: sorted(found) for alias, found in tables.items()}


class _Null:
    def write(self, *_):
        pass

    def flush(self):
        pass


def held(step):
    """The step with the clock held (ticking) at 10:00 of the next local day: the cases it files and the day
    it asks the dashboards about cannot straddle a midnight."""
    from datetime import datetime, time, timedelta

    import time_machine

    moment = datetime.combine(timezone.localdate() + timedelta(days=1), time(10), timezone.get_default_timezone())
    with time_machine.travel(moment.timestamp(), tick=True):
        return step()


if __name__ == "__main__":
    result = held({"check": check}[sys.argv[1]])
    print("RESULT " + json.dumps(result, ensure_ascii=False, default=str))
