"""Rows of a model written in bulk (批量写入): COPY on PostgreSQL, executemany on SQLite.

For services that write thousands of rows of one model in one transaction (the bulk import of work
orders): the primary keys are reserved first (`reserve_ids`), so that rows of other models can refer to
them, and the rows then go in with one COPY (PostgreSQL) or one executemany (SQLite) per model.

The rows are unsaved model instances: every concrete field of the model is written, each value stored
exactly as the ORM stores it (its field's `get_db_prep_save`: encryption, JSON, datetimes), so a column
added to a model is written without a change here. `auto_now`/`auto_now_add` fields get their `pre_save`
value. No signals are sent: only models without save signals may use it (as core.statements).
"""

from __future__ import annotations

from typing import cast

from django.db import DEFAULT_DB_ALIAS, connections, models

from gridgov.core.statements import PLAIN_VALUES, is_plain


def reserve_ids(model: type[models.Model], count: int) -> list[int]:
    """`count` fresh primary keys of `model`, in rising order, for rows this transaction will insert.

    PostgreSQL: drawn from the column's sequence. SQLite: above the highest key (and the AUTOINCREMENT
    counter); call it inside the writing transaction after its first write, which holds SQLite's one write
    lock, so that nobody else takes the same keys (a later insert moves sqlite_sequence past them)."""
    if count <= 0:
        return []
    db = connections[DEFAULT_DB_ALIAS]
    table = model._meta.db_table
    pk = cast(models.Field, model._meta.pk)
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [db.ops.quote_name(table), pk.column, count],
            )
            ids = sorted(row[0] for row in cursor.fetchall())
            if None in ids:
                raise RuntimeError(f"{table}.{pk.column} has no sequence to draw keys from")
            return ids
        cursor.execute(f"SELECT COALESCE(MAX({db.ops.quote_name(pk.column)}), 0) FROM {db.ops.quote_name(table)}")
        top = cursor.fetchone()[0]
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [table])
        row = cursor.fetchone()
        top = max(top, row[0] if row else 0)
    return list(range(top + 1, top + 1 + count))


def _columns(model: type[models.Model], with_pk: bool) -> list[models.Field]:
    # without keys (none reserved): the database numbers the rows, as an INSERT without the column does
    return [f for f in model._meta.concrete_fields if with_pk or not f.primary_key]


def prepared_rows(objs: list[models.Model]) -> tuple[list[str], list[list]]:
    """The column names and each row's values as the database stores them (primary keys included when the
    first row has one: all or none of them must)."""
    if not objs:
        return [], []
    db = connections[DEFAULT_DB_ALIAS]
    fields = _columns(type(objs[0]), objs[0].pk is not None)
    plain_dates = db.vendor == "postgresql"  # psycopg takes aware datetimes and dates as they are
    kinds = []
    for f in fields:
        plain = is_plain(f)
        stamps = bool(getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
        as_is = plain_dates and isinstance(f, models.DateField)  # DateTimeField is a DateField
        kinds.append((f, f.attname, plain, as_is, stamps))
    rows = []
    for obj in objs:
        state = obj.__dict__
        values = []
        for field, attname, plain, as_is, stamps in kinds:
            if stamps:
                value = field.pre_save(obj, True)
            else:
                value = state[attname] if attname in state else getattr(obj, attname)
            if value is not None and not as_is and not (plain and type(value) in PLAIN_VALUES):
                value = field.get_db_prep_save(value, db)
            values.append(value)
        rows.append(values)
    return [f.column for f in fields], rows


def copy_rows(table: str, columns: list[str], rows: list[list]) -> None:
    """Prepared rows (prepared_rows) into `table`: one COPY on PostgreSQL, one executemany on SQLite."""
    if not rows:
        return
    db = connections[DEFAULT_DB_ALIAS]
    quote = db.ops.quote_name
    names = ", ".join(quote(c) for c in columns)
    with db.cursor() as cursor:
        if db.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join(["?"] * len(columns))
            cursor.cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", rows)


def insert_many(objs: list[models.Model]) -> None:
    """Unsaved rows of one model, their primary keys set (reserve_ids), written in one statement."""
    if not objs:
        return
    columns, rows = prepared_rows(objs)
    copy_rows(type(objs[0])._meta.db_table, columns, rows)
    alias = DEFAULT_DB_ALIAS
    for obj in objs:
        obj._state.adding = False
        obj._state.db = alias
