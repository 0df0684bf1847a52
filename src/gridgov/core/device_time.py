"""Times sent by phones and devices (终端上报时间): a patrol's fixes, a visit, a ticked checklist item.

One rule for every app that takes them: the time carries its UTC offset, the database can store it, and
it is not ahead of ours by more than a phone's clock may drift (CLOCK_SKEW).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from django.utils import timezone
from django.utils.translation import gettext

from gridgov.core.errors import BadInput

CLOCK_SKEW = timedelta(minutes=5)  # a phone's clock may run ahead of ours by this much


def storable(at: datetime) -> bool:
    """A time the database can store once in UTC (year 1 at +08:00 is not)."""
    try:
        return 2000 <= at.astimezone(UTC).year <= 2999
    except OverflowError:
        return False


def aware(at: datetime | None) -> datetime:
    """`at` (now when None); BadInput when it has no UTC offset or cannot be stored."""
    if at is None:
        return timezone.now()
    if timezone.is_naive(at) or not storable(at):
        raise BadInput(gettext("times need their UTC offset, e.g. 2026-12-07T09:00:00+08:00"))
    return at


def not_ahead(at: datetime, what: str) -> None:
    """BadInput when `at` lies ahead of our clock by more than CLOCK_SKEW (`what`: how people call it)."""
    if at > timezone.now() + CLOCK_SKEW:
        raise BadInput(gettext("%(what)s lies in the future: check the phone's clock") % {"what": what})


def device_time(at: datetime | None, what: str) -> datetime:
    """`at` as a phone sent it, checked (now when None): aware, storable, not ahead of ours."""
    at = aware(at)
    not_ahead(at, what)
    return at
