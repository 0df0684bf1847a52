"""Working-time arithmetic with the default hours 08:30–12:00 and 13:30–17:30 (7.5 h a day).

The weeks of Monday 2026-11-23 and 2026-11-30 have no holiday; every expectation is counted by hand.
"""

from datetime import UTC, datetime, timedelta

import pytest

from gridgov.worktime.calendar import (
    add_working_days,
    add_working_hours,
    add_working_seconds,
    day_length_seconds,
    next_working_moment,
    working_seconds_between,
)
from tests.worktime.util import DAY, HOUR, SHANGHAI, at

pytestmark = pytest.mark.django_db

MON, TUE, WED, FRI, SAT = (2026, 11, 23), (2026, 11, 24), (2026, 11, 25), (2026, 11, 27), (2026, 11, 28)
NEXT_MON, NEXT_TUE = (2026, 11, 30), (2026, 12, 1)


def test_day_length():
    assert day_length_seconds() == 27000 == DAY


@pytest.mark.parametrize(
    "start, hours, expected",
    [
        (at(*TUE, 11), 2, at(*TUE, 14, 30)),  # 11:00–12:00, lunch, 13:30–14:30
        (at(*TUE, 12, 30), 1, at(*TUE, 14, 30)),  # starts in lunch: the clock starts at 13:30
        (at(*TUE, 17), 1, at(*WED, 9)),  # 17:00–17:30, evening, 08:30–09:00
        (at(*TUE, 20), 1, at(*WED, 9, 30)),  # starts in the evening
        (at(*TUE, 6), 1, at(*TUE, 9, 30)),  # starts before work
        (at(*FRI, 17), 1, at(*NEXT_MON, 9)),  # over the weekend
        (at(*SAT, 10), 1, at(*NEXT_MON, 9, 30)),  # starts on a weekend
        (at(*TUE, 8, 30), 8, at(*WED, 9)),  # 7.5 h on Tuesday, 0.5 h on Wednesday
        (at(*TUE, 9), 0.25, at(*TUE, 9, 15)),
    ],
)
def test_hours_across_lunch_and_evenings(start, hours, expected):
    assert add_working_hours(start, hours) == expected


@pytest.mark.parametrize(
    "start, hours, expected",
    [
        (at(*TUE, 11), 1, at(*TUE, 12)),  # the end of the morning, not 13:30
        (at(*TUE, 16, 30), 1, at(*TUE, 17, 30)),  # 17:30, not the next morning
        (at(*TUE, 8, 30), 7.5, at(*TUE, 17, 30)),
        (at(*TUE, 20), 7.5, at(*WED, 17, 30)),  # from the evening, one day's worth: Wednesday's 17:30
        (at(*FRI, 10), 6, at(*FRI, 17, 30)),  # 10–12 (2 h) + 13:30–17:30 (4 h)
        (at(*FRI, 10), 13.5, at(*NEXT_MON, 17, 30)),  # 6 h Friday + 7.5 h Monday
    ],
)
def test_a_deadline_that_uses_a_period_up_is_that_periods_end(start, hours, expected):
    assert add_working_hours(start, hours) == expected


@pytest.mark.parametrize(
    "start, days, expected",
    [
        (at(*MON, 10), 1, at(*TUE, 10)),  # 6 h Monday + 1.5 h Tuesday from 08:30
        (at(*FRI, 10), 1, at(*NEXT_MON, 10)),
        (at(*MON, 10), 5, at(*NEXT_MON, 10)),
        (at(*MON, 10), 6, at(*NEXT_TUE, 10)),
        (at(*MON, 12, 45), 1, at(*TUE, 12)),  # the clock starts at 13:30; the morning ends at 12:00
        (at(*FRI, 20), 1, at(*NEXT_MON, 17, 30)),
        (at(*SAT, 9), 2, at(*NEXT_TUE, 17, 30)),
        (at(*MON, 8, 30), 0.5, at(*MON, 13, 45)),  # 3.75 h: 3.5 h morning + 15 min
    ],
)
def test_working_days(start, days, expected):
    assert add_working_days(start, days) == expected


@pytest.mark.parametrize(
    "start, end, expected",
    [
        (at(*TUE, 11), at(*TUE, 14), 1.5 * HOUR),  # 11–12 and 13:30–14
        (at(*TUE, 12, 10), at(*TUE, 13, 20), 0.0),  # all lunch
        (at(*TUE, 17), at(*WED, 9), 1 * HOUR),  # 17–17:30 and 08:30–09
        (at(*TUE, 18), at(*WED, 8), 0.0),  # the night
        (at(*FRI, 17), at(*NEXT_MON, 9), 1 * HOUR),
        (at(*SAT, 0), at(*NEXT_MON, 0), 0.0),
        (at(*MON, 0), at(*SAT, 0), 5 * DAY),
        (at(*MON, 9), at(*NEXT_MON, 9), 5 * DAY),  # a week is five days whatever the start
        (at(*TUE, 14), at(*TUE, 11), 0.0),  # end before start
        (at(*TUE, 14), at(*TUE, 14), 0.0),
        (at(*TUE, 10) + timedelta(microseconds=1), at(*TUE, 10, 0) + timedelta(microseconds=250_001), 0.25),
    ],
)
def test_working_seconds_between(start, end, expected):
    assert working_seconds_between(start, end) == expected


def test_adding_nothing_returns_the_start_unchanged():
    """So that adding in two steps equals adding once (see the calendar's docstring)."""
    for moment in (at(*TUE, 10), at(*TUE, 12), at(*TUE, 13), at(*TUE, 17, 30), at(*TUE, 22), at(*SAT, 10)):
        assert add_working_seconds(moment, 0) == moment
        assert add_working_days(moment, 0) == moment


@pytest.mark.parametrize(
    "moment, expected",
    [
        (at(*TUE, 10), at(*TUE, 10)),
        (at(*TUE, 8, 30), at(*TUE, 8, 30)),
        (at(*TUE, 12), at(*TUE, 13, 30)),  # the morning has ended: the afternoon starts the clock
        (at(*TUE, 13), at(*TUE, 13, 30)),
        (at(*TUE, 17, 30), at(*WED, 8, 30)),
        (at(*FRI, 19), at(*NEXT_MON, 8, 30)),
        (at(*SAT, 10), at(*NEXT_MON, 8, 30)),
    ],
)
def test_next_working_moment(moment, expected):
    assert next_working_moment(moment) == expected


def test_any_zone_in_local_time_out():
    start = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)  # 11:00 in Shanghai
    result = add_working_hours(start, 2)
    assert result == at(*TUE, 14, 30)
    assert result.tzinfo == SHANGHAI and result.utcoffset() == timedelta(hours=8)
    assert working_seconds_between(start, at(*TUE, 12)) == 1 * HOUR


def test_naive_datetimes_and_bad_amounts_are_refused():
    naive = datetime(2026, 11, 24, 10)
    with pytest.raises(ValueError):
        add_working_hours(naive, 1)
    with pytest.raises(ValueError):
        working_seconds_between(naive, at(*TUE, 12))
    with pytest.raises(ValueError):
        add_working_seconds(at(*TUE, 10), -1)
    with pytest.raises(ValueError):
        add_working_seconds(at(*TUE, 10), float("nan"))


def test_results_are_microsecond_exact():
    assert add_working_seconds(at(*TUE, 11, 59), 60.000001) == at(*TUE, 13, 30) + timedelta(microseconds=1)
