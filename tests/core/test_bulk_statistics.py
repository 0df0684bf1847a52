"""core.bulk.Statistics: ANALYZE inside a long bulk write, when the tables have doubled."""

import pytest
from django.db import connection

from gridgov.cases.models import CaseCounter
from gridgov.core.bulk import Statistics

pytestmark = pytest.mark.django_db


def _counters(start: int, count: int) -> int:
    CaseCounter.objects.bulk_create([CaseCounter(day=f"{start + i:08d}", last=i) for i in range(count)])
    return count


def _counted() -> float:
    with connection.cursor() as cursor:
        cursor.execute("SELECT reltuples FROM pg_class WHERE oid = 'cases_casecounter'::regclass")
        return cursor.fetchone()[0]


def test_it_analyzes_when_the_table_has_doubled_and_counts_the_writers_own_rows():
    if connection.vendor != "postgresql":
        pytest.skip("the planner statistics are PostgreSQL's")
    known = CaseCounter.objects.count()
    stats = Statistics({CaseCounter: ("day",)}, first=known + 50)
    stats.wrote(_counters(10_000_000, 30))
    assert stats.runs == 0  # below `first`: a small write never pays for an ANALYZE
    stats.wrote(_counters(20_000_000, 40))
    assert stats.runs == 1
    # the rows of this (uncommitted) transaction are what the planner now counts
    assert _counted() >= known + 70
    stats.wrote(_counters(30_000_000, 10))
    assert stats.runs == 1  # not doubled yet
    grown = (known + 70) * 2 - (known + 80)  # the table twice what it held at the last run
    stats.wrote(_counters(40_000_000, grown))
    assert stats.runs == 2
    assert _counted() >= known + 80 + grown
    # a new writer starts from what was counted: it waits for the table to double again
    later = Statistics({CaseCounter: ("day",)}, first=1)
    later.wrote(_counters(50_000_000, 5))
    assert later.runs == 0


def test_sqlite_needs_no_statistics():
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")
    stats = Statistics({CaseCounter: ("day",)}, first=1)
    stats.wrote(_counters(10_000_000, 20))
    assert stats.runs == 0
