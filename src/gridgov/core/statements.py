"""Inserts and updates of hot rows with their SQL built once (预编译语句).

`Model.save()` builds its INSERT or UPDATE anew on every call: for a case (about 40 columns) that
costs more than the database's work, and a report writes four rows. Here the statement of a model
is built once per database vendor and only the values are prepared per row, each column through
its field's own `get_db_prep_save` (so encryption, JSON and datetimes are stored exactly as the ORM
stores them). No signals are sent: only models without save signals may use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import cast

from django.db import DEFAULT_DB_ALIAS, connections, models

# Columns whose stored value is the Python value itself when it has one of the plain types below:
# their `get_db_prep_save` is skipped (it would only call str() or int() on it). Exact classes: a
# subclass (an encrypted text, say) converts its value and always goes through its field.
_PLAIN_FIELDS = (
    models.CharField,
    models.TextField,
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.BigIntegerField,
    models.SmallIntegerField,
    models.FloatField,
    models.BooleanField,
    models.ForeignKey,
    models.AutoField,
    models.BigAutoField,
)
PLAIN_VALUES = (str, int, float, bool)


def is_plain(field: models.Field) -> bool:
    """Whether the field stores a value of PLAIN_VALUES as it is (no get_db_prep_save needed): by exact type,
    since subclasses (encrypted text …) prepare their values."""
    return type(field) in _PLAIN_FIELDS and not (
        isinstance(field, models.ForeignKey) and type(field.target_field) not in _PLAIN_FIELDS
    )


@dataclass(frozen=True)
class _Column:
    field: models.Field
    attname: str
    plain: bool  # no conversion for a value of a plain type
    stamps: bool  # auto_now / auto_now_add: pre_save sets the value


_COLUMNS: dict[str, tuple[tuple[_Column, ...], models.Field]] = {}
_SQL: dict[tuple[str, str, int], str] = {}  # (model, vendor, rows): INSERT; rows 0: UPDATE


def _columns(model: type[models.Model]) -> tuple[tuple[_Column, ...], models.Field]:
    known = _COLUMNS.get(model._meta.label)
    if known is not None:
        return known
    pk = cast(models.Field, model._meta.pk)
    auto = isinstance(pk, models.AutoField | models.BigAutoField | models.SmallAutoField)
    columns = tuple(
        _Column(
            field=f,
            attname=f.attname,
            plain=is_plain(f),
            stamps=bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)),
        )
        for f in model._meta.concrete_fields
        if not (auto and f is pk)
    )
    _COLUMNS[model._meta.label] = columns, pk
    return columns, pk


def _sql(model: type[models.Model], db, rows: int) -> str:
    key = (model._meta.label, db.vendor, rows)
    sql = _SQL.get(key)
    if sql is None:
        quote = db.ops.quote_name
        columns, pk = _columns(model)
        table = quote(model._meta.db_table)
        if rows:
            marks = "(" + ", ".join(["%s"] * len(columns)) + ")"
            names = ", ".join(quote(c.field.column) for c in columns)
            sql = f"INSERT INTO {table} ({names}) VALUES {', '.join([marks] * rows)} RETURNING {quote(pk.column)}"
        else:
            sets = ", ".join(f"{quote(c.field.column)} = %s" for c in columns if c.field is not pk)
            sql = f"UPDATE {table} SET {sets} WHERE {quote(pk.column)} = %s"
        _SQL[key] = sql
    return sql


def _values(obj: models.Model, columns: tuple[_Column, ...], add: bool, db) -> list:
    values = []
    state = obj.__dict__
    for column in columns:
        if column.stamps:
            value = column.field.pre_save(obj, add)
        elif column.attname in state:
            value = state[column.attname]
        else:  # a deferred column: loaded as save() would
            value = getattr(obj, column.attname)
        if value is not None and not (column.plain and type(value) in PLAIN_VALUES):  # None: NULL in any field
            value = column.field.get_db_prep_save(value, db)
        values.append(value)
    return values


def insert(*objs: models.Model) -> None:
    """INSERT unsaved rows of one model in one statement; each gets its primary key."""
    if not objs:
        return
    model = type(objs[0])
    columns, pk = _columns(model)
    db = connections[DEFAULT_DB_ALIAS]  # the connection itself: each attribute read through the proxy costs
    params = [v for obj in objs for v in _values(obj, columns, True, db)]
    with db.cursor() as cursor:
        cursor.execute(_sql(model, db, len(objs)), params)
        keys = [row[0] for row in cursor.fetchall()]
    # RETURNING gives rows in insertion order on SQLite and PostgreSQL for a single VALUES list
    for obj, key in zip(objs, keys, strict=True):
        setattr(obj, pk.attname, key)
        obj._state.adding = False
        obj._state.db = db.alias


def update(obj: models.Model) -> None:
    """UPDATE every column of a saved row (what `obj.save()` does, without its per-call compile)."""
    model = type(obj)
    columns, pk = _columns(model)
    db = connections[DEFAULT_DB_ALIAS]
    values = _values(obj, tuple(c for c in columns if c.field is not pk), False, db)
    with db.cursor() as cursor:
        cursor.execute(_sql(model, db, 0), [*values, pk.get_db_prep_save(obj.pk, db)])
        if cursor.rowcount != 1:
            raise model.DoesNotExist(f"{model._meta.label} {obj.pk} is gone")
