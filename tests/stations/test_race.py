"""Many residents sign up for the last places at once (PostgreSQL, separate processes): exactly `capacity` are
confirmed, the rest wait in line; and one sign-up resent at once with the same client id is written once.

Nothing from Django or gridgov at the top: the racing processes are spawned and import this module before
they configure Django (as tests/points/test_race.py does).
"""

import os

import pytest

from tests import races

RACERS = 8


def _signer(env: dict, barrier, results, index: int, offering_id: int, phone: str, client_key: str) -> None:
    os.environ.update(env)
    import django

    django.setup()
    from django.db import connection

    from gridgov.registry.personal import digest
    from gridgov.stations import bookings

    try:
        barrier.wait(timeout=60)
        b = bookings.sign_up(
            resident=digest("phone", phone), offering_id=offering_id, name="抢位居民", client_key=client_key
        )
        outcome: tuple = (b.status, b.pk)
    except Exception as exc:
        outcome = ("crash", repr(exc))
    finally:
        connection.close()
        results.put((index, outcome))


def _offering(capacity: int):
    from datetime import timedelta

    from django.utils import timezone

    from gridgov.people.actors import Actor
    from gridgov.stations import services
    from tests.cases import helpers as h

    system = Actor.system("stations race")
    s = services.create_station(actor=system, name="抢位服务站", grid_code=h.COMMUNITY)
    item = services.add_item(actor=system, station_id=s.pk, service_type="life", name="理发", groups=["elderly"])
    start = timezone.now() + timedelta(days=1)
    return services.create_offering(
        actor=system,
        item_id=item.pk,
        title="理发",
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        capacity=capacity,
        kind="appointment",
    )


@pytest.mark.skipif("not races.on_postgresql()", reason=races.SKIP_REASON)
@pytest.mark.django_db(transaction=True)
def test_concurrent_sign_ups_never_exceed_the_capacity(demo_city):
    from gridgov.stations.models import Booking

    offering = _offering(3)
    outcomes = races.race(_signer, [(offering.pk, f"1370000{i:04d}", f"race-{i}") for i in range(RACERS)])
    statuses = sorted(o[0] for o in outcomes.values())
    assert statuses == ["confirmed"] * 3 + ["waitlisted"] * (RACERS - 3)
    assert Booking.objects.filter(offering=offering, status="confirmed").count() == 3


@pytest.mark.skipif("not races.on_postgresql()", reason=races.SKIP_REASON)
@pytest.mark.django_db(transaction=True)
def test_one_sign_up_resent_at_once_is_written_once(demo_city):
    from gridgov.stations.models import Booking

    offering = _offering(5)
    outcomes = races.race(_signer, [(offering.pk, "13700009999", "same-request") for _ in range(RACERS)])
    assert len({o[1] for o in outcomes.values()}) == 1
    assert Booking.objects.filter(offering=offering).count() == 1
