"""core/timefmt: how moments are shown and read back in the local zone (Asia/Shanghai)."""

from datetime import UTC, datetime, timedelta

import pytest

from gridgov.core.timefmt import local_minute, local_second, parse_local


def test_moments_are_shown_in_the_local_zone():
    moment = datetime(2026, 12, 6, 23, 30, 5, tzinfo=UTC)  # 07:30:05 the next morning in Zhengzhou
    assert local_minute(moment) == "2026-12-07 07:30"
    assert local_second(moment) == "2026-12-07 07:30:05"
    assert local_minute(None) == local_second(None) == ""


@pytest.mark.parametrize("raw", ["2026-12-07 09:30", "2026-12-07T09:30", " 2026-12-07T09:30:00 "])
def test_a_typed_moment_without_offset_is_local(raw):
    value = parse_local(raw)
    assert value is not None
    assert value.utcoffset() == timedelta(hours=8)
    assert value.astimezone(UTC) == datetime(2026, 12, 7, 1, 30, tzinfo=UTC)


def test_a_typed_offset_is_kept():
    value = parse_local("2026-12-07T09:30+00:00")
    assert value == datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["", None, "tomorrow", "2026-02-30 09:00"])
def test_what_is_not_a_moment_is_none(raw):
    assert parse_local(raw) is None


def test_a_day_alone_is_its_local_midnight():
    assert parse_local("2026-12-07") == datetime(2026, 12, 6, 16, 0, tzinfo=UTC)
