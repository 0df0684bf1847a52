"""Properties over random instants in 2026–2027 and random durations, with and without overrides."""

from datetime import date, datetime, time, timedelta

import chinese_calendar
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridgov.worktime.calendar import add_working_seconds, working_seconds_between
from gridgov.worktime.services import set_override
from tests.worktime.util import DAY, SHANGHAI

pytestmark = pytest.mark.django_db

FIRST, LAST = datetime(2026, 1, 1, tzinfo=SHANGHAI), datetime(2028, 1, 1, tzinfo=SHANGHAI)
SPAN_US = int((LAST - FIRST) / timedelta(microseconds=1))
OVERRIDES = {  # a bit of everything: in the library's year and in the fallback's, days off and days on
    date(2026, 10, 8): False,
    date(2026, 10, 11): True,
    date(2026, 12, 31): False,
    date(2027, 1, 1): False,
    date(2027, 2, 8): False,
    date(2027, 2, 9): False,
    date(2027, 2, 20): True,
}
PROPERTY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

instants = st.integers(0, SPAN_US).map(lambda us: FIRST + timedelta(microseconds=us))
# Whole microseconds, as the arithmetic keeps them: up to a minute, a day, or 60 working days.
durations = st.one_of(
    st.integers(0, 60_000_000),
    st.integers(0, int(DAY * 1e6)),
    st.integers(0, int(60 * DAY * 1e6)),
).map(lambda us: us / 1e6)


@pytest.fixture(params=[False, True], ids=["statutory", "overrides"])
def with_overrides(request, db) -> bool:
    if request.param:
        for day, workday in OVERRIDES.items():
            set_override(day=day, is_workday=workday, note="test")
    return request.param


@PROPERTY
@given(start=instants, seconds=durations)
def test_adding_then_measuring_gives_the_duration_back(with_overrides, start, seconds):
    end = add_working_seconds(start, seconds)
    assert end >= start
    assert working_seconds_between(start, end) == seconds
    if seconds > 0:  # and it is the earliest such instant
        assert working_seconds_between(start, end - timedelta(microseconds=1)) < seconds


@PROPERTY
@given(start=instants, first=durations, second=durations)
def test_adding_in_two_steps_equals_adding_once(with_overrides, start, first, second):
    assert add_working_seconds(add_working_seconds(start, first), second) == add_working_seconds(start, first + second)


@PROPERTY
@given(moments=st.lists(instants, min_size=3, max_size=3).map(sorted))
def test_measuring_is_additive(with_overrides, moments):
    a, b, c = moments
    assert working_seconds_between(a, c) == pytest.approx(
        working_seconds_between(a, b) + working_seconds_between(b, c), abs=1e-6
    )


def _oracle_workday(day: date, overrides: dict[date, bool]) -> bool:
    if day in overrides:
        return overrides[day]
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return day.weekday() < 5


def _oracle_minutes(start: datetime, end: datetime, overrides: dict[date, bool]) -> int:
    """Working minutes counted one by one: slow, obvious, independent of the implementation."""
    periods = [(time(8, 30), time(12)), (time(13, 30), time(17, 30))]
    count, minute = 0, start
    while minute < end:
        local = minute.astimezone(SHANGHAI)
        if _oracle_workday(local.date(), overrides) and any(a <= local.time() < b for a, b in periods):
            count += 1
        minute += timedelta(minutes=1)
    return count


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start_minute=st.integers(0, SPAN_US // 60_000_000), length=st.integers(0, 4 * 24 * 60))
def test_measuring_agrees_with_counting_minutes(with_overrides, start_minute, length):
    start = FIRST + timedelta(minutes=start_minute)
    end = start + timedelta(minutes=length)
    expected = _oracle_minutes(start, end, OVERRIDES if with_overrides else {})
    assert working_seconds_between(start, end) == expected * 60
