"""Background work of the sensors app: flag the devices that went silent (设备失联)."""

from __future__ import annotations

from gridgov.core.tasks import task
from gridgov.people.actors import Actor
from gridgov.sensors import selectors, services


@task(every=900)
def flag_silent_devices() -> int:
    """Every quarter hour: mark silent devices (a heartbeat or alarm lifts the mark); returns how many."""
    return len(services.flag_silent(actor=Actor.system("sensors"), devices=selectors.silent_devices()))
