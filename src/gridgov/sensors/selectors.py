"""Reads of the sensors app: the devices a person may see, one device, the silent ones.

Devices are seen by the grid workers and leaders of the household's grid subtree (and administrators);
outside that a device does not exist for the caller (404, as cases do).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.core.errors import NotFound
from gridgov.people.actors import Actor
from gridgov.sensors.models import Device

SEE_ROLES = ("grid_worker", "grid_leader")


def _scope(actor: Actor) -> Q:
    if actor.is_admin or actor.is_system:
        return Q()
    scopes = sorted({s for role in SEE_ROLES for s in actor.scopes(role) if s and not s.startswith("D")})
    q = Q(pk__in=[])
    for scope in scopes:
        q |= Q(household__grid__code__startswith=scope)
    return q


def visible_devices(actor: Actor, *, grid: str | None = None) -> QuerySet[Device]:
    """The devices of my grids (of `grid`, a code under one of them: else 404)."""
    qs = Device.objects.filter(_scope(actor)).select_related("household__address", "household__grid")
    if grid:
        qs = qs.filter(household__grid__code__startswith=grid)
        if not (actor.is_admin or actor.can_any(SEE_ROLES, grid)):
            raise NotFound(gettext("no grid %(grid)s among your grids") % {"grid": grid})
    return qs


def device(actor: Actor, serial: str) -> Device:
    found = visible_devices(actor).filter(serial=serial).first()
    if found is None:
        raise NotFound(gettext("no device %(serial)s among your grids' devices") % {"serial": serial})
    return found


def silent_devices(qs: QuerySet[Device] | None = None, *, at: datetime | None = None) -> list[Device]:
    """Active devices not heard from (heartbeat or alarm; else since registration) for longer than their
    `silent_after_hours`. The per-device threshold is compared here, not in SQL: devices per city are few."""
    now = at or timezone.now()
    qs = (qs if qs is not None else Device.objects.all()).filter(active=True)
    # nothing heard for at least the shortest threshold: a cheap first cut in SQL
    shortest = min((h for h in qs.values_list("silent_after_hours", flat=True).distinct()), default=None)
    if shortest is None:
        return []
    cut = now - timedelta(hours=shortest)
    candidates = qs.filter(Q(last_seen_at__lt=cut) | Q(last_seen_at__isnull=True, registered_at__lt=cut))
    return [
        d
        for d in candidates.order_by("serial")
        if (d.last_seen_at or d.registered_at) < now - timedelta(hours=d.silent_after_hours)
    ]


def device_out(d: Device) -> dict:
    """A device as the API shows it: the household by its address, never its people."""
    return {
        "serial": d.serial,
        "kind": d.kind,
        "household": {"id": d.household_id, "address": d.household.address.full_text},
        "grid": {"code": d.household.grid.code, "name": d.household.grid.name},
        "active": d.active,
        "registered_at": d.registered_at,
        "last_seen_at": d.last_seen_at,
        "silent_after_hours": d.silent_after_hours,
        "silent_since": d.silent_since,
    }
