"""The deadline sweep (红黄灯): the lights of running cases, one automatic 督办 per overdue deadline, and one per
progress report a 联动办 case owes past its date (Case.progress_due)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from gridgov.cases import deadlines
from gridgov.cases.models import Case, Status
from gridgov.cases.services.locking import lock_case
from gridgov.cases.services.record import now as _now
from gridgov.cases.services.record import record_event
from gridgov.core.tasks import enqueue
from gridgov.core.timefmt import iso
from gridgov.people.actors import Actor

# where a progress report is owed (the step "progress" of cases.transitions.STEPS)
PROGRESS_STATUSES = (Status.IN_PROGRESS, Status.SUSPENDED)


@dataclass
class SweepResult:
    checked: int = 0
    changed: int = 0
    supervised: int = 0
    progress_overdue: int = 0  # cases pressed for a progress report this sweep

    def as_dict(self) -> dict:
        return {
            "checked": self.checked,
            "changed": self.changed,
            "supervised": self.supervised,
            "progress_overdue": self.progress_overdue,
        }


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
    owing = Case.objects.filter(status__in=PROGRESS_STATUSES, progress_due__lt=now).values_list("number", flat=True)
    for number in list(owing):
        if _press_for_progress(number, now):
            result.progress_overdue += 1
    return result


@transaction.atomic
def _press_for_progress(number: str, now: datetime) -> bool:
    """进展报告逾期: one automatic 督办 per progress report due (keyed to its date), to the lead unit."""
    case = lock_case(number)
    if case.status not in PROGRESS_STATUSES or not case.progress_due or case.progress_due >= now:
        return False
    return _press_once(case, key=f"progress:{iso(case.progress_due)}", note="进展报告逾期自动督办", now=now)


@transaction.atomic
def _supervise_overdue(number: str, now: datetime) -> bool:
    case = lock_case(number)
    if case.status not in deadlines.RUNNING or deadlines.case_light(case, now) != "red":
        return False
    # "sign:…" or "resolve:…": each overdue deadline once
    return _press_once(case, key=deadlines.pressing_deadline(case, now), note="超期自动督办", now=now)


def _press_once(case: Case, *, key: str, note: str, now: datetime) -> bool:
    """The sweep's 督办 (by the system, to the lead unit), once per `key`: False if it was written before."""
    if case.events.filter(action="supervise", data__overdue=key).exists():
        return False
    record_event(
        case,
        actor=Actor.system("deadline sweep"),
        action="supervise",
        from_status=case.status,
        role="system",
        unit=case.lead_unit,
        note=note,
        data={"overdue": key},
        at=now,
    )
    return True
