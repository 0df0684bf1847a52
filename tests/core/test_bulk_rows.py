"""core.bulk.Rows: value rows without model instances, stored exactly as the ORM stores an instance."""

import json
from datetime import UTC, datetime

import pytest
from django.db import connection, models

from gridgov.cases.models import Case, CaseEvent
from gridgov.core import crypto
from gridgov.core.bulk import Rows

pytestmark = pytest.mark.django_db

AT = datetime(2025, 3, 4, 5, 6, 7, 123456, tzinfo=UTC)


def _plain(row: list, model=CaseEvent) -> list:
    # JSON: the ORM hands psycopg a Jsonb wrapper of the value (PostgreSQL) or its text (SQLite), Rows its
    # text on both; what the column receives is the same value
    json_columns = [isinstance(f, models.JSONField) for f in model._meta.concrete_fields]
    return [
        json.loads(v) if is_json and isinstance(v, str) else getattr(v, "obj", v)
        for v, is_json in zip(row, json_columns, strict=True)
    ]


def _orm_row(obj) -> tuple[list[str], list]:
    """The columns and values Django's INSERT of `obj` sends (SQLInsertCompiler: each field's get_db_prep_save
    of its pre_save value)."""
    fields = obj._meta.concrete_fields
    return [f.column for f in fields], [f.get_db_prep_save(f.pre_save(obj, True), connection) for f in fields]


def test_rows_equal_what_the_orm_stores():
    fields = {
        "id": 41,
        "case_id": 7,
        "seq": 1,
        "action": "report",
        "actor_label": "导入",
        "to_status": "reported",
        "data": {"channel": "import", "photos": []},
        "at": AT,
        "state_hash": "s" * 64,
        "hash": "h" * 64,
    }
    columns, expected = _orm_row(CaseEvent(**fields))
    fixed = {k: v for k, v in fields.items() if k not in ("id", "at")}
    given = Rows(CaseEvent, fixed=fixed, varying=("id", "at"))
    given.add({"id": 41, "at": AT})
    assert given.columns == columns
    ready = Rows(CaseEvent, fixed=fixed, varying=("id", "at"), ready=("at",))  # `at` given already stored
    ready.add({"id": 41, "at": ready.store("at", AT)})
    assert _plain(given.rows[0]) == _plain(ready.rows[0]) == _plain(expected)


def test_encrypted_columns_and_unknown_names():
    rows = Rows(Case, fixed={"reporter_name": "张三"}, varying=("id", "reporter_phone"))
    rows.add({"id": 1, "reporter_phone": "13812345678"})
    row = dict(zip(rows.columns, rows.rows[0], strict=True))
    assert crypto.decrypt(row["reporter_name"]) == "张三" and crypto.decrypt(row["reporter_phone"]) == "13812345678"
    assert row["photos"] is not None and row["reporter_phone_keys"] == "" and row["event_count"] == 0
    with pytest.raises(ValueError, match="no such columns"):
        Rows(Case, varying=("id", "no_such_column"))
    with pytest.raises(ValueError, match="no such columns"):
        Rows(Case, varying=("id",), ready=("reported_at",))  # ready but not given per row
