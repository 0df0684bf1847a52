"""`gridgov cases import --bulk` (exchange.files.bulk, cases.services.bulk): the same cases as the per-order
import, written in chunks — numbers, chains, duplicates, row errors (never a partial chunk or file), the
audit entry and the follow-up work."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from gridgov.cases.chains import verify_chains
from gridgov.cases.models import Case, CaseEvent
from gridgov.core.audit import AuditEvent
from gridgov.core.models import OutboxItem
from gridgov.exchange.files import import_orders
from gridgov.exchange.files.bulk import import_orders_bulk
from gridgov.exchange.models import WorkOrder
from tests.exchange.test_import import actor, good_rows, write_csv  # noqa: F401  # fixtures shared

SYSTEM = "test-bulk"
COMPARED = (
    "title",
    "description",
    "address",
    "grid_id",
    "platform",
    "category_id",
    "complexity",
    "channel",
    "urgent",
    "status",
    "light",
    "light_next_at",
    "lead_unit",
    "assisting_units",
    "dispatched_at",
    "sign_by",
    "resolve_by",
    "mode",
    "reported_at",
    "reporter_name",
    "reporter_phone",
    "reporter_phone_keys",
    "reporter_digest",
    "event_count",
    "version",
)


def many(good_rows, n):  # noqa: F811
    """n orders cycling through the three good rows (by coordinates, GCJ-02, by address), numbers unique."""
    return [[f"M-{i}", *good_rows[i % 3][1:]] for i in range(n)]


def cases_of(system):
    return {w.number: w.case for w in WorkOrder.objects.filter(system=system).select_related("case")}


def test_bulk_cases_equal_the_per_order_import(tmp_path, actor, good_rows):  # noqa: F811
    path = write_csv(tmp_path / "orders.csv", many(good_rows, 25))
    one = import_orders(actor=actor, path=path, system="per-order")
    bulk = import_orders_bulk(actor=actor, path=path, system=SYSTEM, chunk=7)
    assert bulk["errors"] == [] and bulk["bulk"] is True
    same = ("rows", "created", "duplicates", "placed_by_coordinates", "placed_by_address", "unplaced", "uncategorised")
    assert {k: bulk[k] for k in same} == {k: one[k] for k in same} and bulk["created"] == 25
    a, b = cases_of("per-order"), cases_of(SYSTEM)
    assert set(a) == set(b)
    for number in a:
        for name in COMPARED:
            assert getattr(b[number], name) == getattr(a[number], name), (number, name)
        assert b[number].lon == pytest.approx(a[number].lon, abs=1e-9)
        assert b[number].lat == pytest.approx(a[number].lat, abs=1e-9)
    orders = {w.number: w for w in WorkOrder.objects.filter(system=SYSTEM)}
    assert {n: o.data for n, o in orders.items()} == {
        w.number: w.data for w in WorkOrder.objects.filter(system="per-order")
    }
    # case numbers: the day's counter goes on from the per-order import's, each number once, in file order
    numbers = [b[f"M-{i}"].number for i in range(25)]
    assert len(set(numbers)) == 25 and all(n.startswith("2024050") for n in numbers)
    same_day = [n for n in numbers if n.startswith("20240501")]
    assert same_day == sorted(same_day)
    assert not set(numbers) & {c.number for c in a.values()}
    events = CaseEvent.objects.filter(case__in=b.values())
    assert events.count() == 25 and set(events.values_list("action", "seq")) == {("report", 1)}
    assert verify_chains().ok  # every chain, the per-order ones and the bulk ones
    call_command("audit", "verify")  # the command too (fails with CommandError when a chain breaks)


def test_reimport_writes_nothing(tmp_path, actor, good_rows):  # noqa: F811
    path = write_csv(tmp_path / "orders.csv", [*many(good_rows, 10), many(good_rows, 1)[0]])
    first = import_orders_bulk(actor=actor, path=path, system=SYSTEM, chunk=4)
    assert (first["created"], first["duplicates"]) == (10, 1)
    before = (Case.objects.count(), CaseEvent.objects.count(), WorkOrder.objects.count(), AuditEvent.objects.count())
    again = import_orders_bulk(actor=actor, path=path, system=SYSTEM, chunk=4)
    assert (again["created"], again["duplicates"], again["errors"]) == (0, 11, [])
    # nothing but the import's own audit entry
    after = (Case.objects.count(), CaseEvent.objects.count(), WorkOrder.objects.count(), AuditEvent.objects.count())
    assert after == (*before[:3], before[3] + 1)
    # orders the per-order import took are duplicates for the bulk one too, and the other way round
    assert import_orders(actor=actor, path=path, system=SYSTEM)["created"] == 0


def test_row_errors_in_a_later_chunk_write_nothing_and_are_all_listed(tmp_path, actor, good_rows):  # noqa: F811
    rows = many(good_rows, 9)
    rows[5][1] = "2024-13-45"  # row 7: a bad date, in the second chunk of 4
    rows[8][9] = ""  # row 10: no title, in the third
    elsewhere = ["U-1", "2024-05-01", "", "", "梅峰河", "仓山区", "", "", "", "河水发臭", "", ""]
    path = write_csv(tmp_path / "bad.csv", [*rows, elsewhere])
    before = (Case.objects.count(), WorkOrder.objects.count(), CaseEvent.objects.count(), AuditEvent.objects.count())
    report = import_orders_bulk(actor=actor, path=path, system=SYSTEM, chunk=4)
    assert report["created"] == 0
    assert [(e["row"], e["column"]) for e in report["errors"]] == [(7, "受理时间"), (10, "标题"), (11, "地址")]
    after = (Case.objects.count(), WorkOrder.objects.count(), CaseEvent.objects.count(), AuditEvent.objects.count())
    assert after == before  # the first chunk, written before the errors, was rolled back too
    skipped = import_orders_bulk(actor=actor, path=write_csv(tmp_path / "s.csv", [*rows[:5], elsewhere]),
                                 system=SYSTEM, chunk=4, skip_unplaced=True)  # fmt: skip
    assert (skipped["created"], skipped["unplaced"], skipped["unplaced_rows"]) == (5, 1, [7])


def test_audit_entry_outbox_and_dry_run(tmp_path, actor, good_rows, settings):  # noqa: F811
    settings.GRIDGOV_OUTBOX_DRAIN = "worker"  # keep the follow-up rows to look at them
    path = write_csv(tmp_path / "orders.csv", many(good_rows, 9))
    dry = import_orders_bulk(actor=actor, path=path, system=SYSTEM, chunk=4, dry_run=True)
    assert (dry["created"], dry["dry_run"], WorkOrder.objects.filter(system=SYSTEM).count()) == (9, True, 0)
    OutboxItem.objects.all().delete()
    report = import_orders_bulk(actor=actor, path=path, system=SYSTEM, chunk=4)
    assert report["created"] == 9
    entry = AuditEvent.objects.filter(action="cases.import").order_by("-pk").first()
    assert entry is not None and entry.object_id == "orders.csv"
    assert entry.data["created"] == 9 and entry.data["bulk"] is True and entry.data["system"] == SYSTEM
    rows = list(OutboxItem.objects.values_list("task", "payload"))
    assert len(rows) == 6  # one row per task and chunk (3 chunks), not two per case
    numbers = sorted(n for task, p in rows if task == "gridgov.assessment.refresh_cases" for n in p["numbers"])
    assert numbers == sorted(c.number for c in cases_of(SYSTEM).values())
    events = sorted(i for task, p in rows if task == "gridgov.cases.notify_case_events" for i in p["event_ids"])
    assert events == sorted(CaseEvent.objects.filter(case__number__in=numbers).values_list("id", flat=True))
