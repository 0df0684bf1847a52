"""Two staff recording the same meeting at once (PostgreSQL, separate processes): the matter's row lock lets
one through; the other is told the stage is done already and writes nothing.

Nothing from Django or gridgov at the top: the racing processes import this module before they configure
Django (as tests/party/test_race.py does).
"""

import os

import pytest

from tests import races


def _recorder(env: dict, barrier, results, index: int, username: str, matter_id: int) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone

    from gridgov.core.errors import Conflict
    from gridgov.deliberation import services
    from gridgov.deliberation.models import Matter
    from gridgov.people.actors import Actor

    try:
        actor = Actor.of(get_user_model().objects.get(username=username))
        matter = Matter.objects.select_related("grid").get(pk=matter_id)
        barrier.wait(timeout=60)
        try:
            held = services.record_round(
                actor=actor,
                matter=matter,
                stage="propose",
                held_on=timezone.localdate(),
                minutes="同意",
                expected=5,
                present=5,
                votes_for=5,
                votes_against=0,
                votes_abstain=0,
            )
            outcome: tuple = ("recorded", held.pk)
        except Conflict as exc:
            outcome = ("refused", exc.message)
    except Exception as exc:
        outcome = ("crash", repr(exc))
    finally:
        connection.close()
        results.put((index, outcome))


@pytest.mark.skipif("not races.on_postgresql()", reason=races.SKIP_REASON)
@pytest.mark.django_db(transaction=True)
def test_one_meeting_recorded_once(demo_city):
    from gridgov.core.models import AuditEvent
    from gridgov.deliberation import services
    from gridgov.deliberation.models import Round
    from tests.deliberation.conftest import LEADER, STREET_LEADER, actor, grid, step

    leader = actor(LEADER)
    matter = services.open_matter(actor=leader, grid=grid("410102001002"), title="并发")
    step(leader, matter, "solicit")
    outcomes = races.race(_recorder, [(LEADER, matter.pk), (STREET_LEADER, matter.pk)])
    kinds = sorted(kind for kind, _ in outcomes.values())
    assert kinds == ["recorded", "refused"], outcomes
    assert Round.objects.filter(matter=matter).count() == 1
    assert AuditEvent.objects.filter(action="deliberation.round", object_id=str(matter.pk)).count() == 1
