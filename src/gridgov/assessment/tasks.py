"""Rollup upkeep: each step of a case refreshes its contribution; a periodic sweep catches what a
lost task or a crash left behind (both are idempotent: a rerun never counts twice)."""

from django.db.models import F

from gridgov.assessment import services
from gridgov.cases.models import Case
from gridgov.core.tasks import task


@task
def refresh_case(*, number: str) -> None:
    # Steps committed together queue one refresh each: the first brings the fact up to date, and
    # the others see that without taking the lock.
    if Case.objects.filter(number=number).exclude(fact__event_count=F("event_count")).exists():
        services.refresh_cases(numbers=[number])


@task(every=600)
def catch_up_rollups() -> None:
    services.catch_up()
