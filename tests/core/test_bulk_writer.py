"""core.bulk.Writer: each batch's COPY runs while the caller builds the next, in the caller's transaction."""

import pytest
from django.db import IntegrityError, connection, transaction

from gridgov.cases.models import CaseCounter
from gridgov.core.bulk import Rows, Writer, checked_as_written
from gridgov.exchange.models import WorkOrder

pytestmark = pytest.mark.django_db


def _batch(days: range) -> Rows:
    rows = Rows(CaseCounter, varying=("day", "last"))
    for day in days:
        rows.add({"day": f"{day:08d}", "last": day % 1000})
    return rows


def _count(days: range) -> int:
    return CaseCounter.objects.filter(day__gte=f"{days.start:08d}", day__lt=f"{days.stop:08d}").count()


def test_batches_are_written_by_the_end_in_the_callers_transaction(django_db_blocker):
    first, second = range(90_000_000, 90_003_000), range(90_003_000, 90_006_000)
    with Writer() as writer:
        writer.write(_batch(first))
        writer.release()  # goes off now (PostgreSQL) ...
        assert CaseCounter.objects.filter(day="90000001").exists()  # ... and a statement after it sees it
        writer.write(_batch(second))  # kept until the end
    assert _count(first) == _count(second) == 3_000
    assert CaseCounter.objects.get(day="90005999").last == 999


def test_a_copy_error_is_raised_to_the_caller_and_nothing_stays():
    days = range(91_000_000, 91_000_500)
    with pytest.raises(IntegrityError), transaction.atomic(), Writer() as writer:
        writer.write(_batch(days))
        writer.release()
        writer.write(_batch(days))  # the same keys again
    assert _count(days) == 0


def test_an_error_of_the_caller_drops_what_is_kept():
    sent, kept = range(92_000_000, 92_000_100), range(92_000_100, 92_000_200)
    with pytest.raises(RuntimeError, match="the caller's"), transaction.atomic(), Writer() as writer:
        writer.write(_batch(sent))
        writer.release()
        writer.write(_batch(kept))
        raise RuntimeError("the caller's")
    assert _count(sent) == _count(kept) == 0  # rolled back with the caller's transaction


def _dangling_order() -> None:
    WorkOrder.objects.create(system="test", number="dangling", case_id=2_000_000_000, source="import", data={})


def test_foreign_keys_checked_as_written_then_deferred_again():
    if connection.vendor != "postgresql":
        pytest.skip("SET CONSTRAINTS is PostgreSQL's")
    with pytest.raises(IntegrityError), transaction.atomic(), checked_as_written(WorkOrder):
        _dangling_order()  # refused by the statement itself, not at COMMIT
    with transaction.atomic():
        with checked_as_written(WorkOrder):
            pass
        _dangling_order()  # deferred again: no error before COMMIT ...
        transaction.set_rollback(True)  # ... which never comes
    assert not WorkOrder.objects.filter(number="dangling").exists()
