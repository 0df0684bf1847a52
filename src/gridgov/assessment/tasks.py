"""Rollup upkeep: each step of a case refreshes its contribution; a periodic sweep catches what a
lost task or a crash left behind (both are idempotent: a rerun never counts twice)."""

from django.db.models import F

from gridgov.assessment import services
from gridgov.cases.models import Case
from gridgov.core.tasks import task


@task
def refresh_cases(*, numbers: list[str]) -> None:
    """The cases stepped in one transaction (one call for all of them); those already up to date,
    e.g. refreshed by a concurrent run, are skipped without taking a lock."""
    stale = list(
        Case.objects.filter(number__in=numbers)
        .exclude(fact__event_count=F("event_count"))
        .values_list("number", flat=True)
    )
    for start in range(0, len(stale), 500):
        services.refresh_cases(numbers=stale[start : start + 500])


@task(every=600)
def catch_up_rollups() -> None:
    services.catch_up()
