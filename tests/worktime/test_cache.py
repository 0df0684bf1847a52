"""The shared snapshot of overrides: used outside transactions, refreshed on commit, aged out, and
never fed with rows a transaction may still roll back. These tests commit, so they flush the tables."""

from datetime import date

import pytest
from django.db import transaction

from gridgov.worktime import calendar
from gridgov.worktime.calendar import is_workday
from gridgov.worktime.models import WorkdayOverride
from gridgov.worktime.services import delete_override, set_override

pytestmark = pytest.mark.django_db(transaction=True)

SATURDAY = date(2027, 3, 6)


def test_the_snapshot_is_shared_and_refreshed_when_a_change_commits(django_assert_num_queries):
    assert is_workday(SATURDAY) is False
    with django_assert_num_queries(0):
        assert is_workday(SATURDAY) is False
        assert is_workday(date(2027, 3, 8)) is True

    set_override(day=SATURDAY, is_workday=True, note="调休")
    assert is_workday(SATURDAY) is True
    with django_assert_num_queries(0):
        assert is_workday(SATURDAY) is True

    delete_override(day=SATURDAY)
    assert is_workday(SATURDAY) is False


def test_changes_made_elsewhere_show_once_the_snapshot_ages(monkeypatch):
    now = [1000.0]
    monkeypatch.setattr(calendar, "_clock", lambda: now[0])
    assert is_workday(SATURDAY) is False
    # Another process (or a raw query) writes: this process does not know yet…
    WorkdayOverride.objects.create(date=SATURDAY, is_workday=True, note="elsewhere")
    now[0] += calendar.OVERRIDES_TTL_SECONDS - 1
    assert is_workday(SATURDAY) is False
    # … and does once the snapshot is older than the TTL.
    now[0] += 2
    assert is_workday(SATURDAY) is True


def test_uncommitted_overrides_are_seen_inside_their_transaction_but_never_shared():
    assert is_workday(SATURDAY) is False  # the shared snapshot exists before the transaction
    with transaction.atomic():
        set_override(day=SATURDAY, is_workday=True, note="调休")
        assert is_workday(SATURDAY) is True
        transaction.set_rollback(True)
    assert is_workday(SATURDAY) is False
    assert not WorkdayOverride.objects.exists()


def test_pinned_overrides_stand_in_for_the_table_until_unpinned(django_assert_num_queries):
    """What a process that must not touch the database uses (the dashboard bench's forked generators)."""
    WorkdayOverride.objects.create(date=SATURDAY, is_workday=True, note="in the table")
    calendar.pin_overrides({SATURDAY: False, date(2027, 3, 8): False})
    try:
        with django_assert_num_queries(0):
            assert is_workday(SATURDAY) is False
            assert is_workday(date(2027, 3, 8)) is False
    finally:
        calendar.pin_overrides(None)
    assert is_workday(SATURDAY) is True
