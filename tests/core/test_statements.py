"""core.statements writes rows exactly as the ORM does: same stored columns, keys set, errors raised."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from gridgov.cases.models import Case, IdempotencyKey
from gridgov.cases.services import report_case
from gridgov.core import statements
from gridgov.core.models import OutboxItem
from gridgov.people.actors import Actor

pytestmark = pytest.mark.django_db


def _raw(model, pk) -> dict:
    """The row as stored, column by column (no field conversions on the way back)."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {quote(model._meta.db_table)} WHERE {quote(model._meta.pk.column)} = %s", [pk])
        names = [d[0] for d in cursor.description]
        return dict(zip(names, cursor.fetchone(), strict=True))


def _case(spot, title="路灯不亮") -> Case:
    return report_case(actor=Actor.anonymous(), title=title, lon=spot["lon"], lat=spot["lat"], address="林山寨").case


def test_insert_stores_what_the_orm_stores(spot):
    case = _case(spot)
    at = timezone.now().replace(microsecond=123456)
    fields = {
        "task": "gridgov.cases.notify_case_events",
        "payload": {"event_ids": [1, 2], "名": "值"},
        "batch_key": "event_ids",
    }
    by_orm = OutboxItem.objects.create(**fields, not_before=at)
    ours = OutboxItem(**fields, not_before=at)
    statements.insert(ours)
    assert ours.pk and ours.pk != by_orm.pk and not ours._state.adding
    a, b = _raw(OutboxItem, by_orm.pk), _raw(OutboxItem, ours.pk)
    for column in ("id", "created_at"):  # the key, and auto_now_add (each row its own moment)
        a.pop(column), b.pop(column)
    assert a == b
    assert OutboxItem.objects.get(pk=ours.pk).created_at is not None

    # an encrypted column and a foreign key: encrypted like the ORM's (never the plain text), read back alike
    key = IdempotencyKey(key="k-ours", fingerprint="f" * 64, case=case, tracking_code="ABCDEFGH23")
    statements.insert(key)
    stored = _raw(IdempotencyKey, key.pk)
    assert "ABCDEFGH23" not in str(stored["tracking_code"]) and stored["case_id"] == case.pk
    assert IdempotencyKey.objects.get(pk=key.pk).tracking_code == "ABCDEFGH23"


def test_several_rows_in_one_statement_get_their_own_keys(spot):
    rows = [OutboxItem(task="t", payload={"n": n}, batch_key="") for n in range(3)]
    statements.insert(*rows)
    assert [OutboxItem.objects.get(pk=row.pk).payload for row in rows] == [{"n": 0}, {"n": 1}, {"n": 2}]


def test_update_stores_what_save_stores(spot):
    mine, theirs = _case(spot, "甲"), _case(spot, "乙")
    later = timezone.now() + timedelta(hours=3)
    for case in (mine, theirs):
        case.title = "井盖缺失"
        case.photos = ["a", "b"]
        case.sign_by = later
        case.pending_extension_days = None
        case.clock_banked = 2  # an int in a float column
    theirs.save()
    statements.update(mine)
    a, b = _raw(Case, mine.pk), _raw(Case, theirs.pk)
    differ = {k for k in a if a[k] != b[k]}
    # only what makes two cases two: their keys, numbers, codes, the digests over them and their own moments
    assert differ <= {"id", "number", "tracking_hash", "reported_at", "updated_at", "last_hash", "reporter_digest"}
    assert {"title", "photos", "sign_by", "clock_banked"}.isdisjoint(differ)
    assert Case.objects.get(pk=mine.pk).sign_by == later


def test_errors_are_the_databases(spot):
    case = _case(spot)
    statements.insert(IdempotencyKey(key="k-same", fingerprint="f", case=case, tracking_code=""))
    with pytest.raises(IntegrityError), transaction.atomic():
        statements.insert(IdempotencyKey(key="k-same", fingerprint="g", case=case, tracking_code=""))
    gone = Case.objects.get(pk=case.pk)
    Case.objects.filter(pk=case.pk).update(number="gone")  # still there, but a stale copy of another row
    gone.pk = 10**12
    with pytest.raises(Case.DoesNotExist):
        statements.update(gone)
