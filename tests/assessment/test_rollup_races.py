"""Workers refreshing the same cases at the same moment never count a case twice (PostgreSQL)."""

import multiprocessing
import os
from datetime import datetime, timedelta

import pytest

from tests.cases.test_safety import _on_postgresql, _test_database_url, needs_postgresql  # noqa: F401

START = datetime.fromisoformat("2026-10-05T09:30:00+08:00")


def _sweeper(env: dict, barrier, results, index: int) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    from gridgov.assessment import services

    try:
        connection.ensure_connection()
        barrier.wait(timeout=60)
        results.put((index, services.catch_up(batch=7)))
    except Exception as exc:  # reported to the parent
        results.put((index, repr(exc)))
    finally:
        connection.close()


@needs_postgresql
@pytest.mark.django_db(transaction=True)
def test_four_workers_sweeping_at_once_count_each_case_once(demo_city):
    from gridgov.assessment import selectors
    from gridgov.assessment.models import CaseFact, Rollup
    from tests.cases.helpers import bring

    for n, path in enumerate(
        ["closed", "evaluated_satisfied", "in_progress_rework", "rejected", "verified_on_spot"] * 3
    ):
        bring(path, at=START + timedelta(hours=n))
    # the tasks ran after each step; forget what they did, as if they had all been lost
    CaseFact.objects.all().delete()
    Rollup.objects.all().delete()
    ctx = multiprocessing.get_context("spawn")
    barrier, results = ctx.Barrier(4), ctx.Queue()
    env = {
        "DJANGO_SETTINGS_MODULE": "gridgov.settings",
        "GRIDGOV_DATABASE_URL": _test_database_url(),
        "GRIDGOV_REDIS_URL": "",
    }
    processes = [ctx.Process(target=_sweeper, args=(env, barrier, results, i), daemon=True) for i in range(4)]
    for p in processes:
        p.start()
    outcomes = [results.get(timeout=180) for _ in processes]
    for p in processes:
        p.join(timeout=30)
    assert all(isinstance(changed, int) for _, changed in outcomes), outcomes
    assert sum(changed for _, changed in outcomes) == 30  # each case refreshed by exactly one of them
    first, last = START.date(), START.date() + timedelta(days=60)
    for kind, code in [("region", "410102"), ("region", "410102001"), ("unit", "D410102001")]:
        assert selectors.totals(kind, code, first, last) == selectors.totals_from_events(kind, code, first, last)
    assert selectors.totals("region", "410102", first, last)["received"] == 30  # 15 cases and their masters
