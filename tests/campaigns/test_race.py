"""One checklist item of a grid sent at once by its worker (twice, the same id: a phone retrying) and by its
grid leader (another id) is written once, with one case (PostgreSQL, separate processes racing on the
result's unique id and on grid × item).

Nothing from Django or gridgov at the top: the racing processes are spawned and import this module
before they configure Django (as tests/visits/test_race.py does).
"""

import os
import uuid

import pytest

from tests import races

FIRST = uuid.UUID("5c0e7c1a-2b9d-4e21-9a61-3f1b2c3d0001")
SECOND = uuid.UUID("5c0e7c1a-2b9d-4e21-9a61-3f1b2c3d0002")


def _sender(env: dict, barrier, results, index: int, username: str, client_id: str, target_id: int) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from gridgov.campaigns import services
    from gridgov.campaigns.models import CampaignTarget
    from gridgov.core.errors import Conflict
    from gridgov.people.actors import Actor

    try:
        actor = Actor.of(get_user_model().objects.get(username=username))
        target = CampaignTarget.objects.select_related("grid", "campaign").get(pk=target_id)
        item = target.campaign.items.get(position=1)
        barrier.wait(timeout=60)
        done = services.record_result(
            actor=actor,
            client_id=client_id,
            target=target,
            item=item,
            outcome="problem",
            problem={"title": "垃圾堆放未清运"},
        )
        outcome: tuple = ("saved", done.obj.pk, done.created)
    except Conflict:
        outcome = ("conflict",)
    except Exception as exc:
        outcome = ("crash", repr(exc))
    finally:
        connection.close()
        results.put((index, outcome))


@pytest.mark.skipif("not races.on_postgresql()", reason=races.SKIP_REASON)
@pytest.mark.django_db(transaction=True)
def test_an_item_sent_at_once_by_two_people_is_written_once(campaign):
    from gridgov.campaigns.models import CheckResult
    from gridgov.cases.models import Case
    from gridgov.core.models import AuditEvent
    from tests.campaigns.conftest import GRID, WORKER

    target = campaign.targets.get(grid__code=GRID)
    cases = Case.objects.count()
    leader = f"leader-{GRID[:12]}"
    outcomes = races.race(
        _sender, [(WORKER, str(FIRST), target.pk), (WORKER, str(FIRST), target.pk), (leader, str(SECOND), target.pk)]
    )
    assert not [o for o in outcomes.values() if o[0] == "crash"], outcomes
    result = CheckResult.objects.get(target=target)
    saved = [o for o in outcomes.values() if o[0] == "saved"]
    assert {o[1] for o in saved} == {result.pk} and [o[2] for o in saved].count(True) == 1, outcomes
    assert Case.objects.count() == cases + 1
    assert AuditEvent.objects.filter(action="campaign.result").count() == 1
