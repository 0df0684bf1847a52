"""The same visit sent twice at once (a phone retrying while its first request is still running) is written
once, with its finding's case once (PostgreSQL, separate processes racing on the visit's unique id).

Nothing from Django or gridgov at the top: the racing processes are spawned and import this module
before they configure Django (as tests/patrols/test_sync_race.py does).
"""

import os
import uuid

import pytest

from tests import races

VISIT = uuid.UUID("0d1e5c4a-4b7e-4f61-8a0e-5a1c2b3d0007")
AT = "2026-03-09T10:00:00+08:00"


def _sender(env: dict, barrier, results, index: int, username: str, household_id: int) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from datetime import datetime

    from django.contrib.auth import get_user_model
    from django.db import connection

    from gridgov.people.actors import Actor
    from gridgov.registry.models import Household
    from gridgov.visits import services

    try:
        actor = Actor.of(get_user_model().objects.get(username=username))
        household = Household.objects.select_related("grid", "address").get(pk=household_id)
        barrier.wait(timeout=60)
        done = services.record_visit(
            actor=actor,
            client_id=VISIT,
            household=household,
            purpose="care",
            at=datetime.fromisoformat(AT),
            people_seen=1,
            findings=[{"title": "楼道扶手松动"}],
        )
        outcome: tuple = (done.visit.pk, done.created)
    except Exception as exc:
        outcome = ("crash", repr(exc))
    finally:
        connection.close()
        results.put((index, outcome))


@pytest.mark.skipif("not races.on_postgresql()", reason=races.SKIP_REASON)
@pytest.mark.django_db(transaction=True)
def test_a_visit_sent_twice_at_once_is_written_once(homes):
    from gridgov.cases.models import Case
    from gridgov.core.models import AuditEvent
    from gridgov.visits.models import Visit, VisitFinding
    from tests.visits.conftest import WORKER

    cases = Case.objects.count()
    outcomes = races.race(_sender, [(WORKER, homes["A"].pk)] * 3)
    visit = Visit.objects.get(client_id=VISIT)
    assert {pk for pk, _ in outcomes.values()} == {visit.pk}
    assert sorted(created for _, created in outcomes.values()) == [False, False, True]
    assert VisitFinding.objects.filter(visit=visit).count() == 1 and Case.objects.count() == cases + 1
    assert AuditEvent.objects.filter(action="visit.recorded", object_id=str(VISIT)).count() == 1
