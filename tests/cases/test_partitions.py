"""Monthly partitions of the case events and readings on PostgreSQL (migration cases 0009, core/partitions.py,
the periodic task gridgov.cases.create_partitions); SQLite keeps its plain tables."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, connection, transaction

from gridgov.cases import tasks
from gridgov.cases.models import CaseEvent
from gridgov.cases.partitioned import TABLES
from gridgov.core.partitions import add_months, partition_name, partitions
from gridgov.core.tasks import periodic_tasks
from gridgov.people.actors import Actor

SHANGHAI = ZoneInfo("Asia/Shanghai")
# a fixed day, far from the suite's own clock: the months the task makes are derived from it
DAY = datetime(2031, 5, 14, 10, 0, tzinfo=SHANGHAI)


def postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("partitions exist on PostgreSQL only")


def table_of(event_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tableoid::regclass::text FROM cases_caseevent WHERE id = %s", [event_id])
        return cursor.fetchone()[0]


@pytest.fixture
def case(spot):
    from gridgov.cases.services import report_case

    return report_case(actor=Actor.anonymous(), title="路灯不亮", lon=spot["lon"], lat=spot["lat"]).case


def extra_event(case, *, seq: int, at: datetime) -> CaseEvent:
    return CaseEvent.objects.create(case=case, seq=seq, action="note", to_status=case.status, at=at, hash="x" * 64)


@pytest.mark.django_db
def test_the_task_makes_the_coming_months_partitions_and_a_default_one():
    postgres_only()
    assert "gridgov.cases.create_partitions" in periodic_tasks()  # beat, or `gridgov worker`'s loop
    with time_machine.travel(DAY, tick=False):
        tasks.create_partitions()
        tasks.create_partitions()  # again: nothing more, no error
    for spec in TABLES:
        with connection.cursor() as cursor:
            names = set(partitions(cursor, spec.table))
        expected = {partition_name(spec.table, add_months(date(2031, 5, 1), n)) for n in range(4)}
        assert expected <= names, (spec.table, sorted(names))
        assert f"{spec.table}_default" in names
        assert partition_name(spec.table, date(2031, 9, 1)) not in names


@pytest.mark.django_db
def test_an_event_at_a_far_date_lands_in_the_default_partition_and_moves_when_its_month_is_made(case):
    postgres_only()
    first = CaseEvent.objects.get(case=case, seq=1)
    far = extra_event(case, seq=2, at=datetime(2093, 3, 9, 12, 0, tzinfo=SHANGHAI))
    assert table_of(far.pk) == "cases_caseevent_default"
    assert table_of(first.pk) != "cases_caseevent_default"  # the suite's month was made by the migration
    with time_machine.travel(datetime(2093, 2, 20, 9, 0, tzinfo=SHANGHAI), tick=False):
        tasks.create_partitions()
    assert table_of(far.pk) == "cases_caseevent_p209303"
    assert CaseEvent.objects.filter(case=case).count() == 2  # moved, not copied or lost


@pytest.mark.django_db
def test_a_month_bounded_query_reads_only_that_months_partition():
    postgres_only()
    with time_machine.travel(DAY, tick=False):
        tasks.create_partitions()
    start, end = datetime(2031, 6, 1, tzinfo=SHANGHAI), datetime(2031, 7, 1, tzinfo=SHANGHAI)
    plan = CaseEvent.objects.filter(at__gte=start, at__lt=end, action="close").explain()
    assert "cases_caseevent_p203106" in plan
    for other in ("p203105", "p203107", "p203108", "default"):
        assert f"cases_caseevent_{other}" not in plan, plan
    unbounded = CaseEvent.objects.filter(action="close").explain()
    assert "cases_caseevent_p203105" in unbounded and "cases_caseevent_default" in unbounded


@pytest.mark.django_db
def test_one_event_per_case_and_sequence_number_still_holds(case):
    postgres_only()
    with pytest.raises(IntegrityError, match="one_event_per_seq"), transaction.atomic():
        # in another month than the first event: no index of one partition could have caught it
        extra_event(case, seq=1, at=datetime(2093, 3, 9, tzinfo=SHANGHAI))
    extra_event(case, seq=2, at=datetime(2093, 3, 9, tzinfo=SHANGHAI))


INSERT_FINDING = (
    "INSERT INTO oversight_finding (kind, description, opened, day, case_id, event_id, grid_id, inspection_id)"
    " VALUES ('problem', '', false, '2031-05-14', %s, %s, %s, -1) RETURNING id"
)  # inspection -1: that key is checked only at commit, which a test never reaches


@pytest.mark.django_db
def test_a_finding_must_name_an_existing_event_and_keeps_it(case):
    """oversight.Finding.event: the foreign key to a partitioned table, kept by two triggers under the old
    constraint's name (deferred like Django's keys; made immediate here)."""
    postgres_only()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgname FROM pg_trigger WHERE tgrelid = 'oversight_finding'::regclass AND tgname LIKE %s",
            ["%fk_cases_caseevent%"],
        )
        (trigger,) = cursor.fetchone()
    event = CaseEvent.objects.get(case=case, seq=1)
    with pytest.raises(IntegrityError, match=trigger), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET CONSTRAINTS "{trigger}" IMMEDIATE')
        cursor.execute(INSERT_FINDING, [case.pk, event.pk + 10**9, case.grid_id])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f'SET CONSTRAINTS "{trigger}" IMMEDIATE')
        cursor.execute(INSERT_FINDING, [case.pk, event.pk, case.grid_id])  # an existing event: accepted
        with pytest.raises(IntegrityError, match=trigger), transaction.atomic():
            cursor.execute(f'SET CONSTRAINTS "{trigger}_ref" IMMEDIATE')
            cursor.execute("DELETE FROM cases_caseevent WHERE id = %s", [event.pk])  # PROTECT
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_sqlite_keeps_plain_tables():
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite run's check")
    tasks.create_partitions()  # nothing to do, and no error
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'cases_case*'")
        assert {"cases_caseevent", "cases_caseread"} <= {name for (name,) in cursor.fetchall()}
        cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name GLOB 'cases_case*_[pd]*'")
        assert cursor.fetchone()[0] == 0
