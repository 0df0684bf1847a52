"""Agreements recorded at once by two mediators of one team get distinct numbers, in order (PostgreSQL,
separate processes racing on the team's counter row).

Nothing from Django or gridgov at the top: the racing processes are spawned and import this module
before they configure Django (as tests/visits/test_race.py does).
"""

import os

import pytest

from tests import races

RACERS = 4


def _agree(env: dict, barrier, results, index: int, username: str, number: str) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from datetime import date

    from django.contrib.auth import get_user_model
    from django.db import connection

    from gridgov.mediation import services
    from gridgov.people.actors import Actor

    try:
        actor = Actor.of(get_user_model().objects.get(username=username))
        barrier.wait(timeout=60)
        outcome: tuple = (
            services.record_agreement(actor=actor, number=number, terms="双方和解", signed_on=date(2026, 3, 12)).number,
        )
    except Exception as exc:
        outcome = ("crash", repr(exc))
    finally:
        connection.close()
        results.put((index, outcome))


@pytest.mark.skipif("not races.on_postgresql()", reason=races.SKIP_REASON)
@pytest.mark.django_db(transaction=True)
def test_agreement_numbers_are_unique_under_concurrency(teams):
    from gridgov.mediation.models import Agreement
    from tests.mediation.conftest import GRID_MEDIATOR, open_walk_in

    numbers = [open_walk_in(1, title=f"纠纷{n}").number for n in range(RACERS)]
    outcomes = races.race(_agree, [(GRID_MEDIATOR, n) for n in numbers])
    got = sorted(o[0] for o in outcomes.values())
    assert got == [f"矩阵调〔2026〕第{n:03d}号" for n in range(1, RACERS + 1)]
    assert Agreement.objects.count() == RACERS
