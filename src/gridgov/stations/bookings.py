"""Residents' sign-ups (报名/预约) for activities and appointment slots, with a waiting list (候补) in order.

A resident is the keyed digest of the phone they signed in with (registry.personal.digest("phone", …), as the
portal's Identity carries it). One active booking per resident and offering; a client UUID makes a resend write
nothing; the offering's row is locked for every sign-up and cancellation, so concurrent sign-ups never take more
places than the capacity. Cancelling a confirmed place promotes the first on the waiting list, who gets an SMS
when their phone is known.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.core import audit
from gridgov.core.errors import BadInput, Conflict, NotFound
from gridgov.notifications.senders import sms_sender
from gridgov.registry.personal import digest, mask_name, mask_phone, normalise_phone
from gridgov.stations.models import Booking, BookingStatus, Offering, OfferingStatus


def _log(action: str, booking: Booking, **data) -> None:
    audit.record(
        action=f"stations.{action}",
        object_type="booking",
        object_id=str(booking.pk),
        data={**data, "offering": booking.offering_id, "as": "resident"},
    )


def _tell_promoted(booking: Booking, offering: Offering) -> None:
    """An SMS to the promoted resident after the commit (residents have no inbox; their phone is the channel)."""
    phone = booking.phone
    if not phone:
        return
    text = gettext("A place has come free: you are now confirmed for %(title)s at %(when)s.") % {
        "title": offering.title,
        "when": timezone.localtime(offering.starts_at).strftime("%m-%d %H:%M"),
    }
    transaction.on_commit(lambda: sms_sender().text(phone, text))


def promote(offering: Offering, places: int) -> list[Booking]:
    """Move the first `places` of the waiting list up (the offering's row is locked by the caller)."""
    moved = list(
        offering.bookings.filter(status=BookingStatus.WAITLISTED).order_by("booked_at", "id")[: max(places, 0)]
    )
    now = timezone.now()
    for b in moved:
        b.status = BookingStatus.CONFIRMED
        b.changed_at = now
        b.save(update_fields=["status", "changed_at"])
        _log("promoted", b)
        _tell_promoted(b, offering)
    return moved


def _existing(client_key: str, resident: str, offering_id: int) -> Booking | None:
    if not client_key:
        return None
    booking = Booking.objects.filter(client_key=client_key).first()
    if booking is not None and (booking.resident != resident or booking.offering_id != offering_id):
        raise Conflict(gettext("this request id was used for another sign-up: send a new one"))
    return booking


def sign_up(
    *,
    resident: str,
    offering_id: int,
    name: str,
    phone: str = "",
    client_key: str = "",
    at: datetime | None = None,
) -> Booking:
    """报名: a confirmed place while there is one, else the end of the waiting list. 409 after the deadline, for a
    cancelled or held offering, or when the resident already holds a booking (named in the message). `at`: the
    moment of the sign-up (now; the demo replays a past month)."""
    if not resident:
        raise BadInput(gettext("sign in with your phone first"))
    client_key = (client_key or "").strip()[:64]
    name = (name or "").strip()
    if not name or len(name) > 50:
        raise BadInput(gettext("enter your name (at most 50 characters)"))
    value = normalise_phone(phone) if phone else ""
    if value and digest("phone", value) != resident:
        raise BadInput(gettext("give the phone you signed in with, or none"))
    try:
        return _sign_up(resident, offering_id, name, value, client_key, at or timezone.now())
    except IntegrityError:  # the same request id or resident raced in: answer as a resend would
        existing = _existing(client_key, resident, offering_id)
        if existing is not None:
            return existing
        raise


@transaction.atomic
def _sign_up(resident: str, offering_id: int, name: str, phone: str, client_key: str, now: datetime) -> Booking:
    existing = _existing(client_key, resident, offering_id)
    if existing is not None:
        return existing
    offering = Offering.objects.select_for_update().filter(pk=offering_id).first()
    if offering is None:
        raise NotFound(gettext("no such activity or appointment"))
    existing = _existing(client_key, resident, offering_id)  # a resend that waited for the lock
    if existing is not None:
        return existing
    if offering.status != OfferingStatus.OPEN:
        raise Conflict(gettext("this activity is cancelled or already held: sign-up is closed"))
    if now >= offering.deadline:
        raise Conflict(gettext("the sign-up deadline has passed"))
    held = offering.bookings.filter(resident=resident, status__in=("confirmed", "waitlisted")).first()
    if held is not None:
        raise Conflict(
            gettext("you already hold booking %(id)d for this (%(status)s)")
            % {"id": held.pk, "status": BookingStatus(held.status).label}
        )
    confirmed = offering.bookings.filter(status=BookingStatus.CONFIRMED).count()
    status = BookingStatus.CONFIRMED if confirmed < offering.capacity else BookingStatus.WAITLISTED
    booking = Booking.objects.create(
        offering=offering,
        resident=resident,
        name=name,
        name_masked=mask_name(name),
        phone=phone,
        phone_masked=mask_phone(phone) if phone else "",
        status=status,
        client_key=client_key or None,
        booked_at=now,
        changed_at=now,
    )
    _log("signed_up", booking, status=str(status))
    return booking


@transaction.atomic
def cancel(*, resident: str, booking_id: int) -> Booking:
    """取消: the resident's own booking; a confirmed place passes to the first on the waiting list. A second
    cancel answers the same and writes nothing."""
    booking = Booking.objects.filter(pk=booking_id, resident=resident).first() if resident else None
    if booking is None:
        raise NotFound(gettext("no such booking among yours"))
    offering = Offering.objects.select_for_update().get(pk=booking.offering_id)
    booking.refresh_from_db()
    if booking.status == BookingStatus.CANCELLED:
        return booking
    if booking.status not in (BookingStatus.CONFIRMED, BookingStatus.WAITLISTED) or offering.status != "open":
        raise Conflict(gettext("this activity is over: the booking can no longer be cancelled"))
    was = booking.status
    booking.status = BookingStatus.CANCELLED
    booking.changed_at = timezone.now()
    booking.save(update_fields=["status", "changed_at"])
    _log("cancelled", booking, was=str(was))
    if was == BookingStatus.CONFIRMED and timezone.now() < offering.starts_at:
        promote(offering, 1)
    return booking
