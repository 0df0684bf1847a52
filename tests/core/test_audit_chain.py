"""The audit log (审计日志) is chained like the case files: edits and removals show in `audit verify`."""

import importlib
import json
import os
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import override_settings

from gridgov.cases import chains as case_chains
from gridgov.core import audit
from gridgov.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def entries(django_user_model):
    someone = django_user_model.objects.create_user("auditor-test")
    return [
        audit.record(
            actor=someone if i % 2 else None,
            action="test.step",
            object_type="thing",
            object_id=i,
            data={"n": i, "tuple": (1, 2), 3: "numeric key"},
        )
        for i in range(4)
    ]


def verify() -> tuple[dict, bool]:
    out = StringIO()
    try:
        call_command("audit", "verify", "--json", stdout=out)
        clean = True
    except CommandError:
        clean = False
    return json.loads(out.getvalue()), clean


def test_entries_link_to_their_predecessor(entries):
    rows = list(AuditEvent.objects.order_by("pk").values("prev_hash", "hash"))
    assert rows[0]["prev_hash"] == ""
    assert [r["prev_hash"] for r in rows[1:]] == [r["hash"] for r in rows[:-1]]
    assert all(len(r["hash"]) == 64 for r in rows)
    report, clean = verify()
    assert clean and report["audit_log"] == {"entries": AuditEvent.objects.count(), "ok": True, "broken": []}


def test_edited_entry_is_found(entries):
    AuditEvent.objects.filter(pk=entries[1].pk).update(data={"n": 99})
    report, clean = verify()
    assert not clean and report["ok"] is False
    assert [b["id"] for b in report["audit_log"]["broken"]] == [entries[1].pk]
    assert "edited" in report["audit_log"]["broken"][0]["problem"]


@pytest.mark.parametrize("field, value", [("action", "test.other"), ("object_id", "7"), ("actor", None)])
def test_other_edits_are_found(entries, field, value):
    AuditEvent.objects.filter(pk=entries[1].pk).update(**{field: value})
    assert [b["id"] for b in audit.verify_log().broken] == [entries[1].pk]


def test_deleted_entry_is_found(entries):
    entries[2].delete()
    broken = audit.verify_log().broken
    assert broken == [{"id": entries[3].pk, "problem": broken[0]["problem"]}] and "removed" in broken[0]["problem"]
    first, second = AuditEvent.objects.order_by("pk")[:2]
    first.delete()
    assert audit.verify_log().broken[0] == {"id": second.pk, "problem": "the log starts after a removed entry"}


def test_deleted_last_entry_is_found_by_an_anchor(entries, tmp_path):
    path = case_chains.write_anchor(tmp_path)
    last = entries[3].pk
    entries[3].delete()
    assert audit.verify_log().ok  # what is left is a whole chain …
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("audit", "verify", "--json", "--anchor", str(path), stdout=out)
    [checked] = json.loads(out.getvalue())["anchors"]
    assert checked["broken"] == [{"log_entry": last, "problem": checked["broken"][0]["problem"]}]
    assert "gone" in checked["broken"][0]["problem"]


def test_log_chained_with_another_key_does_not_verify(entries):
    with override_settings(GRIDGOV_AUDIT_KEY="a key that is not the server's"):
        audit.chain_entries()
        assert audit.verify_log().ok
    assert len(audit.verify_log().broken) == AuditEvent.objects.count() >= 4


def test_rolled_back_entry_leaves_no_gap(entries):
    with pytest.raises(RuntimeError), transaction.atomic():
        audit.record(action="test.lost", object_type="thing")
        raise RuntimeError
    after = audit.record(action="test.kept", object_type="thing")
    assert after.prev_hash == AuditEvent.objects.get(pk=entries[3].pk).hash
    assert audit.verify_log().ok


def test_migration_chains_existing_entries(entries):
    AuditEvent.objects.update(prev_hash="", hash="")  # as the log was before it was chained
    assert not audit.verify_log().ok
    migration = importlib.import_module("gridgov.core.migrations.0005_chain_audit_log")
    migration.chain_audit_log(apps, None)
    assert audit.verify_log().ok and audit.verify_log().entries == AuditEvent.objects.count() >= 4
    assert (
        audit.record(action="test.next", object_type="thing").prev_hash == AuditEvent.objects.get(pk=entries[3].pk).hash
    )


@pytest.mark.skipif(
    "postgresql" not in os.environ.get("GRIDGOV_DATABASE_URL", ""),
    reason="concurrent writers need real connections: SQLite serialises them (IMMEDIATE) anyway",
)
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_do_not_fork_the_chain():
    import threading
    import time

    from django.db import connection

    start = threading.Barrier(4)

    def write(n: int) -> None:
        try:
            start.wait()
            for i in range(10):
                with transaction.atomic():
                    audit.record(action="test.race", object_type="thing", object_id=f"{n}-{i}")
                    time.sleep(0.002)  # hold the transaction open: an unlocked append would fork here
        finally:
            connection.close()

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert AuditEvent.objects.filter(action="test.race").count() == 40
    prevs = list(AuditEvent.objects.values_list("prev_hash", flat=True))
    assert len(prevs) == len(set(prevs))  # no two entries link to the same predecessor
    assert audit.verify_log().ok
