"""Reads of the service stations: public lists (stations, catalogue, offerings with free places), a resident's
bookings, the staff's views of sign-ups, and the figures (person-times by service type and target group,
activities held, bookings, attendance rate) per station or rolled up by grid prefix over a date range."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, time

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from gridgov.people.actors import Actor
from gridgov.stations import rules
from gridgov.stations.models import (
    Booking,
    BookingStatus,
    CatalogueItem,
    Level,
    Offering,
    OfferingStatus,
    ServiceLog,
    ServiceType,
    Station,
    TargetGroup,
)


def stations(prefix: str = "", *, active_only: bool = True) -> QuerySet[Station]:
    qs = Station.objects.filter(code__startswith=prefix or "")
    return qs.filter(active=True) if active_only else qs


def staff_stations(actor: Actor) -> QuerySet[Station]:
    return Station.objects.filter(rules.area(actor))


def station_row(s: Station) -> dict:
    return {
        "id": s.pk,
        "name": s.name,
        "grid": s.code,
        "level": s.level,
        "level_label": str(Level(s.level).label),
        "address": s.address,
        "hours": s.hours,
        "phone": s.phone,
        "active": s.active,
    }


def catalogue(station: Station, *, active_only: bool = True) -> QuerySet[CatalogueItem]:
    qs = station.items.all()
    return qs.filter(active=True) if active_only else qs


def item_row(i: CatalogueItem) -> dict:
    return {
        "id": i.pk,
        "station": i.station_id,
        "service_type": i.service_type,
        "service_type_label": str(ServiceType(i.service_type).label),
        "groups": i.groups,
        "group_labels": [str(TargetGroup(g).label) for g in i.groups],
        "name": i.name,
        "description": i.description,
        "active": i.active,
    }


def with_counts(qs: QuerySet[Offering]) -> QuerySet[Offering]:
    return qs.annotate(
        confirmed=Count("bookings", filter=Q(bookings__status__in=("confirmed", "attended", "no_show"))),
        waiting=Count("bookings", filter=Q(bookings__status="waitlisted")),
    )


def offerings(prefix: str = "", *, upcoming: bool = True, station: int | None = None) -> QuerySet[Offering]:
    qs = Offering.objects.select_related("station", "item").filter(station__code__startswith=prefix or "")
    if station is not None:
        qs = qs.filter(station_id=station)
    if upcoming:
        qs = qs.filter(status=OfferingStatus.OPEN, ends_at__gt=timezone.now())
    return with_counts(qs)


def offering(offering_id: int) -> Offering | None:
    return with_counts(Offering.objects.select_related("station", "item").filter(pk=offering_id)).first()


def offering_row(o: Offering) -> dict:
    confirmed = getattr(o, "confirmed", 0)
    return {
        "id": o.pk,
        "station": o.station_id,
        "station_name": o.station.name,
        "item": o.item_id,
        "service_type": o.item.service_type,
        "kind": o.kind,
        "title": o.title,
        "starts_at": o.starts_at.isoformat(),
        "ends_at": o.ends_at.isoformat(),
        "when": _when(o.starts_at, o.ends_at),
        "place": o.place,
        "capacity": o.capacity,
        "deadline": o.deadline.isoformat(),
        "status": o.status,
        "status_label": str(OfferingStatus(o.status).label),
        "confirmed": confirmed,
        "free": max(o.capacity - confirmed, 0),
        "waitlist": getattr(o, "waiting", 0),
        "open_for_sign_up": o.status == OfferingStatus.OPEN and timezone.now() < o.deadline,
    }


def _when(start: datetime, end: datetime) -> str:
    """2026-03-11 10:00–12:00 in local time, as pages show it."""
    a, b = timezone.localtime(start), timezone.localtime(end)
    return f"{a:%Y-%m-%d %H:%M}–{b:%H:%M}" if a.date() == b.date() else f"{a:%Y-%m-%d %H:%M}–{b:%Y-%m-%d %H:%M}"


def waitlist_position(b: Booking) -> int | None:
    """1 for the first on the waiting list; None when not waiting."""
    if b.status != BookingStatus.WAITLISTED:
        return None
    earlier = Booking.objects.filter(offering_id=b.offering_id, status=BookingStatus.WAITLISTED).filter(
        Q(booked_at__lt=b.booked_at) | Q(booked_at=b.booked_at, pk__lt=b.pk)
    )
    return earlier.count() + 1


def booking_row(b: Booking, *, staff: bool = False) -> dict:
    row = {
        "id": b.pk,
        "offering": b.offering_id,
        "status": b.status,
        "status_label": str(BookingStatus(b.status).label),
        "name": b.name_masked,
        "phone": b.phone_masked,
        "booked_at": b.booked_at.isoformat(),
        "waitlist_position": waitlist_position(b),
    }
    if not staff:
        o = b.offering
        row.update(
            {
                "title": o.title,
                "starts_at": o.starts_at.isoformat(),
                "when": _when(o.starts_at, o.ends_at),
                "place": o.place,
                "station": o.station.name,
            }
        )
    return row


def my_bookings(resident: str) -> QuerySet[Booking]:
    return (
        Booking.objects.select_related("offering__station")
        .filter(resident=resident)
        .order_by("-offering__starts_at", "-id")
    )


def sign_ups(offering: Offering) -> QuerySet[Booking]:
    return offering.bookings.order_by("booked_at", "id")


def logs(prefix: str, start: date, end: date, station: int | None = None) -> QuerySet[ServiceLog]:
    qs = ServiceLog.objects.select_related("station").filter(
        station__code__startswith=prefix, day__gte=start, day__lte=end
    )
    return qs.filter(station_id=station) if station is not None else qs


def figures(prefix: str, start: date, end: date, station: int | None = None) -> dict:
    """Figures for the stations under `prefix` (or one station) with days in [start, end]."""
    entries = logs(prefix, start, end, station)
    by_type = dict.fromkeys(ServiceType.values, 0)
    by_group = Counter(dict.fromkeys(TargetGroup.values, 0))
    for service_type, groups, n in entries.values_list("service_type", "groups", "person_times"):
        by_type[service_type] += n
        for g in groups:
            by_group[g] += n
    tz = timezone.get_current_timezone()
    window = (datetime.combine(start, time.min, tz), datetime.combine(end, time.max, tz))
    offered = Offering.objects.filter(station__code__startswith=prefix, starts_at__range=window)
    if station is not None:
        offered = offered.filter(station_id=station)
    bookings = Booking.objects.filter(offering__in=offered)
    attended = bookings.filter(status=BookingStatus.ATTENDED).count()
    no_show = bookings.filter(status=BookingStatus.NO_SHOW).count()
    return {
        "prefix": prefix,
        "station": station,
        "from": start.isoformat(),
        "to": end.isoformat(),
        "person_times": entries.aggregate(n=Sum("person_times"))["n"] or 0,
        "by_service_type": by_type,
        "by_target_group": dict(by_group),
        "activities_held": offered.filter(status=OfferingStatus.FINISHED, kind="activity").count(),
        "offerings_held": offered.filter(status=OfferingStatus.FINISHED).count(),
        "bookings": bookings.exclude(status=BookingStatus.CANCELLED).count(),
        "attended": attended,
        "no_show": no_show,
        "attendance_rate": round(attended / (attended + no_show), 4) if attended + no_show else None,
    }
