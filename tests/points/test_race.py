"""Many cashiers redeem from one account at once (PostgreSQL, separate processes): the balance never goes
below zero, exactly as many redemptions succeed as the balance pays for, the rest are refused (409), and the
stock is right; and one credit retried at once by several processes is written once.

Nothing from Django or gridgov at the top: the racing processes are spawned and import this module before
they configure Django (as tests/visits/test_race.py does).
"""

import os

import pytest

from tests import races

RACERS = 8


def _redeemer(env: dict, barrier, results, index: int, username: str, shop_id: int, code: str, item_id: int) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from gridgov.core.errors import Conflict
    from gridgov.people.actors import Actor
    from gridgov.points import services
    from gridgov.points.models import Supermarket

    try:
        actor = Actor.of(get_user_model().objects.get(username=username))
        shop = Supermarket.objects.select_related("community").get(pk=shop_id)
        barrier.wait(timeout=60)
        try:
            done = services.redeem(
                actor=actor, supermarket=shop, code=code, lines=[(item_id, 1)], client_key=f"race-{index}"
            )
            outcome: tuple = ("ok", done.entry.balance_after)
        except Conflict as exc:
            outcome = ("refused", exc.message)
    except Exception as exc:
        outcome = ("crash", repr(exc))
    finally:
        connection.close()
        results.put((index, outcome))


def _creditor(env: dict, barrier, results, index: int, username: str, resident_id: int) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from gridgov.people.actors import Actor
    from gridgov.points import services
    from gridgov.registry.models import Resident

    try:
        actor = Actor.of(get_user_model().objects.get(username=username))
        resident = Resident.objects.select_related("grid").get(pk=resident_id)
        barrier.wait(timeout=60)
        done = services.credit(actor=actor, resident=resident, kind="environment", ref="retried-0310")
        outcome: tuple = (done.entry.pk, done.created)
    except Exception as exc:
        outcome = ("crash", repr(exc))
    finally:
        connection.close()
        results.put((index, outcome))


@pytest.mark.skipif("not races.on_postgresql()", reason=races.SKIP_REASON)
@pytest.mark.django_db(transaction=True)
def test_concurrent_redemptions_never_take_the_balance_below_zero(people):
    from gridgov.points import services
    from gridgov.points.models import Account, Entry, Item
    from tests.points.conftest import LEADER

    wang, leader = people["wang"], people["leader"]
    services.credit(actor=leader, resident=wang, kind="volunteer_hour", ref="h1", units=5)  # 50 points
    soap = services.stock_item(
        actor=leader, supermarket=people["shop"], name="香皂", points=15, add=10, item=people["soap"]
    )
    account = Account.objects.get(resident=wang)
    outcomes = races.race(_redeemer, [(LEADER, people["shop"].pk, account.code, soap.pk)] * RACERS)
    kinds = sorted(o[0] for o in outcomes.values())
    assert kinds == ["ok"] * 3 + ["refused"] * (RACERS - 3), outcomes  # 50 pays for three at 15
    assert sorted(o[1] for o in outcomes.values() if o[0] == "ok") == [5, 20, 35]
    account.refresh_from_db()
    assert account.balance == 5 and Item.objects.get(pk=soap.pk).stock == 12 - 3
    assert Entry.objects.filter(source_kind="redeem").count() == 3


@pytest.mark.skipif("not races.on_postgresql()", reason=races.SKIP_REASON)
@pytest.mark.django_db(transaction=True)
def test_a_credit_retried_at_once_is_written_once(people):
    from gridgov.core.models import AuditEvent
    from gridgov.points.models import Account, Entry, PointsRule
    from tests.points.conftest import LEADER

    outcomes = races.race(_creditor, [(LEADER, people["wang"].pk)] * 4)
    entry = Entry.objects.get(key="environment:retried-0310")
    assert {pk for pk, _ in outcomes.values()} == {entry.pk}
    assert sorted(created for _, created in outcomes.values()) == [False, False, False, True]
    assert Account.objects.get(resident=people["wang"]).balance == PointsRule.objects.get(kind="environment").points
    assert AuditEvent.objects.filter(action="points.credited", object_id=entry.key).count() == 1
