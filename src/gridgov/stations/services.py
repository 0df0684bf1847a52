"""Every staff write of the service stations (3671 便民服务): stations, catalogue, offerings, attendance and the
service log. Each a keyword-only function, one transaction, one audit event, scoped by rules.py. Residents'
sign-ups are in bookings.py."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.core import audit
from gridgov.core.errors import BadInput, Conflict, NotFound
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor
from gridgov.stations import rules
from gridgov.stations.bookings import promote
from gridgov.stations.models import (
    BookingStatus,
    CatalogueItem,
    Kind,
    Offering,
    OfferingStatus,
    ServiceLog,
    ServiceType,
    Station,
    TargetGroup,
)
from gridgov.visits.services import check_free_text


def _log(actor: Actor, action: str, object_type: str, object_id, **data) -> None:
    audit.record(
        actor=actor.user,
        action=f"stations.{action}",
        object_type=object_type,
        object_id=str(object_id),
        data={**data, "as": actor.label},
    )


def _text(value: str, what: str, limit: int, required: bool = True) -> str:
    value = check_free_text(value, what)[:limit]
    if required and not value:
        raise BadInput(gettext("%(what)s is required") % {"what": what})
    return value


def _groups(groups: list[str]) -> list[str]:
    unknown = [g for g in groups if g not in TargetGroup.values]
    if unknown:
        raise BadInput(
            gettext("unknown target group %(g)s: one of %(known)s")
            % {"g": unknown[0], "known": ", ".join(TargetGroup.values)}
        )
    return [g for g in TargetGroup.values if g in groups]


def _service_type(value: str) -> str:
    if value not in ServiceType.values:
        raise BadInput(gettext("the service type is one of %(known)s") % {"known": ", ".join(ServiceType.values)})
    return value


@transaction.atomic
def create_station(
    *,
    actor: Actor,
    name: str,
    grid_code: str,
    level: int | None = None,
    address: str = "",
    hours: str = "",
    phone: str = "",
) -> Station:
    """设站: a station on a street (一级), community (二级) or 三级网格; its level is the grid's."""
    grid = Grid.objects.filter(code=grid_code, valid_to__isnull=True).first()
    if grid is None:
        raise NotFound(gettext("no grid %(code)s") % {"code": grid_code})
    rules.check_act(actor, grid.code)
    if grid.level not in (1, 2, 3):
        raise BadInput(gettext("stations stand on a street, a community or a level-3 grid"))
    if level is not None and level != grid.level:
        raise BadInput(
            gettext("the level %(level)s does not match the grid's level %(grid)s")
            % {"level": level, "grid": grid.level}
        )
    name = _text(name, gettext("the name"), 100)
    if Station.objects.filter(grid=grid, name=name).exists():
        raise Conflict(gettext("this grid already has a station named %(name)s") % {"name": name})
    station = Station.objects.create(
        name=name,
        grid=grid,
        code=grid.code,
        level=grid.level,
        address=_text(address, gettext("the address"), 200, required=False),
        hours=(hours or "").strip()[:100],
        phone=(phone or "").strip()[:30],
    )
    _log(actor, "station_created", "station", station.pk, code=grid.code, level=grid.level)
    return station


def station_for(actor: Actor, station_id: int, *, act: bool = True) -> Station:
    station = Station.objects.filter(pk=station_id).first()
    if station is None or not rules.may_read(actor, station.code):
        raise rules.not_found()
    if act:
        rules.check_act(actor, station.code)
    return station


@transaction.atomic
def add_item(
    *, actor: Actor, station_id: int, service_type: str, name: str, groups: list[str], description: str = ""
) -> CatalogueItem:
    """A catalogue entry (服务目录): one of the six service types, for any of the seven target groups."""
    station = station_for(actor, station_id)
    item = CatalogueItem.objects.create(
        station=station,
        service_type=_service_type(service_type),
        groups=_groups(groups),
        name=_text(name, gettext("the name"), 100),
        description=_text(description, gettext("the description"), 2000, required=False),
    )
    _log(actor, "item_added", "catalogue_item", item.pk, station=station.pk, type=service_type)
    return item


@transaction.atomic
def set_item_active(*, actor: Actor, item_id: int, active: bool) -> CatalogueItem:
    item = CatalogueItem.objects.select_related("station").filter(pk=item_id).first()
    if item is None:
        raise NotFound(gettext("no such catalogue item"))
    station_for(actor, item.station_id)
    if item.active != active:
        item.active = active
        item.save(update_fields=["active"])
        _log(actor, "item_active", "catalogue_item", item.pk, active=active)
    return item


@transaction.atomic
def create_offering(
    *,
    actor: Actor,
    item_id: int,
    title: str,
    starts_at: datetime,
    ends_at: datetime,
    capacity: int,
    kind: str = "activity",
    place: str = "",
    deadline: datetime | None = None,
) -> Offering:
    """An activity (活动) or an appointment slot (预约时段, e.g. 理发 10:00–10:30 for 3) residents book."""
    item = CatalogueItem.objects.select_related("station").filter(pk=item_id).first()
    if item is None:
        raise NotFound(gettext("no such catalogue item"))
    station = station_for(actor, item.station_id)
    if not item.active:
        raise Conflict(gettext("this catalogue item is withdrawn"))
    if kind not in Kind.values:
        raise BadInput(gettext("the kind is activity or appointment"))
    if ends_at <= starts_at:
        raise BadInput(gettext("it must end after it starts"))
    if capacity < 1 or capacity > 10000:
        raise BadInput(gettext("the capacity is between 1 and 10000"))
    deadline = deadline or starts_at
    if deadline > starts_at:
        raise BadInput(gettext("the sign-up deadline is at the start or before it"))
    offering = Offering.objects.create(
        station=station,
        item=item,
        kind=kind,
        title=_text(title or item.name, gettext("the title"), 200),
        starts_at=starts_at,
        ends_at=ends_at,
        place=_text(place, gettext("the place"), 200, required=False),
        capacity=capacity,
        deadline=deadline,
        created_by=actor.user,
    )
    _log(actor, "offering_created", "offering", offering.pk, station=station.pk, capacity=capacity)
    return offering


def _locked(actor: Actor, offering_id: int) -> Offering:
    offering = Offering.objects.select_for_update().filter(pk=offering_id).first()
    if offering is None:
        raise NotFound(gettext("no such activity or appointment"))
    station_for(actor, offering.station_id)
    return offering


@transaction.atomic
def set_capacity(*, actor: Actor, offering_id: int, capacity: int) -> Offering:
    """Change the places: never below those confirmed; more places take from the waiting list in order."""
    offering = _locked(actor, offering_id)
    if offering.status != OfferingStatus.OPEN:
        raise Conflict(gettext("this activity is cancelled or already held"))
    confirmed = offering.bookings.filter(status=BookingStatus.CONFIRMED).count()
    if capacity < max(confirmed, 1):
        raise Conflict(gettext("%(n)d residents are confirmed: the capacity cannot go below that") % {"n": confirmed})
    if capacity != offering.capacity:
        before = offering.capacity
        offering.capacity = capacity
        offering.save(update_fields=["capacity"])
        promote(offering, capacity - confirmed)
        _log(actor, "capacity_set", "offering", offering.pk, before=before, after=capacity)
    return offering


@transaction.atomic
def cancel_offering(*, actor: Actor, offering_id: int) -> Offering:
    offering = _locked(actor, offering_id)
    if offering.status == OfferingStatus.CANCELLED:
        return offering
    if offering.status != OfferingStatus.OPEN:
        raise Conflict(gettext("this activity was already held"))
    offering.status = OfferingStatus.CANCELLED
    offering.save(update_fields=["status"])
    offering.bookings.filter(status__in=("confirmed", "waitlisted")).update(
        status=BookingStatus.CANCELLED, changed_at=timezone.now()
    )
    _log(actor, "offering_cancelled", "offering", offering.pk)
    return offering


@transaction.atomic
def mark_attendance(
    *, actor: Actor, offering_id: int, attended: list[int], notes: str = "", at: datetime | None = None
) -> ServiceLog:
    """签到: the confirmed bookings listed attended, the other confirmed ones did not come; the offering is held
    and its service-log entry written once (marked again, the same entry is corrected)."""
    offering = _locked(actor, offering_id)
    if offering.status == OfferingStatus.CANCELLED:
        raise Conflict(gettext("this activity was cancelled"))
    now = at or timezone.now()
    if offering.starts_at > now:
        raise Conflict(gettext("attendance is marked once the activity has started"))
    counted = offering.bookings.filter(status__in=("confirmed", "attended", "no_show"))
    wanted = set(attended)
    unknown = wanted - set(counted.values_list("pk", flat=True))
    if unknown:
        raise BadInput(gettext("booking %(id)s is not a confirmed booking of this activity") % {"id": min(unknown)})
    counted.filter(pk__in=wanted).update(status=BookingStatus.ATTENDED, changed_at=now)
    counted.exclude(pk__in=wanted).update(status=BookingStatus.NO_SHOW, changed_at=now)
    offering.bookings.filter(status=BookingStatus.WAITLISTED).update(status=BookingStatus.CANCELLED, changed_at=now)
    offering.status = OfferingStatus.FINISHED
    offering.save(update_fields=["status"])
    item = CatalogueItem.objects.get(pk=offering.item_id)
    log, created = ServiceLog.objects.update_or_create(
        offering=offering,
        defaults={
            "station_id": offering.station_id,
            "service_type": item.service_type,
            "groups": item.groups,
            "day": timezone.localdate(offering.starts_at),
            "person_times": len(wanted),
            "staff": actor.user,
            "notes": _text(notes, gettext("the notes"), 2000, required=False) or offering.title,
        },
    )
    _log(actor, "attendance", "offering", offering.pk, attended=len(wanted), log=log.pk, first=created)
    return log


@transaction.atomic
def add_log(
    *,
    actor: Actor,
    station_id: int,
    service_type: str,
    day: date,
    person_times: int,
    groups: list[str],
    notes: str = "",
) -> ServiceLog:
    """A service-log entry (服务台账) for walk-in service that no offering recorded."""
    station = station_for(actor, station_id)
    if person_times < 1 or person_times > 100000:
        raise BadInput(gettext("the person-times are between 1 and 100000"))
    if day > timezone.localdate():
        raise BadInput(gettext("the service log records days that have come"))
    log = ServiceLog.objects.create(
        station=station,
        service_type=_service_type(service_type),
        groups=_groups(groups),
        day=day,
        person_times=person_times,
        staff=actor.user,
        notes=_text(notes, gettext("the notes"), 2000, required=False),
    )
    _log(actor, "log_added", "service_log", log.pk, station=station.pk, person_times=person_times)
    return log


__all__ = [
    "add_item",
    "add_log",
    "cancel_offering",
    "create_offering",
    "create_station",
    "mark_attendance",
    "set_capacity",
    "set_item_active",
    "station_for",
]
