"""Working-time arithmetic for case deadlines (工作日历).

A day is a workday when an administrator's override (WorkdayOverride, 本地调整) says so; otherwise
when chinese-calendar says so (statutory holidays and 调休 make-up workdays); for years it does not
know, Monday to Friday. Working time runs only inside the periods of settings.GRIDGOV_WORKING_HOURS
(default 08:30–12:00 and 13:30–17:30, 7.5 h) of workdays, in settings.TIME_ZONE.

Definitions, so that every function agrees with every other:
- working_seconds_between(a, b) is the measure of working time in [a, b] (0 when b <= a).
- add_working_seconds(a, s) is the *earliest* instant t >= a with working_seconds_between(a, t) == s.
  So a clock that starts outside working hours starts at the next period; a deadline that uses up a
  period exactly is that period's end (17:30), not the next morning; and adding 0 returns `a`
  unchanged, even at night — that is what makes adding in two steps equal to adding once. Use
  next_working_moment(a) for "when does the clock start".
- add_working_days(a, n) adds n × day_length_seconds(): one working day from Monday 10:00 is
  Tuesday 10:00, from Friday 10:00 the next Monday 10:00, skipping holidays.

Inputs must be aware datetimes (any zone); results are aware, in settings.TIME_ZONE. Arithmetic runs
on real elapsed time (UTC), day by day, so spans of months cost a few hundred steps.

The module functions use current_calendar(): a snapshot of the overrides shared by the process
(reloaded after a change committed through the services, and at least every
OVERRIDES_TTL_SECONDS for changes made by other processes). Inside a transaction the overrides are
read afresh for every call, because uncommitted rows must never reach the shared snapshot; a loop
inside a transaction should take `cal = current_calendar()` once and call its methods.
"""

from __future__ import annotations

import math
import threading
import time as _time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from types import MappingProxyType

import chinese_calendar
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

DEFAULT_WORKING_HOURS = (("08:30", "12:00"), ("13:30", "17:30"))
# Overrides change a few times a year, usually weeks ahead; other processes see a change within this.
OVERRIDES_TTL_SECONDS = 60.0

Period = tuple[time, time]
Interval = tuple[datetime, datetime]  # aware UTC instants, start < end
ONE_DAY = timedelta(days=1)


# --- configuration --------------------------------------------------------------------------------


def _parse_time(value: object) -> time:
    if isinstance(value, time):
        return value
    try:
        return time.fromisoformat(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ImproperlyConfigured(f"GRIDGOV_WORKING_HOURS: {value!r} is not a time of day like '08:30'") from None


@lru_cache(maxsize=16)
def _parse_periods(raw: tuple) -> tuple[Period, ...]:
    periods = tuple((_parse_time(start), _parse_time(end)) for start, end in raw)
    if not periods:
        raise ImproperlyConfigured("GRIDGOV_WORKING_HOURS: at least one working period is needed")
    for (start, end), following in zip(periods, (*periods[1:], (None, None)), strict=True):
        if not start < end:
            raise ImproperlyConfigured(f"GRIDGOV_WORKING_HOURS: period {start}–{end} ends before it starts")
        if following[0] is not None and following[0] < end:
            raise ImproperlyConfigured("GRIDGOV_WORKING_HOURS: periods must be in order and must not overlap")
    return periods


def working_periods() -> tuple[Period, ...]:
    """The working periods of a day, from settings.GRIDGOV_WORKING_HOURS."""
    raw = getattr(settings, "GRIDGOV_WORKING_HOURS", DEFAULT_WORKING_HOURS)
    try:
        key = tuple((start, end) for start, end in raw)
    except (TypeError, ValueError):
        raise ImproperlyConfigured("GRIDGOV_WORKING_HOURS must be a list of (start, end) pairs") from None
    return _parse_periods(key)


@lru_cache(maxsize=4096)
def statutory_workday(day: date) -> bool:
    """chinese-calendar where it knows the year (holidays and 调休), else Monday–Friday."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:  # a year it has no data for: fall back, never fail
        return day.weekday() < 5


def _require_aware(*moments: datetime) -> None:
    for moment in moments:
        if timezone.is_naive(moment):
            raise ValueError(f"an aware datetime is required, got naive {moment!r}")


# --- the calendar ---------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class WorkCalendar:
    """An immutable working calendar: overrides, daily periods and zone. All methods are pure."""

    overrides: Mapping[date, bool] = field(default_factory=dict)
    periods: tuple[Period, ...] = field(default_factory=lambda: _parse_periods(DEFAULT_WORKING_HOURS))
    tz: tzinfo = field(default_factory=timezone.get_default_timezone)
    # Memo of each day's working intervals; loops over cases ask for the same days again and again.
    _days: dict[date, tuple[tuple[Interval, ...], timedelta]] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "overrides", MappingProxyType(dict(self.overrides)))

    def is_workday(self, day: date) -> bool:
        if isinstance(day, datetime):  # its date depends on a zone: make the caller choose
            raise TypeError("is_workday takes a local date, not a datetime")
        found = self.overrides.get(day)
        return statutory_workday(day) if found is None else found

    def day_length_seconds(self) -> float:
        return sum(
            (datetime.combine(date.min, end) - datetime.combine(date.min, start)).total_seconds()
            for start, end in self.periods
        )

    def _intervals(self, day: date) -> tuple[tuple[Interval, ...], timedelta]:
        """The working intervals of a local day in UTC, and their total."""
        found = self._days.get(day)
        if found is None:
            if self.is_workday(day):
                intervals = tuple(
                    (
                        datetime.combine(day, start, self.tz).astimezone(UTC),
                        datetime.combine(day, end, self.tz).astimezone(UTC),
                    )
                    for start, end in self.periods
                )
            else:
                intervals = ()
            found = intervals, sum((end - start for start, end in intervals), timedelta())
            if len(self._days) > 10_000:  # a long-lived snapshot asked about centuries: stay bounded
                self._days.clear()
            self._days[day] = found
        return found

    def _local_day(self, moment: datetime) -> date:
        return moment.astimezone(self.tz).date()

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        _require_aware(start, end)
        if end <= start:
            return 0.0
        start, end = start.astimezone(UTC), end.astimezone(UTC)
        day, last = self._local_day(start), self._local_day(end)
        total = timedelta()
        while day <= last:
            intervals, length = self._intervals(day)
            if intervals and intervals[0][0] >= start and intervals[-1][1] <= end:
                total += length  # a whole day inside the span
            else:
                for low, high in intervals:
                    low, high = max(low, start), min(high, end)
                    if high > low:
                        total += high - low
            day += ONE_DAY
        # timedelta sums are exact in microseconds; convert once at the end.
        return total.total_seconds()

    def add_working_seconds(self, start: datetime, seconds: float) -> datetime:
        _require_aware(start)
        if not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"working time to add must be finite and >= 0, got {seconds!r}")
        remaining = timedelta(seconds=seconds)
        if not remaining:
            return start.astimezone(self.tz)
        start = start.astimezone(UTC)
        day = self._local_day(start)
        while True:
            intervals, length = self._intervals(day)
            # Strictly less: a span that uses the day up exactly must end at its last period's end.
            if intervals and intervals[0][0] >= start and length < remaining:
                remaining -= length
            else:
                for low, high in intervals:
                    if high <= start:
                        continue
                    low = max(low, start)
                    if remaining <= high - low:
                        return (low + remaining).astimezone(self.tz)
                    remaining -= high - low
            day += ONE_DAY

    def add_working_hours(self, start: datetime, hours: float) -> datetime:
        return self.add_working_seconds(start, hours * 3600)

    def add_working_days(self, start: datetime, days: float) -> datetime:
        return self.add_working_seconds(start, days * self.day_length_seconds())

    def next_working_moment(self, moment: datetime) -> datetime:
        """`moment` if the clock runs then, else the start of the next working period."""
        _require_aware(moment)
        utc = moment.astimezone(UTC)
        day = self._local_day(utc)
        while True:
            for low, high in self._intervals(day)[0]:
                if high > utc:
                    return max(low, utc).astimezone(self.tz)
            day += ONE_DAY


# --- the shared snapshot --------------------------------------------------------------------------

_lock = threading.Lock()
_generation = 0  # bumped by forget_overrides(); a load that raced with a change is not kept
_shared: tuple[WorkCalendar, float, int] | None = None
_clock = _time.monotonic  # replaced in tests to age the snapshot
_scope = threading.local()  # one_calendar(): active, and the calendar loaded within it
_pinned: dict[date, bool] | None = None  # set by pin_overrides(): the process reads no overrides from the database


def load_overrides() -> dict[date, bool]:
    """The administrators' overrides (本地调整) as {local date: is workday}: the pinned ones if any,
    else read from the database."""
    if _pinned is not None:
        return dict(_pinned)
    # Imported here so that this module can be imported before the app registry is ready.
    from gridgov.worktime.models import WorkdayOverride

    return dict(WorkdayOverride.objects.values_list("date", "is_workday"))


def forget_overrides() -> None:
    """Drop the shared snapshot; the services call it when a change commits."""
    global _generation, _shared
    with _lock:
        _generation += 1
        _shared = None


def pin_overrides(overrides: Mapping[date, bool] | None) -> None:
    """Use `overrides` instead of the database from now on in this process (None: read the database
    again). For a process that must not touch the database, e.g. one forked to generate bench data."""
    global _pinned
    _pinned = None if overrides is None else dict(overrides)
    forget_overrides()


@contextmanager
def one_calendar() -> Iterator[None]:
    """Within: this thread's current_calendar() loads the overrides at most once. For one staff action,
    which asks for many deadlines in one transaction and changes no override."""
    if getattr(_scope, "active", False):
        yield
        return
    _scope.active, _scope.calendar = True, None
    try:
        yield
    finally:
        _scope.active, _scope.calendar = False, None


def current_calendar() -> WorkCalendar:
    """The calendar as the database and settings say now (see the module docstring on caching)."""
    if not getattr(_scope, "active", False):
        return _current_calendar()
    calendar = _scope.calendar
    if calendar is None or calendar.periods != working_periods() or calendar.tz != timezone.get_default_timezone():
        calendar = _scope.calendar = _current_calendar()
    return calendar


def _current_calendar() -> WorkCalendar:
    global _shared
    periods, tz = working_periods(), timezone.get_default_timezone()
    if transaction.get_connection().in_atomic_block:
        # The rows seen here may be uncommitted and rolled back later: use them, never share them.
        return WorkCalendar(load_overrides(), periods, tz)
    with _lock:
        shared, generation = _shared, _generation
    if shared is not None:
        calendar, loaded_at, _ = shared
        if _clock() - loaded_at < OVERRIDES_TTL_SECONDS:
            if calendar.periods == periods and calendar.tz == tz:
                return calendar
            return WorkCalendar(calendar.overrides, periods, tz)  # settings changed (tests): not shared
    calendar = WorkCalendar(load_overrides(), periods, tz)
    with _lock:
        if generation == _generation:
            _shared = (calendar, _clock(), generation)
    return calendar


# --- module functions, on the current calendar ----------------------------------------------------


def is_workday(day: date) -> bool:
    """Whether `day` (a local date) is a workday. Never raises for a year chinese-calendar lacks."""
    return current_calendar().is_workday(day)


def day_length_seconds() -> float:
    """Working seconds in one workday (27 000 with the default hours)."""
    return current_calendar().day_length_seconds()


def working_seconds_between(start: datetime, end: datetime) -> float:
    """Working time from `start` to `end` in seconds; 0 when end <= start."""
    return current_calendar().working_seconds_between(start, end)


def add_working_seconds(start: datetime, seconds: float) -> datetime:
    """The earliest instant at which `seconds` of working time have passed since `start`."""
    return current_calendar().add_working_seconds(start, seconds)


def add_working_hours(start: datetime, hours: float) -> datetime:
    """add_working_seconds with hours (limits to sign, 签收时限)."""
    return current_calendar().add_working_hours(start, hours)


def add_working_days(start: datetime, days: float) -> datetime:
    """add_working_seconds with days × day_length_seconds() (limits to resolve, 办结时限)."""
    return current_calendar().add_working_days(start, days)


def next_working_moment(moment: datetime) -> datetime:
    """`moment` if inside working time, else the start of the next working period."""
    return current_calendar().next_working_moment(moment)
