"""Deadlines across the 2026 holidays (chinese-calendar), into 2027 (fallback) and with overrides.

Days off and 调休 make-up workdays as test_days.py lists them; every count below is by hand.
"""

from datetime import date, timedelta

import chinese_calendar
import pytest

from gridgov.worktime.calendar import add_working_days, add_working_hours, is_workday, working_seconds_between
from gridgov.worktime.services import set_override
from tests.worktime.util import DAY, HOUR, at

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "start, days, expected",
    [
        (at(2026, 9, 18, 10), 1, at(2026, 9, 20, 10)),  # Fri → Sun 20th, a make-up workday (Sat 19th off)
        (at(2026, 9, 24, 10), 1, at(2026, 9, 28, 10)),  # Thu → Mon: Mid-Autumn Fri 25–Sun 27
        (at(2026, 9, 30, 10), 1, at(2026, 10, 8, 10)),  # Wed → Thu after the seven days off
        (at(2026, 9, 30, 10), 2, at(2026, 10, 9, 10)),
        (at(2026, 9, 30, 10), 3, at(2026, 10, 10, 10)),  # Sat 10th is a make-up workday
        (at(2026, 9, 30, 10), 4, at(2026, 10, 12, 10)),  # Sun 11th is not
        (at(2026, 9, 30, 17, 30), 1, at(2026, 10, 8, 17, 30)),
        (at(2026, 10, 3, 9), 1, at(2026, 10, 8, 17, 30)),  # reported during the holiday
        # Each day ends at 10:00 of the next workday: 20, 21, 22, 23, 24, 28, 29, 30, Oct 8, 9, 10.
        (at(2026, 9, 18, 10), 10, at(2026, 10, 9, 10)),
        (at(2026, 9, 18, 10), 11, at(2026, 10, 10, 10)),
    ],
)
def test_working_days_across_national_day_2026(start, days, expected):
    assert add_working_days(start, days) == expected


@pytest.mark.parametrize(
    "start, days, expected",
    [
        (at(2026, 2, 13, 10), 1, at(2026, 2, 14, 10)),  # Fri → Sat 14th, a make-up workday
        (at(2026, 2, 14, 10), 1, at(2026, 2, 24, 10)),  # Sat → Tue after Feb 15–23 off
        (at(2026, 2, 13, 10), 2, at(2026, 2, 24, 10)),
        (at(2026, 2, 27, 10), 1, at(2026, 2, 28, 10)),  # Fri → Sat 28th, a make-up workday
        (at(2026, 2, 27, 10), 2, at(2026, 3, 2, 10)),  # Sun Mar 1 is off
    ],
)
def test_working_days_across_spring_festival_2026(start, days, expected):
    assert add_working_days(start, days) == expected


def test_make_up_workdays_count_as_working_time():
    assert working_seconds_between(at(2026, 2, 28), at(2026, 3, 1)) == DAY  # a Saturday
    assert working_seconds_between(at(2026, 2, 21), at(2026, 2, 22)) == 0.0  # a Saturday off
    assert working_seconds_between(at(2026, 9, 20), at(2026, 9, 21)) == DAY  # a Sunday
    # Sat 14th afternoon (4 h), nine days off, Tue 24th 08:30–09:00.
    assert working_seconds_between(at(2026, 2, 14, 12), at(2026, 2, 24, 9)) == 4.5 * HOUR
    # Wed 30th 17:00–17:30, Oct 1–7 off, Thu 8th 08:30–09:00.
    assert working_seconds_between(at(2026, 9, 30, 17), at(2026, 10, 8, 9)) == 1 * HOUR


def test_weeks_around_national_day_2026():
    # Workdays Sep 18 – Oct 12: 18, 20, 21, 22, 23, 24, 28, 29, 30, Oct 8, 9, 10, 12 = 13 days.
    assert working_seconds_between(at(2026, 9, 18), at(2026, 10, 13)) == 13 * DAY


def test_whole_years_in_one_call():
    # 2026 from the library's own day list (an oracle independent of the interval arithmetic);
    # 2027 by hand: it starts on a Friday, so 52 weeks × 5 + that Friday = 261 weekdays.
    days_2026 = sum(chinese_calendar.is_workday(date(2026, 1, 1) + timedelta(days=i)) for i in range(365))
    assert working_seconds_between(at(2026, 1, 1), at(2027, 1, 1)) == days_2026 * DAY
    assert working_seconds_between(at(2027, 1, 1), at(2028, 1, 1)) == 261 * DAY
    assert add_working_days(at(2027, 1, 1, 8, 30), 261) == at(2027, 12, 31, 17, 30)


def test_into_2027_without_overrides_is_monday_to_friday():
    assert add_working_days(at(2026, 12, 31, 10), 1) == at(2027, 1, 1, 10)  # Fri Jan 1 2027: no data
    assert add_working_days(at(2027, 2, 5, 10), 1) == at(2027, 2, 8, 10)
    assert add_working_days(at(2027, 2, 19, 10), 1) == at(2027, 2, 22, 10)
    assert working_seconds_between(at(2027, 2, 1), at(2027, 3, 1)) == 20 * DAY  # Feb 2027: 4 whole weeks


@pytest.fixture
def overrides_2027(db):
    """What an administrator might enter before the State Council publishes 2027 (illustrative)."""
    set_override(day=date(2027, 1, 1), is_workday=False, note="元旦")
    for offset in range(5):  # Mon Feb 8 – Fri Feb 12
        set_override(day=date(2027, 2, 8) + timedelta(days=offset), is_workday=False, note="春节")
    set_override(day=date(2027, 2, 20), is_workday=True, note="春节调休上班")  # a Saturday


def test_into_2027_with_overrides(overrides_2027):
    assert add_working_days(at(2026, 12, 31, 10), 1) == at(2027, 1, 4, 10)  # Jan 1 off → Monday
    assert add_working_days(at(2027, 2, 5, 10), 1) == at(2027, 2, 15, 10)  # Feb 8–12 off
    assert add_working_days(at(2027, 2, 19, 10), 1) == at(2027, 2, 20, 10)  # Saturday worked
    assert add_working_days(at(2027, 2, 20, 10), 1) == at(2027, 2, 22, 10)
    assert working_seconds_between(at(2027, 2, 1), at(2027, 3, 1)) == (20 - 5 + 1) * DAY
    assert add_working_hours(at(2027, 2, 5, 17), 1) == at(2027, 2, 15, 9)


def test_overrides_in_a_year_the_library_knows(db):
    set_override(day=date(2026, 10, 8), is_workday=False, note="本地补休")
    assert add_working_days(at(2026, 9, 30, 10), 1) == at(2026, 10, 9, 10)
    set_override(day=date(2026, 10, 3), is_workday=True, note="值班")
    assert add_working_days(at(2026, 9, 30, 10), 1) == at(2026, 10, 3, 10)
    assert is_workday(date(2026, 10, 3)) is True
