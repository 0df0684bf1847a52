"""Which days are workdays: chinese-calendar's 2026, the Monday–Friday fallback, overrides on top."""

from datetime import date, datetime, timedelta

import chinese_calendar
import pytest

from gridgov.worktime.calendar import WorkCalendar, is_workday, statutory_workday
from gridgov.worktime.services import set_override
from tests.worktime.util import SHANGHAI, d

pytestmark = pytest.mark.django_db

# Read off the State Council notice for 2026 (and checked against chinese-calendar 1.11.0 by hand).
SPRING_FESTIVAL_OFF = [d("2026-02-15") + timedelta(days=i) for i in range(9)]  # Feb 15–23
NATIONAL_DAY_OFF = [d("2026-10-01") + timedelta(days=i) for i in range(7)]  # Oct 1–7
MID_AUTUMN_OFF = [d("2026-09-25"), d("2026-09-26"), d("2026-09-27")]
MAKE_UP_WORKDAYS = [d("2026-02-14"), d("2026-02-28"), d("2026-09-20"), d("2026-10-10")]  # 调休 Sat/Sun
PLAIN_WEEKENDS_NEARBY = [d("2026-03-01"), d("2026-09-19"), d("2026-10-11")]


def test_library_data_is_what_the_tests_assume():
    """If a chinese-calendar upgrade changes 2026, the expectations below must be revisited."""
    for day in SPRING_FESTIVAL_OFF + NATIONAL_DAY_OFF + MID_AUTUMN_OFF + PLAIN_WEEKENDS_NEARBY:
        assert chinese_calendar.is_workday(day) is False, day
    for day in MAKE_UP_WORKDAYS:
        assert day.weekday() >= 5 and chinese_calendar.is_workday(day) is True, day
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(date(2027, 1, 4))


def test_2026_holidays_and_make_up_workdays():
    for day in SPRING_FESTIVAL_OFF + NATIONAL_DAY_OFF + MID_AUTUMN_OFF + PLAIN_WEEKENDS_NEARBY:
        assert is_workday(day) is False, day
    for day in MAKE_UP_WORKDAYS:
        assert is_workday(day) is True, day
    assert is_workday(d("2026-02-24")) is True  # Tuesday after the festival
    assert is_workday(d("2026-10-08")) is True


@pytest.mark.parametrize(
    "day, expected",
    [
        ("2027-01-01", True),  # Friday: no data for 2027, so a plain weekday
        ("2027-01-02", False),  # Saturday
        ("2027-01-03", False),  # Sunday
        ("2027-02-10", True),  # a Wednesday in what will be the 2027 Spring Festival
        ("2027-10-01", True),  # Friday
        ("2003-10-01", True),  # before the library's data (2004): fallback too, no error
        ("2100-01-02", False),  # Saturday
    ],
)
def test_years_without_data_fall_back_to_monday_to_friday(day, expected):
    assert is_workday(d(day)) is expected
    assert statutory_workday(d(day)) is expected


def test_overrides_win_over_the_library_and_the_fallback():
    set_override(day=d("2026-10-08"), is_workday=False, note="本地补休")
    set_override(day=d("2026-10-11"), is_workday=True, note="本地调休上班")
    set_override(day=d("2027-01-01"), is_workday=False, note="元旦")
    set_override(day=d("2027-02-20"), is_workday=True, note="春节调休")
    assert is_workday(d("2026-10-08")) is False
    assert is_workday(d("2026-10-11")) is True
    assert is_workday(d("2027-01-01")) is False
    assert is_workday(d("2027-02-20")) is True
    assert is_workday(d("2027-02-21")) is False  # untouched neighbours keep the fallback
    assert is_workday(d("2026-10-09")) is True


def test_a_pure_calendar_takes_its_overrides_as_given():
    calendar = WorkCalendar({d("2026-10-09"): False})
    assert calendar.is_workday(d("2026-10-09")) is False
    assert calendar.is_workday(d("2026-10-10")) is True


def test_a_datetime_is_refused_because_its_date_depends_on_the_zone():
    with pytest.raises(TypeError):
        is_workday(datetime(2026, 10, 8, 1, tzinfo=SHANGHAI))
