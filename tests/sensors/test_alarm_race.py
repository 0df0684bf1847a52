"""Concurrent alarms of one device (PostgreSQL, separate processes): a resent event id is stored once and
every sender gets the same answer; two events of one incident open one case (the device's row lock makes
them take turns).

Nothing from Django or gridgov at the top: the racing processes are spawned and import this module
before they configure Django (as tests/patrols/test_sync_race.py does).
"""

import os

import pytest

from tests import races

AT = "2026-03-02T09:00:00+08:00"
SENDS = [("r1", AT), ("r1", AT), ("r1", AT), ("r2", "2026-03-02T09:01:00+08:00"), ("r2", "2026-03-02T09:01:00+08:00")]


def _sender(env: dict, barrier, results, index: int, serial: str, secret: str, event_id: str, at: str) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from datetime import datetime

    from django.db import connection

    from gridgov.sensors import alarms, services

    try:
        device = services.authenticate(serial, secret)
        barrier.wait(timeout=60)
        received = alarms.receive_alarm(device=device, event_id=event_id, at=datetime.fromisoformat(at))
        outcome: tuple = (received.alarm.pk, received.case.number, received.folded)
    except Exception as exc:
        outcome = ("crash", repr(exc))
    finally:
        connection.close()
        results.put((index, outcome))


@pytest.mark.skipif("not races.on_postgresql()", reason=races.SKIP_REASON)
@pytest.mark.django_db(transaction=True)
def test_concurrent_alarms_store_each_event_once_and_open_one_case(smoke):
    from gridgov.cases.models import Case, Channel
    from gridgov.sensors.models import Alarm

    device, secret = smoke
    outcomes = races.race(_sender, [(device.serial, secret, e, at) for e, at in SENDS])
    assert outcomes[0] == outcomes[1] == outcomes[2]
    assert outcomes[3] == outcomes[4]
    assert outcomes[0][1] == outcomes[3][1]  # one incident, one case
    assert Alarm.objects.count() == 2
    assert Case.objects.filter(channel=Channel.SENSOR).count() == 1
