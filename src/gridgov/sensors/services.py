"""Every write of the sensors app: register and retire a device, heartbeats, flagging silent devices.

Alarms have their own module (alarms.py). A device's secret is shown once, when it is registered; only
its SHA-256 is kept (a random 256-bit secret needs no slow hash), as for people's API tokens.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.core import audit
from gridgov.core.errors import BadInput, Conflict, Forbidden, NotAuthenticated
from gridgov.people.actors import Actor
from gridgov.registry.models import Household
from gridgov.sensors.models import SILENT_AFTER_HOURS, Device, DeviceKind

# Who registers and retires devices: the grid staff of the household's grid subtree, or an administrator.
MANAGE_ROLES = ("grid_worker", "grid_leader")


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def require_manage(actor: Actor, grid_code: str) -> None:
    if not (actor.is_system or actor.is_admin or actor.can_any(MANAGE_ROLES, grid_code)):
        raise Forbidden(
            gettext("only a grid worker or grid leader of grid %(grid)s registers or retires its devices")
            % {"grid": grid_code}
        )


def _log(actor: Actor, action: str, device: Device, **data) -> None:
    audit.record(
        actor=actor.user,
        action=f"sensors.{action}",
        object_type="sensor_device",
        object_id=device.serial,
        data={"kind": device.kind, "household": device.household_id, "as": actor.label, **data},
    )


@dataclass(frozen=True)
class Registered:
    device: Device
    secret: str  # shown once: only its hash is stored


def register_device(
    *,
    actor: Actor,
    household: Household,
    kind: str,
    serial: str,
    silent_after_hours: int | None = None,
    at: datetime | None = None,
) -> Registered:
    """登记设备: bind a device to a household; returns the device's secret, which is never shown again."""
    if kind not in DeviceKind.values:
        raise BadInput(
            gettext("unknown device kind %(kind)r: use one of %(known)s")
            % {"kind": kind, "known": ", ".join(DeviceKind.values)}
        )
    serial = (serial or "").strip()
    if not serial or len(serial) > 64 or ":" in serial:
        raise BadInput(gettext("a device serial number is 1 to 64 characters, without ':'"))
    if silent_after_hours is not None and not 1 <= silent_after_hours <= 24 * 30:
        raise BadInput(gettext("silent_after_hours must be between 1 and 720"))
    if not household.active:
        raise Conflict(gettext("this household was retired: bind the device to a current one"))
    require_manage(actor, household.grid.code)
    secret = secrets.token_urlsafe(32)
    with transaction.atomic():
        if Device.objects.filter(serial=serial).exists():
            raise Conflict(gettext("a device with serial number %(serial)s is registered already") % {"serial": serial})
        device = Device.objects.create(
            kind=kind,
            serial=serial,
            household=household,
            secret_hash=secret_hash(secret),
            silent_after_hours=silent_after_hours or SILENT_AFTER_HOURS[DeviceKind(kind)],
            registered_at=at or timezone.now(),
        )
        _log(actor, "register", device)
    return Registered(device, secret)


def retire_device(*, actor: Actor, device: Device) -> Device:
    """停用设备: its secret stops working at once; its alarms and their cases stay."""
    require_manage(actor, device.household.grid.code)
    with transaction.atomic():
        device = Device.objects.select_for_update().get(pk=device.pk)
        if device.active:
            device.active = False
            device.save(update_fields=["active"])
            _log(actor, "retire", device)
    return device


def authenticate(serial: str, secret: str) -> Device:
    """The active device with this serial and secret, or 401 (the same answer for every failure)."""
    device = Device.objects.select_related("household__grid", "household__address").filter(serial=serial).first()
    expected = device.secret_hash if device is not None else secret_hash("")
    matches = hmac.compare_digest(expected, secret_hash(secret))  # compared even for an unknown serial
    if device is None or not device.active or not secret or not matches:
        raise NotAuthenticated(gettext("unknown device or wrong secret: send Authorization: Device <serial>:<secret>"))
    return device


def heartbeat(*, device: Device, at: datetime | None = None) -> Device:
    """心跳: the device is alive; a silent flag is lifted. Not audited: devices beat many times a day."""
    now = at or timezone.now()
    with transaction.atomic():
        Device.objects.filter(pk=device.pk).update(last_seen_at=now, silent_since=None)
    device.last_seen_at, device.silent_since = now, None
    return device


def flag_silent(*, actor: Actor, devices: list[Device], at: datetime | None = None) -> list[Device]:
    """Mark devices silent (失联) that are not flagged yet; one audit event for the batch."""
    now = at or timezone.now()
    with transaction.atomic():
        fresh = list(
            Device.objects.select_for_update().filter(pk__in=[d.pk for d in devices], silent_since__isnull=True)
        )
        if fresh:
            Device.objects.filter(pk__in=[d.pk for d in fresh]).update(silent_since=now)
            for d in fresh:
                d.silent_since = now
            audit.record(
                actor=actor.user,
                action="sensors.silent",
                object_type="sensor_device",
                data={"serials": [d.serial for d in fresh], "as": actor.label},
            )
    return fresh
