"""GRIDGOV_WORKING_HOURS: the default, another schedule, and mistakes caught early."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from gridgov.worktime.calendar import add_working_days, add_working_hours, day_length_seconds, working_seconds_between
from tests.worktime.util import at

pytestmark = pytest.mark.django_db


def test_the_default_when_the_setting_is_absent(settings):
    del settings.GRIDGOV_WORKING_HOURS
    assert day_length_seconds() == 3.5 * 3600 + 4 * 3600
    assert add_working_hours(at(2026, 11, 24, 11), 2) == at(2026, 11, 24, 14, 30)


def test_another_schedule(settings):
    settings.GRIDGOV_WORKING_HOURS = [("09:00", "12:00"), ("14:00", "18:00")]
    assert day_length_seconds() == 7 * 3600
    assert add_working_hours(at(2026, 11, 24, 11), 2) == at(2026, 11, 24, 15)  # 11–12, 14–15
    assert add_working_hours(at(2026, 11, 24, 17), 2) == at(2026, 11, 25, 10)  # 17–18, 09–10
    assert add_working_days(at(2026, 11, 23, 10), 1) == at(2026, 11, 24, 10)
    assert working_seconds_between(at(2026, 11, 24, 8), at(2026, 11, 24, 13, 30)) == 3 * 3600


def test_a_single_period_with_seconds(settings):
    settings.GRIDGOV_WORKING_HOURS = [("09:00:30", "17:00:30")]
    assert day_length_seconds() == 8 * 3600
    # 17:00–17:00:30 Tuesday, then 59 min 30 s from 09:00:30 Wednesday.
    assert add_working_hours(at(2026, 11, 24, 17), 1) == at(2026, 11, 25, 10)


@pytest.mark.parametrize(
    "hours",
    [
        [],
        [("12:00", "08:30")],  # ends before it starts
        [("08:30", "12:00"), ("11:00", "17:30")],  # overlap
        [("13:30", "17:30"), ("08:30", "12:00")],  # out of order
        [("8h30", "12:00")],
        [("08:30",)],
        ["08:30-12:00"],
    ],
)
def test_mistakes_are_reported_as_configuration_errors(settings, hours):
    settings.GRIDGOV_WORKING_HOURS = hours
    with pytest.raises(ImproperlyConfigured):
        day_length_seconds()
