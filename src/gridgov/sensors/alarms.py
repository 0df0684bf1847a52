"""报警: an alarm from a device opens an urgent case for the household's grid, or folds into the case the
same device opened a moment ago; stored once per device event id, so a resent alarm changes nothing.

The case goes through the one intake (cases.services.report_case) on the `sensor` channel, reported by
the system actor (the channel is the system's: cases.permissions.CHANNEL_ROLES), at the household's
address. Its text names the device and the address, never the people who live there.
No audit-log event per alarm: the Alarm row and the case's own chained event are the record, and the
audit chain's lock would make a burst of alarms wait in line (core.audit.record keeps off the intake path).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

import shapely
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from gridgov.cases.models import Case, Channel
from gridgov.cases.services import report_case
from gridgov.cases.transitions import OPEN_STATUSES
from gridgov.core.errors import BadInput
from gridgov.core.timefmt import local_second
from gridgov.grids.selectors import current_geometries
from gridgov.notifications.services import notify
from gridgov.people.actors import Actor
from gridgov.people.models import Post, in_force
from gridgov.registry.models import Address
from gridgov.sensors.models import Alarm, Device, DeviceKind

SYSTEM = Actor.system("sensors")


def fold_window() -> timedelta:
    return timedelta(minutes=settings.GRIDGOV_SENSOR_FOLD_MINUTES)


@dataclass(frozen=True)
class Received:
    alarm: Alarm
    case: Case
    created: bool  # False: the device resent an event id already stored (nothing was written)

    @property
    def folded(self) -> bool:
        return not self.alarm.opened


def receive_alarm(
    *, device: Device, event_id: str, at: datetime, kind: str | None = None, data: dict | None = None
) -> Received:
    """Store the alarm once and open or join its case, all in one transaction."""
    event_id = (event_id or "").strip()
    if not event_id or len(event_id) > 100:
        raise BadInput(gettext("event_id is 1 to 100 characters, the device's own id of this alarm"))
    kind = kind or device.kind
    if kind not in DeviceKind.values:
        raise BadInput(
            gettext("unknown alarm kind %(kind)r: use one of %(known)s")
            % {"kind": kind, "known": ", ".join(DeviceKind.values)}
        )
    if timezone.is_naive(at):
        raise BadInput(gettext("the alarm time needs its UTC offset, e.g. 2026-03-02T09:00:00+08:00"))
    seen = _stored(device, event_id)
    if seen:
        return seen
    try:
        with transaction.atomic():
            # one device's alarms take turns: two of them must not both open a case, nor one event be stored twice
            Device.objects.select_for_update().filter(pk=device.pk).values_list("pk").first()
            seen = _stored(device, event_id)
            if seen:
                return seen
            now = timezone.now()
            case = _open_case_to_fold(device, at)
            opened = case is None
            if case is None:
                case = _report(device, kind, event_id, at)
            alarm = Alarm.objects.create(
                device=device,
                event_id=event_id,
                kind=kind,
                at=at,
                received_at=now,
                payload=data or {},
                case=case,
                opened=opened,
            )
            Device.objects.filter(pk=device.pk).update(last_seen_at=now, silent_since=None)
            if opened:
                _tell_grid_staff(device, alarm)
            return Received(alarm, case, created=True)
    except IntegrityError:
        # another request stored this event id between our look and our write (SQLite without the lock)
        seen = _stored(device, event_id)
        if seen:
            return seen
        raise


def _stored(device: Device, event_id: str) -> Received | None:
    alarm = Alarm.objects.select_related("case").filter(device=device, event_id=event_id).first()
    return Received(alarm, alarm.case, created=False) if alarm else None


def _open_case_to_fold(device: Device, at: datetime) -> Case | None:
    window = fold_window()
    opener = (
        Alarm.objects.select_related("case")
        .filter(
            device=device,
            opened=True,
            at__gte=at - window,
            at__lte=at + window,
            case__status__in=OPEN_STATUSES,
        )
        .order_by("-at")
        .first()
    )
    return opener.case if opener else None


def _point(device: Device) -> tuple[float, float]:
    """The household's point: its address's, or the nearest level above with one, else inside its grid."""
    address: Address | None = device.household.address
    while address is not None:
        if address.lon is not None and address.lat is not None:
            return address.lon, address.lat
        address = address.parent
    geom = current_geometries([device.household.grid.code]).get(device.household.grid.code)
    if geom is None:
        raise BadInput(gettext("the household's grid has no boundary: the alarm cannot be placed"))
    point = shapely.point_on_surface(geom)
    return point.x, point.y


def _report(device: Device, kind: str, event_id: str, at: datetime) -> Case:
    lon, lat = _point(device)
    address = device.household.address.full_text[:200]
    with translation.override(settings.LANGUAGE_CODE):  # the case file is in Chinese whoever's device sent it
        kind_name = str(DeviceKind(kind).label)
        title = gettext("Urgent: %(kind)s alarm at %(address)s") % {"kind": kind_name, "address": address}
        description = gettext(
            "Sensor %(serial)s (%(device)s) raised an alarm at %(at)s (event %(event)s). Go to the household now."
        ) % {
            "serial": device.serial,
            "device": str(DeviceKind(device.kind).label),
            "at": local_second(at),
            "event": event_id,
        }
    categories = settings.GRIDGOV_SENSOR_CATEGORIES
    intake = report_case(
        actor=SYSTEM,
        title=title[:200],
        description=description,
        lon=lon,
        lat=lat,
        category=categories.get(kind),
        channel=cast(str, Channel.SENSOR),  # a str; mypy reads TextChoices members as tuples
        address=address,
        at=at if at <= timezone.now() else None,  # a device clock ahead of ours does not date the case
    )
    return intake.case


def _tell_grid_staff(device: Device, alarm: Alarm) -> None:
    """The grid workers and leaders posted at the household's grid hear of it at once (inbox, SMS)."""
    code = device.household.grid.code
    people = [
        p.user
        for p in Post.objects.filter(in_force(), scope=code, role__in=("grid_worker", "grid_leader")).select_related(
            "user"
        )
    ]
    if people:
        notify(
            recipients=people,
            kind="sensor_alarm",
            title=alarm.case.title,
            body=alarm.case.address,
            link=f"/m/cases/{alarm.case.number}/",
            dedupe_key=f"sensor:{device.pk}:{alarm.event_id}",
        )
