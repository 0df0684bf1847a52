"""Answers racing (PostgreSQL, separate processes): the same member answering three times at once is one
answer; two members racing for the last place of a call get one place between them (the call's row lock).

Nothing from Django or gridgov at the top: the racing processes are spawned and import this module
before they configure Django (as tests/visits/test_race.py does).
"""

import os

import pytest

from tests import races


def _answerer(env: dict, barrier, results, index: int, username: str, call_id: int) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from gridgov.core.errors import Conflict
    from gridgov.party import services
    from gridgov.party.models import WhistleCall
    from gridgov.people.actors import Actor

    try:
        actor = Actor.of(get_user_model().objects.get(username=username))
        call = WhistleCall.objects.select_related("grid").get(pk=call_id)
        barrier.wait(timeout=60)
        try:
            done = services.answer_call(actor=actor, call=call)
            outcome: tuple = (done.answer.pk, done.created)
        except Conflict:
            outcome = ("full", False)
    except Exception as exc:
        outcome = ("crash", repr(exc))
    finally:
        connection.close()
        results.put((index, outcome))


@pytest.mark.skipif("not races.on_postgresql()", reason=races.SKIP_REASON)
@pytest.mark.django_db(transaction=True)
def test_answers_race_to_one_each_and_no_more_than_needed(party):
    from gridgov.core.models import AuditEvent
    from gridgov.party import services
    from gridgov.party.models import WhistleAnswer
    from gridgov.people.actors import Actor
    from tests.party.conftest import a_call

    call = a_call(party, people=1)
    outcomes = races.race(_answerer, [("pm-zhang", call.pk)] * 3)
    answer = WhistleAnswer.objects.get(call=call)
    assert {pk for pk, _ in outcomes.values()} == {answer.pk}
    assert sorted(created for _, created in outcomes.values()) == [False, False, True]
    assert AuditEvent.objects.filter(action="party.call_answered", object_id=str(call.pk)).count() == 1

    last = a_call(party, people=1)
    services.register_member(actor=Actor.of(party["users"]["wang"]), member=party["members"]["wang"])
    outcomes = races.race(_answerer, [("pm-zhang", last.pk), ("pm-wang", last.pk)])
    assert sorted(str(pk) == "full" for pk, _ in outcomes.values()) == [False, True]
    assert WhistleAnswer.objects.filter(call=last).count() == 1
