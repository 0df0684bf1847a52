"""The deadline sweep (红黄灯): the lights of running cases, and one automatic 督办 per overdue deadline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from gridgov.cases import deadlines
from gridgov.cases.models import Case
from gridgov.cases.services.locking import lock_case
from gridgov.cases.services.record import now as _now
from gridgov.cases.services.record import record_event
from gridgov.core.tasks import enqueue
from gridgov.people.actors import Actor


@dataclass
class SweepResult:
    checked: int = 0
    changed: int = 0
    supervised: int = 0

    def as_dict(self) -> dict:
        return {"checked": self.checked, "changed": self.changed, "supervised": self.supervised}


def sweep_deadlines(*, now: datetime | None = None) -> SweepResult:
    """红黄灯 sweep: refresh the lights of running cases; a case that turns red gets one automatic
    督办 (an event by the system, so its file shows who was pressed and when).

    Safe on several workers and when run twice: the light is written only if the case did not move
    meanwhile (its version), and the automatic 督办 is keyed to the deadline it is about.
    """
    now = _now(now)
    result = SweepResult()
    running = Case.objects.filter(status__in=deadlines.RUNNING, resolve_by__isnull=False).select_related("grid")
    for case in running.iterator(chunk_size=500):
        result.checked += 1
        light = deadlines.case_light(case, now) or ""
        if light != case.light and Case.objects.filter(pk=case.pk, version=case.version).update(light=light):
            result.changed += 1
            enqueue(
                "gridgov.cases.notify_light",
                number=case.number,
                light=light,
                deadline=deadlines.pressing_deadline(case, now),
            )
        if light == "red" and _supervise_overdue(case.number, now):
            result.supervised += 1
    return result


@transaction.atomic
def _supervise_overdue(number: str, now: datetime) -> bool:
    case = lock_case(number)
    if case.status not in deadlines.RUNNING or deadlines.case_light(case, now) != "red":
        return False
    key = deadlines.pressing_deadline(case, now)  # "sign:…" or "resolve:…": each overdue deadline once
    if case.events.filter(action="supervise", data__overdue=key).exists():
        return False
    record_event(
        case,
        actor=Actor.system("deadline sweep"),
        action="supervise",
        from_status=case.status,
        role="system",
        unit=case.lead_unit,
        note="超期自动督办",
        data={"overdue": key},
        at=now,
    )
    return True
