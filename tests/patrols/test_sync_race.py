"""Concurrent syncs of one session, with overlapping batches, write each point once and count it once
(PostgreSQL, separate processes; the session's row lock makes them take turns).

Nothing from Django or gridgov at the top: the racing processes are spawned and import this module
before they configure Django (as tests/cases/test_safety.py does).
"""

import os
import uuid

import pytest

from tests import races

SESSION = uuid.UUID("7b0c3c7e-5f5e-4d1a-9a59-0c6f0d6f0001")


def fixes(start: int, stop: int) -> list[dict]:
    """Fixes with ids stable across processes, on Monday 2 March 2026 from 09:00 (+08:00)."""
    return [
        {
            "id": str(uuid.uuid5(SESSION, str(i))),
            "lon": 113.6 + i * 1e-5,
            "lat": 34.75,
            "at": f"2026-03-02T09:{i // 60:02d}:{i % 60:02d}+08:00",
        }
        for i in range(start, stop)
    ]


def _syncer(env: dict, barrier, results, index: int, username: str, span: tuple[int, int]) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from gridgov.patrols import selectors, services
    from gridgov.people.actors import Actor

    try:
        actor = Actor.of(get_user_model().objects.get(username=username))
        session = selectors.own_session(actor, SESSION)
        batch = fixes(*span)
        barrier.wait(timeout=60)
        synced = services.sync_track(actor=actor, session=session, points=batch)
        outcome: tuple = (synced.received, synced.new)
    except Exception as exc:
        outcome = ("crash", repr(exc))
    finally:
        connection.close()
        results.put((index, outcome))


@pytest.mark.skipif("not races.on_postgresql()", reason=races.SKIP_REASON)
@pytest.mark.django_db(transaction=True)
def test_overlapping_batches_synced_at_once_write_each_point_once(demo_city):
    from datetime import date, datetime
    from datetime import time as clock_time

    from django.utils import timezone

    from gridgov.grids.models import Grid
    from gridgov.patrols import services
    from gridgov.patrols.models import TrackPoint
    from tests.cases import helpers as h
    from tests.patrols.conftest import LEADER, WORKER

    plan = services.create_plan(
        actor=h.actor(LEADER),
        grid=Grid.objects.get(code=h.GRID),
        name="并发",
        window_start=clock_time(8),
        window_end=clock_time(18),
        valid_from=date(2026, 3, 2),
        points=[],
    )
    started = datetime(2026, 3, 2, 9, tzinfo=timezone.get_default_timezone())
    services.start_session(actor=h.actor(WORKER), client_id=SESSION, plan=plan, started_at=started)

    spans = [(0, 60), (30, 90), (0, 90), (60, 120)]  # 120 distinct points, each sent two or three times
    outcomes = races.race(_syncer, [(WORKER, span) for span in spans])
    assert [outcomes[i][0] for i in range(len(spans))] == [60, 60, 90, 60]
    assert sum(new for _, new in outcomes.values()) == 120, outcomes
    assert TrackPoint.objects.filter(session__client_id=SESSION).count() == 120
