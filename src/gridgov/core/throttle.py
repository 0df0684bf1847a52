"""Bounded guessing (限流): failures are counted in the database (`Attempt`), so every web process —
however many run behind the load balancer — sees the same count.

A guarded thing has a scope ("reporter_proof") and is counted under one or more keys ("case:…",
"client:…"), each with its own `Limit`. `wait` says how long a key must wait before its next try (zero
when it may try now); `fail` counts one failure against keys. Only failures are counted: a key that
keeps failing waits until its oldest failures leave the window.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from gridgov.core.models import Attempt

KEEP = timedelta(days=1)  # failures older than this are deleted: longer than any window we use


@dataclass(frozen=True)
class Limit:
    """At most `failures` failures within `window`; then wait until the oldest of them leaves it."""

    failures: int
    window: timedelta


def wait(scope: str, key: str, limit: Limit, *, now: datetime | None = None) -> timedelta:
    """How long `key` must wait before it may try again; zero when it may try now."""
    now = now or timezone.now()
    recent = list(Attempt.objects.filter(scope=scope, key=key, at__gt=now - limit.window, at__lte=now)
                  .order_by("-at").values_list("at", flat=True)[:limit.failures])
    if len(recent) < limit.failures:
        return timedelta(0)
    # the limit-th newest failure is the one whose leaving the window frees a try
    return max(recent[-1] + limit.window - now, timedelta(0))


def longest_wait(scope: str, limits: Iterable[tuple[str, Limit]], *, now: datetime | None = None) -> timedelta:
    """The wait of the most restricted key among `limits` (key, limit)."""
    now = now or timezone.now()
    return max((wait(scope, key, limit, now=now) for key, limit in limits), default=timedelta(0))


@transaction.atomic
def fail(scope: str, keys: Iterable[str], *, now: datetime | None = None) -> None:
    """Count one failure against each key, and forget the scope's failures older than KEEP.

    Call it outside the transaction of the refused operation: that one rolls back, this must stay."""
    now = now or timezone.now()
    Attempt.objects.bulk_create([Attempt(scope=scope, key=key[:128], at=now) for key in dict.fromkeys(keys)])
    Attempt.objects.filter(scope=scope, at__lt=now - KEEP).delete()


def whole_minutes(delay: timedelta) -> int:
    """A wait in whole minutes, rounded up (never 0 for a real wait): what people are told."""
    return max(1, math.ceil(delay.total_seconds() / 60))


def client_address(request) -> str:
    """The client's address, counted per client: the header the trusted reverse proxy sets
    (settings.GRIDGOV_CLIENT_IP_HEADER, e.g. X-Real-IP) or else REMOTE_ADDR."""
    from django.conf import settings

    header = settings.GRIDGOV_CLIENT_IP_HEADER
    if header:
        value = request.META.get("HTTP_" + header.upper().replace("-", "_"), "")
        if value:
            # X-Forwarded-For: the last address is the one our proxy added; earlier ones the client wrote
            return value.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "")
