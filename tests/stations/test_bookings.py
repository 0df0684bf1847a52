"""Sign-ups: capacity, the waiting list in order, promotion on cancel, idempotent resends, one booking per
resident, the deadline, capacity changes."""

from datetime import timedelta

import pytest

from gridgov.core.errors import BadInput, Conflict, NotFound
from gridgov.notifications.senders import KeptSmsSender
from gridgov.stations import bookings, selectors, services
from gridgov.stations.models import Booking, OfferingStatus
from tests.stations.conftest import ON, PHONES, SYSTEM, resident

pytestmark = pytest.mark.django_db


def book(offering, n: int, **kw):
    return bookings.sign_up(resident=resident(PHONES[n]), offering_id=offering.pk, name=f"居民{n}号", **kw)


def test_places_then_waiting_list_in_order_and_promotion_on_cancel(
    activity, settings, django_capture_on_commit_callbacks
):
    settings.GRIDGOV_NOTIFY_SENDERS = ["gridgov.notifications.senders.KeptSmsSender"]
    KeptSmsSender.sent.clear()
    made = [book(activity, n, phone=PHONES[n]) for n in range(4)]
    assert [b.status for b in made] == ["confirmed", "confirmed", "waitlisted", "waitlisted"]
    assert [selectors.waitlist_position(b) for b in made] == [None, None, 1, 2]
    row = selectors.offering_row(selectors.offering(activity.pk))
    assert (row["free"], row["waitlist"], row["confirmed"]) == (0, 2, 2)
    assert made[0].name_masked != "居民0号" and Booking.objects.get(pk=made[0].pk).name == "居民0号"
    assert made[0].phone_masked == "139****0001"

    with pytest.raises(NotFound):  # not hers
        bookings.cancel(resident=resident(PHONES[1]), booking_id=made[0].pk)
    with django_capture_on_commit_callbacks(execute=True):
        bookings.cancel(resident=resident(PHONES[0]), booking_id=made[0].pk)
    statuses = dict(Booking.objects.values_list("pk", "status"))
    assert [statuses[b.pk] for b in made] == ["cancelled", "confirmed", "confirmed", "waitlisted"]
    assert selectors.waitlist_position(Booking.objects.get(pk=made[3].pk)) == 1
    assert [to for to, _ in KeptSmsSender.sent] == [PHONES[2]]  # the promoted resident is told
    # a second cancel answers the same and promotes nobody
    again = bookings.cancel(resident=resident(PHONES[0]), booking_id=made[0].pk)
    assert again.status == "cancelled" and Booking.objects.get(pk=made[3].pk).status == "waitlisted"
    # cancelling a waiting place promotes nobody either
    bookings.cancel(resident=resident(PHONES[3]), booking_id=made[3].pk)
    assert Booking.objects.filter(offering=activity, status="confirmed").count() == 2


def test_a_resend_with_the_same_client_id_writes_nothing(activity):
    first = book(activity, 0, client_key="7b1c0c52-aaaa-4bbb-8ccc-000000000001")
    count = Booking.objects.count()
    again = book(activity, 0, client_key="7b1c0c52-aaaa-4bbb-8ccc-000000000001")
    assert again.pk == first.pk and Booking.objects.count() == count
    with pytest.raises(Conflict):  # someone else's request id
        book(activity, 1, client_key="7b1c0c52-aaaa-4bbb-8ccc-000000000001")
    other = services.create_offering(
        actor=SYSTEM,
        item_id=activity.item_id,
        title="另一场",
        starts_at=activity.starts_at,
        ends_at=activity.ends_at,
        capacity=5,
    )
    with pytest.raises(Conflict):  # her request id of another offering
        book(other, 0, client_key="7b1c0c52-aaaa-4bbb-8ccc-000000000001")


def test_a_second_booking_is_refused_naming_the_first(activity):
    first = book(activity, 0)
    with pytest.raises(Conflict) as refused:
        book(activity, 0)
    assert str(first.pk) in refused.value.message
    bookings.cancel(resident=resident(PHONES[0]), booking_id=first.pk)
    assert book(activity, 0).status == "confirmed"  # after cancelling, she may book again


def test_deadline_and_closed_offerings_refuse(activity, clock):
    clock.move_to(activity.deadline)
    with pytest.raises(Conflict, match=r"deadline|截止"):
        book(activity, 0)
    clock.move_to(ON)
    services.cancel_offering(actor=SYSTEM, offering_id=activity.pk)
    with pytest.raises(Conflict):
        book(activity, 0)


def test_sign_up_needs_a_name_and_the_signed_in_phone(activity):
    with pytest.raises(BadInput):
        bookings.sign_up(resident=resident(PHONES[0]), offering_id=activity.pk, name=" ")
    with pytest.raises(BadInput):
        book(activity, 0, phone=PHONES[1])
    with pytest.raises(BadInput):
        bookings.sign_up(resident="", offering_id=activity.pk, name="某人")
    with pytest.raises(NotFound):
        bookings.sign_up(resident=resident(PHONES[0]), offering_id=10**9, name="某人")


def test_capacity_goes_down_only_to_the_confirmed_and_up_promotes(activity):
    made = [book(activity, n) for n in range(4)]
    with pytest.raises(Conflict):
        services.set_capacity(actor=SYSTEM, offering_id=activity.pk, capacity=1)
    services.set_capacity(actor=SYSTEM, offering_id=activity.pk, capacity=3)
    assert Booking.objects.get(pk=made[2].pk).status == "confirmed"
    assert Booking.objects.get(pk=made[3].pk).status == "waitlisted"
    bookings.cancel(resident=resident(PHONES[3]), booking_id=made[3].pk)
    services.set_capacity(actor=SYSTEM, offering_id=activity.pk, capacity=3)  # unchanged: nothing
    assert activity.__class__.objects.get(pk=activity.pk).status == OfferingStatus.OPEN


def test_an_appointment_slot_books_like_an_activity(station):
    _, item = station
    start = ON + timedelta(days=2)
    slot = services.create_offering(
        actor=SYSTEM,
        item_id=item.pk,
        kind="appointment",
        title="理发",
        starts_at=start,
        ends_at=start + timedelta(minutes=30),
        capacity=1,
    )
    assert slot.deadline == start
    assert [book(slot, n).status for n in range(2)] == ["confirmed", "waitlisted"]
