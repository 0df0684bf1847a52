"""Bounded guessing (限流): failures are counted in the database (`Attempt`), so every web process —
however many run behind the load balancer — sees the same count.

A guarded thing has a scope ("reporter_proof") and is counted under one or more keys ("case:…",
"client:…"), each with its own `Limit`. `wait` says how long a key must wait before its next try (zero
when it may try now); `fail` counts one failure against keys. Only failures are counted: a key that
keeps failing waits until its oldest failures leave the window. A `Guard` puts these together for a
secret that can be guessed at (a password: people.login_guard; a reporter's proof: cases.proof).

Requests of anyone not signed in are counted too (`hit`, budgets in settings.GRIDGOV_RATE_LIMITS, applied
to every request by http.ratelimit.RateLimitMiddleware): in Redis when one is configured, else here.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import secrets
import threading
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.utils import timezone

from gridgov.core.errors import TooMany
from gridgov.core.models import Attempt

logger = logging.getLogger(__name__)

KEEP = timedelta(days=1)  # failures older than this are deleted: longer than any window we use


@dataclass(frozen=True)
class Limit:
    """At most `failures` failures within `window`; then wait until the oldest of them leaves it."""

    failures: int
    window: timedelta


def wait(scope: str, key: str, limit: Limit, *, now: datetime | None = None) -> timedelta:
    """How long `key` must wait before it may try again; zero when it may try now."""
    now = now or timezone.now()
    recent = list(
        Attempt.objects.filter(scope=scope, key=key, at__gt=now - limit.window, at__lte=now)
        .order_by("-at")
        .values_list("at", flat=True)[: limit.failures]
    )
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


@dataclass(frozen=True)
class Guard:
    """Bounded guessing at a secret: failures count against the subject guessed at (an account, a case) and
    against the client; while either is over its limit, every try is refused with TooMany saying how long
    to wait — a right one too, or guessing would simply go on."""

    scope: str
    subject: str  # the key prefix of what is guessed at: "account", "case"
    per_subject: Limit
    per_client: Limit
    refusal: Callable[[int], str]  # what people are told for a wait of this many whole minutes

    def limits(self, subject: str, client: str = "") -> list[tuple[str, Limit]]:
        limits = [(f"{self.subject}:{subject}", self.per_subject)]
        if client:
            limits.append((f"client:{client}", self.per_client))
        return limits

    def check(self, subject: str, client: str = "") -> None:
        """TooMany while the subject or the client has failed too often; nothing otherwise."""
        delay = longest_wait(self.scope, self.limits(subject, client))
        if delay:
            raise TooMany(self.refusal(whole_minutes(delay)), retry_after=math.ceil(delay.total_seconds()))

    def count_failure(self, subject: str, client: str = "") -> None:
        """One failure against the subject and the client (outside the refused operation's transaction)."""
        fail(self.scope, [key for key, _ in self.limits(subject, client)])


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


# ---- requests per client (限流): every request of someone not signed in ---------------------------
#
# A sliding log: each request served is one entry, kept for its window; a request is served while the
# client has fewer than `requests` entries within the window. A refused request is not logged, so the
# wait it is told is the real one. Entries live in Redis (settings.GRIDGOV_RATE_LIMIT_REDIS_URL: a sorted set per
# scope and client, one round trip) or else in the database (Attempt rows under scope "rate:<budget>":
# insert, then count — concurrent requests can only be refused too early, never served beyond the limit).
# Reads without Redis are counted in the process's memory instead (`hit(..., database=False)`): a row per
# GET would make every reader a writer, and SQLite has one writer at a time; the read budget is a generous
# flood guard, so N processes letting a client have N times of it is acceptable (docs/security.md).

RATE_PREFIX = "rate:"  # Attempt.scope of request counts; the rest of the 32 characters names the budget
_PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_pruned: dict[str, float] = {}  # scope → when this process last deleted its old rows (at most once a minute)
_redis_clients: dict[str, Any] = {}  # url → redis.Redis (imported only when Redis is configured)
_memory: dict[tuple[str, str], deque[float]] = {}  # (scope, key) → times of the requests served, oldest first
_memory_lock = threading.Lock()
_MEMORY_KEYS = 50_000  # above this many, clients whose last request left its window are forgotten


@dataclass(frozen=True)
class Rate:
    """At most `requests` requests within any `window`."""

    requests: int
    window: timedelta


@lru_cache(maxsize=64)
def parse_rate(text: str) -> Rate | None:
    """ "20/1h", "600/10m", "5/30s", "100/d" → a Rate; "off" → None (no limit). ValueError otherwise."""
    text = text.strip().lower()
    if text == "off":
        return None
    count, _, period = text.partition("/")
    number, unit = period[:-1] or "1", period[-1:]
    if not (count.isdigit() and number.isdigit() and unit in _PERIODS and int(count) > 0 and int(number) > 0):
        raise ValueError(f"{text!r} is not a rate like 20/1h, 600/10m or off")
    return Rate(int(count), timedelta(seconds=int(number) * _PERIODS[unit]))


def client_key(address: str) -> str:
    """Whom a request is counted against: the address, or for IPv6 its /64 (one household or phone gets
    a whole /64 and could otherwise take a new address for every request)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:64]
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


def hit(budget: str, key: str, rate: Rate, *, now: datetime | None = None, database: bool = True) -> timedelta:
    """Count one request of `key` against `budget`: zero when it may be served now, else how long it
    must wait (then it is not counted). Shared by every process: Redis when GRIDGOV_RATE_LIMIT_REDIS_URL
    (by default GRIDGOV_REDIS_URL) is set, else the database — or, `database=False`, this process's memory."""
    from django.conf import settings

    now = now or timezone.now()
    scope = (RATE_PREFIX + budget)[:32]
    if settings.GRIDGOV_RATE_LIMIT_REDIS_URL:
        try:
            return _redis_hit(settings.GRIDGOV_RATE_LIMIT_REDIS_URL, scope, key, rate, now)
        except _redis_errors() as exc:  # Redis away: serve (the site stays up) and say so in the log
            logger.warning("rate limit not checked, Redis failed: %s", exc)
            return timedelta(0)
    if not database:
        return _memory_hit(scope, key, rate, now)
    return _database_hit(scope, key[:128], rate, now)


def _memory_hit(scope: str, key: str, rate: Rate, now: datetime) -> timedelta:
    at, window = now.timestamp(), rate.window.total_seconds()
    with _memory_lock:
        if len(_memory) > _MEMORY_KEYS:
            for name in [name for name, times in _memory.items() if not times or times[-1] <= at - window]:
                del _memory[name]
        times = _memory.setdefault((scope, key), deque())
        while times and times[0] <= at - window:
            times.popleft()
        if len(times) >= rate.requests:
            return max(timedelta(seconds=times[-rate.requests] + window - at), timedelta(seconds=1))
        times.append(at)
        return timedelta(0)


def _database_hit(scope: str, key: str, rate: Rate, now: datetime) -> timedelta:
    row = Attempt.objects.create(scope=scope, key=key, at=now)
    recent = Attempt.objects.filter(scope=scope, key=key, at__gt=now - rate.window, at__lte=now)
    counted = recent[: rate.requests + 1].count()  # bounded: never more than the budget's rows are read
    if counted > rate.requests:
        row.delete()
        # no wait left: requests racing with it were refused too; one second, so that none slips past
        return wait(scope, key, Limit(rate.requests, rate.window), now=now) or timedelta(seconds=1)
    last = _pruned.get(scope, 0.0)
    if not last <= now.timestamp() < last + 60:
        _pruned[scope] = now.timestamp()
        Attempt.objects.filter(scope=scope, at__lte=now - rate.window).delete()
    return timedelta(0)


def _redis_errors() -> tuple[type[Exception], ...]:
    import redis

    return (redis.RedisError, OSError)


def _redis_hit(url: str, scope: str, key: str, rate: Rate, now: datetime) -> timedelta:
    client = _redis_clients.get(url)
    if client is None:
        import redis

        # short timeouts: a slow Redis must not hold every anonymous request
        client = _redis_clients[url] = redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5)
    name = f"gridgov:{scope}:{key}"
    at = now.timestamp()
    window = rate.window.total_seconds()
    member = f"{at:.6f}:{secrets.token_hex(4)}"
    pipe = client.pipeline(transaction=True)  # MULTI/EXEC: the four as one, no other client in between
    pipe.zremrangebyscore(name, "-inf", at - window)
    pipe.zadd(name, {member: at})
    pipe.zcard(name)
    pipe.expire(name, math.ceil(window) + 1)
    counted = pipe.execute()[2]
    if counted <= rate.requests:
        return timedelta(0)
    # refused: not counted; it may come back when enough of the oldest entries have left the window
    pipe = client.pipeline(transaction=True)
    pipe.zrem(name, member)
    pipe.zrange(name, counted - rate.requests - 1, counted - rate.requests - 1, withscores=True)
    oldest = pipe.execute()[1]
    if not oldest:  # requests racing with it were refused too: one second, so that none slips past
        return timedelta(seconds=1)
    return max(timedelta(seconds=oldest[0][1] + window - at), timedelta(seconds=1))
