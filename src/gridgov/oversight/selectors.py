"""一聘三督 reads: findings per grid and per worker in a period (what assessment scores), a supervisor's own."""

from __future__ import annotations

from collections import Counter
from datetime import date

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy

from gridgov.oversight.models import Appointment, Finding, FindingKind, Inspection
from gridgov.people.actors import Actor

LINK_LABEL = gettext_lazy("Supervision: record a finding")  # the supervisor's /home/ links /oversight/ with it


def findings_by_worker(workers: list[int], start: date, end: date) -> dict[int, int]:
    """Findings charged to each worker from `start` to `end` (inclusive)."""
    rows = Finding.objects.filter(worker_id__in=workers, day__gte=start, day__lte=end).values_list(
        "worker_id", flat=True
    )
    counted = Counter(rows)
    return {w: counted.get(w, 0) for w in workers}


def findings_by_region(codes: list[str], start: date, end: date) -> dict[str, int]:
    """Findings in each grid subtree (a street, community or grid code) from `start` to `end`."""
    grids = Counter(Finding.objects.filter(day__gte=start, day__lte=end).values_list("grid__code", flat=True))
    return {code: sum(n for g, n in grids.items() if g.startswith(code)) for code in codes}


def my_appointments(actor: Actor) -> QuerySet[Appointment]:
    return Appointment.objects.filter(user_id=getattr(actor.user, "pk", None)).order_by("-start_date")


def my_findings(actor: Actor) -> QuerySet[Finding]:
    return (
        Finding.objects.filter(inspection__appointment__user_id=getattr(actor.user, "pk", None))
        .select_related("case", "grid")
        .order_by("-day", "-id")
    )


def finding_row(f: Finding) -> dict:
    return {
        "id": f.pk,
        "kind": f.kind,
        "day": f.day.isoformat(),
        "grid": f.grid.code,
        "case": f.case.number,
        "opened": f.opened,
        "description": f.description,
    }


def appointment_row(a: Appointment) -> dict:
    return {
        "id": a.pk,
        "area": a.area,
        "start_date": a.start_date.isoformat(),
        "end_date": a.end_date.isoformat(),
        "ended_on": a.ended_on.isoformat() if a.ended_on else None,
        "letter_number": a.letter_number,
    }


def figures(*, area: str, start: date, end: date) -> dict:
    """一聘三督 under `area` on the days start … end: supervisors appointed under it and in office then,
    inspections, findings by kind."""
    kinds = Counter(
        Finding.objects.filter(grid__code__startswith=area, day__gte=start, day__lte=end).values_list("kind", flat=True)
    )
    return {
        "supervisors": Appointment.objects.filter(area__startswith=area, start_date__lte=end, end_date__gte=start)
        .exclude(ended_on__lt=start)
        .count(),
        "inspections": Inspection.objects.filter(grid__code__startswith=area, day__gte=start, day__lte=end).count(),
        "findings": sum(kinds.values()),
        "findings_by_kind": {k: kinds.get(k, 0) for k in FindingKind.values},
    }
