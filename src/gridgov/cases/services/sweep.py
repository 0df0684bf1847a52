"""The deadline sweep (红黄灯): the lights of running cases, one automatic 督办 per overdue deadline, and one per
progress report a 联动办 case owes past its date (Case.progress_due)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models.functions import Coalesce

from gridgov.cases import deadlines
from gridgov.cases.models import Case, Status
from gridgov.cases.services.locking import lock_case
from gridgov.cases.services.record import now as _now
from gridgov.cases.services.record import record_event
from gridgov.core.tasks import enqueue
from gridgov.core.timefmt import iso
from gridgov.people.actors import Actor
from gridgov.worktime.calendar import one_calendar

# where a progress report is owed (the step "progress" of cases.transitions.STEPS)
PROGRESS_STATUSES = (Status.IN_PROGRESS, Status.SUSPENDED)
CHUNK = 500  # due cases read per query
# every status in which the sweep may have something to do (a stopped clock only owes progress reports)
SWEPT = sorted(deadlines.RUNNING | deadlines.PROGRESS_STATUSES)


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
    督办 (an event by the system, so its file shows who was pressed and when); a 联动办 case past its
    progress report's date gets one too.

    Only the cases whose moment has come are read (Case.light_next_at ≤ now, through its index): the
    sweep's time follows the cases due, not the cases open. Each case visited gets its next moment
    (deadlines.next_light_change), written only if nobody moved the case meanwhile (its version).
    Safe on several workers and when run twice: the light too is written only if the case did not move
    meanwhile, and the automatic 督办 is keyed to the deadline it is about.
    """
    now = _now(now)
    result = SweepResult()
    with one_calendar():  # the working calendar read once for the whole sweep, not once per deadline
        _sweep_due(now, result)
    return result


def _sweep_due(now: datetime, result: SweepResult) -> None:
    due = Case.objects.filter(light_next_at__lte=now, status__in=SWEPT).order_by()
    # the keys first, then the rows in chunks: the loop writes the column the selection scans (SQLite gives
    # no isolation between statements of one connection), and a row another worker settled meanwhile drops out
    keys = list(due.values_list("pk", flat=True))
    for i in range(0, len(keys), CHUNK):
        for case in due.filter(pk__in=keys[i : i + CHUNK]).select_related("grid"):
            _sweep_case(case, now, result)


def _sweep_case(case: Case, now: datetime, result: SweepResult) -> None:
    """One due case: its light, its automatic 督办, its progress press, then its next moment — all that was
    due by `now` is then done (by us or before), so that moment lies ahead. Every write is conditional on the
    case's version: a case moved meanwhile keeps the light and the moment its own event wrote."""
    result.checked += 1
    version = case.version
    running = case.status in deadlines.RUNNING and case.resolve_by is not None
    light = (deadlines.case_light(case, now) or "") if running else case.light
    owes_progress = case.status in PROGRESS_STATUSES and case.progress_due is not None and case.progress_due < now
    upcoming = deadlines.next_light_change(case, now, settled=True)
    pressing = (running and light == "red") or owes_progress  # events of our own will follow: settle after them
    fields = {"light": light} if light != case.light else {}
    if not pressing:
        fields["light_next_at"] = upcoming
    if fields and Case.objects.filter(pk=case.pk, version=version).update(**fields) and "light" in fields:
        result.changed += 1
        enqueue(
            "gridgov.cases.notify_light",
            number=case.number,
            light=light,
            deadline=deadlines.pressing_deadline(case, now),
        )
    if not pressing:
        return
    if running and light == "red" and _supervise_overdue(case.number, now):
        result.supervised += 1
        version += 1  # our own event
    if owes_progress and _press_for_progress(case.number, now):
        result.progress_overdue += 1
        version += 1
    Case.objects.filter(pk=case.pk, version=version).update(light_next_at=upcoming)


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


def calendar_changed() -> int:
    """工作日历 changed (an override set or removed): a running clock's yellow moment, counted in working time,
    may have moved, so every running case with a moment ahead is due at the next sweep, which works its
    moment out again. Due from when its clock started, whatever the clock of the caller (the simulator and
    tests run in other times). Returns how many. A rare, administrative change: one pass over the running
    cases then, never in every sweep."""
    pending = Case.objects.filter(status__in=sorted(deadlines.RUNNING), light_next_at__isnull=False)
    return pending.update(light_next_at=Coalesce("clock_start", "dispatched_at"))
