"""Rows of a model written in bulk (批量写入): COPY on PostgreSQL, executemany on SQLite.

For services that write thousands of rows of one model in one transaction (the bulk import of work
orders): the primary keys are reserved first (`reserve_ids`), so that rows of other models can refer to
them, and the rows then go in with one COPY (PostgreSQL) or one executemany (SQLite) per model.

The rows are plain values (Rows), not model instances (a model's __init__ costs more per row than its
insert): every concrete field of the model is written, each value stored exactly as the ORM stores it (its
field's `get_db_prep_save`: encryption, JSON, datetimes), so a column added to a model is written without a
change here. `auto_now`/`auto_now_add` fields get one moment for all the rows. No signals are sent: only
models without save signals may use it (as core.statements).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from datetime import datetime
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connections, models
from django.utils import timezone

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


# How a column's value becomes what the database stores (_stored): as it is, as it is when of a plain type,
# through the field's get_db_prep_save, (an aware datetime elsewhere than on PostgreSQL) through the
# backend's adapt_datetimefield_value, which is all get_db_prep_save does with one, or (JSON on
# PostgreSQL) as its JSON text, which COPY hands to jsonb's parser as the ORM's Jsonb wrapper would.
_AS_IS, _PLAIN, _CONVERT, _DATETIME, _JSON = 0, 1, 2, 3, 4


def _kind(field: models.Field, vendor: str) -> int:
    if vendor == "postgresql" and isinstance(field, models.DateField):  # DateTimeField is a DateField
        return _AS_IS  # psycopg takes aware datetimes and dates as they are
    if vendor == "postgresql" and type(field) is models.JSONField:
        return _JSON  # the text itself: psycopg's Jsonb dumper per value costs more than json.dumps
    if type(field) is models.DateTimeField:
        return _DATETIME
    return _PLAIN if is_plain(field) else _CONVERT


def _stamps(field: models.Field) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


def _stored(field: models.Field, kind: int, value, db):
    if value is None or kind == _AS_IS or (kind == _PLAIN and type(value) in PLAIN_VALUES):
        return value
    if kind == _DATETIME and type(value) is datetime and value.utcoffset() is not None:
        return db.ops.adapt_datetimefield_value(value)
    if kind == _JSON:
        return json.dumps(value, cls=field.encoder)  # type: ignore[attr-defined]  # a JSONField
    return field.get_db_prep_save(value, db)


class Rows:
    """Rows of one model as the database stores them, built from plain values without model instances (a
    model's __init__ costs more per row than its insert).

    Every concrete field is a column (the primary key unless `with_pk` is false), each value stored as its
    field stores it. `fixed` (attname → value) holds for every row; a column neither
    fixed nor `varying` gets its field's default, as an unsaved instance would, and an auto_now/auto_now_add
    column the moment the Rows is made. `add` takes a row's `varying` values (by attname) from a mapping;
    those named in `ready` must already be stored (`store`: one value written to several columns is
    converted once). `values` holds every column's value before `add` (defaults and `fixed`), by attname."""

    def __init__(
        self,
        model: type[models.Model],
        *,
        varying: Sequence[str],
        fixed: Mapping[str, Any] | None = None,
        ready: Collection[str] = (),
        with_pk: bool = True,
    ) -> None:
        self._db = db = connections[DEFAULT_DB_ALIAS]
        self.table = model._meta.db_table
        fields = _columns(model, with_pk)
        self.columns = [f.column for f in fields]
        self._plan = {f.attname: (i, f, _kind(f, db.vendor)) for i, f in enumerate(fields)}
        fixed = dict(fixed or {})
        unknown = (fixed.keys() | set(varying) | set(ready)) - self._plan.keys()
        if unknown or not set(ready) <= set(varying):
            raise ValueError(f"{model._meta.label} rows: no such columns to give {sorted(unknown or ready)}")
        now = timezone.now()
        self.values = {f.attname: now if _stamps(f) else f.get_default() for f in fields} | fixed
        self._template = [self.store(f.attname, self.values[f.attname]) for f in fields]
        self._slots = [(a, *self._plan[a][:2], _AS_IS if a in ready else self._plan[a][2]) for a in varying]
        self.rows: list[list] = []

    def store(self, attname: str, value):
        """`value` as the database stores it in the column of `attname`."""
        _, field, kind = self._plan[attname]
        return _stored(field, kind, value, self._db)

    def add(self, values: Mapping[str, Any]) -> None:
        row = self._template.copy()
        db = self._db
        for attname, i, field, kind in self._slots:
            value = values[attname]
            if value is None or kind == _AS_IS or (kind == _PLAIN and type(value) in PLAIN_VALUES):
                row[i] = value
            else:
                row[i] = _stored(field, kind, value, db)
        self.rows.append(row)

    def write(self) -> None:
        """The rows added so far into the table (copy_rows), then forgotten."""
        copy_rows(self.table, self.columns, self.rows)
        self.rows = []


def copy_rows(table: str, columns: list[str], rows: list[list]) -> None:
    """Stored rows (Rows) into `table`: one COPY on PostgreSQL, one executemany on SQLite."""
    if not rows:
        return
    db = connections[DEFAULT_DB_ALIAS]
    with db.cursor() as cursor, db.wrap_database_errors:  # the driver's errors as Django's, as the ORM raises them
        if db.vendor == "postgresql":
            _copy(cursor.cursor, db.ops.quote_name, table, columns, rows)
        else:
            quote = db.ops.quote_name
            names = ", ".join(quote(c) for c in columns)
            marks = ", ".join(["?"] * len(columns))
            cursor.cursor.executemany(f"INSERT INTO {quote(table)} ({names}) VALUES ({marks})", rows)


def _copy(cursor, quote: Callable[[str], str], table: str, columns: list[str], rows: list[list]) -> None:
    names = ", ".join(quote(c) for c in columns)
    with cursor.copy(f"COPY {quote(table)} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


@contextmanager
def checked_as_written(*tables: type[models.Model]) -> Iterator[None]:
    """Inside a transaction: the foreign keys of `tables` checked as each statement writes its rows
    instead of all at COMMIT, then deferred again (PostgreSQL; SQLite as it is).

    Django declares foreign keys DEFERRABLE INITIALLY DEFERRED, so a bulk write's hundreds of thousands
    of checks wait for COMMIT, where nothing else can run beside them. Made IMMEDIATE (SET CONSTRAINTS) they
    run at the end of each COPY, which a Writer runs while the caller builds its next rows: the rows must
    then be written in key order (a case before its events). On an error the transaction or savepoint
    is rolled back, which also undoes the SET CONSTRAINTS."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql" or not tables:
        yield
        return
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT DISTINCT quote_ident(conname) FROM pg_constraint "
            "WHERE contype = 'f' AND condeferred AND conrelid = ANY(%s::regclass[]) ORDER BY 1",
            [[m._meta.db_table for m in tables]],
        )
        names = ", ".join(row[0] for row in cursor.fetchall())
    if not names:
        yield
        return
    with db.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS {names} IMMEDIATE")
    yield
    with db.cursor() as cursor:
        cursor.execute(f"SET CONSTRAINTS {names} DEFERRED")


class Writer:
    """Writes the Rows of one batch while the caller prepares the next (PostgreSQL), one batch behind.

    A bulk write alternates between Python (checking, numbering, digesting the next rows) and the database
    (taking in the COPY, its indexes and triggers), each idle while the other works. Here each batch's
    COPY runs in a thread on the same connection, in the same transaction, while the caller builds the
    next batch: `write` keeps a batch's Rows, and `release` — called once the next batch has done its own
    reads and writes through the ORM (numbers drawn, keys reserved) — sends the kept ones off. Any later
    statement of the caller waits for the COPY (psycopg holds the connection for it), so it never
    interleaves. Used as a context manager, its end sends what is kept and waits; an error of the COPY
    surfaces there or at the next `release`. SQLite (one thread per connection) writes each batch at once."""

    def __init__(self) -> None:
        self._db = db = connections[DEFAULT_DB_ALIAS]
        self._kept: list[tuple[str, list[str], list[list]]] = []
        self._running: Future | None = None
        self._pool: ThreadPoolExecutor | None = None
        if db.vendor == "postgresql":
            db.ensure_connection()
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="gridgov-copy")

    def write(self, *batch: Rows) -> None:
        for rows in batch:
            if self._pool is None:
                rows.write()
                continue
            self._kept.append((rows.table, rows.columns, rows.rows))
            rows.rows = []

    def release(self) -> None:
        """The kept rows go to the database in the background (after any COPY still running)."""
        self._wait()
        if not self._kept or self._pool is None:
            return
        kept, self._kept = self._kept, []
        self._running = self._pool.submit(self._copy_all, self._db.connection, self._db.ops.quote_name, kept)

    @staticmethod
    def _copy_all(connection, quote, kept: list[tuple[str, list[str], list[list]]]) -> None:
        with connection.cursor() as cursor:
            for table, columns, rows in kept:
                if rows:
                    _copy(cursor, quote, table, columns, rows)

    def _wait(self) -> None:
        running, self._running = self._running, None
        if running is not None:
            with self._db.wrap_database_errors:
                running.result()  # the COPY's error, if any, here

    def __enter__(self) -> Writer:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        """Without an error: everything written, as the caller's next statement would see it. With one: the
        kept rows dropped (the transaction will not keep them), a running COPY waited for (the connection is
        the caller's again), the caller's error the one raised."""
        try:
            if exc_type is None:
                self.release()
                self._wait()
            else:
                self._kept = []
                with suppress(Exception):
                    self._wait()
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True)


class Statistics:
    """The planner's statistics (ANALYZE) of the tables a long bulk write fills, kept fresh as they grow.

    PostgreSQL plans every query on what ANALYZE last saw. A table emptied or new has no statistics, and a
    one-transaction import that fills it waits for autovacuum in vain (it sees no committed rows): the
    import's own queries (the duplicate check of each chunk, a unique-key trigger) are then planned as
    if the table were tiny and scan it whole, so each chunk costs more than the one before. ANALYZE inside
    the writing transaction counts that transaction's rows, so the plans follow the table. It runs when the
    tables have doubled since it last ran (the first time after `first` rows), a few times per import;
    a small import into a large table never pays for one. Only the columns the writer's queries filter or
    join on are analysed (`tables`: model → field names): the statistics of every other column would cost
    the most and serve nothing here. SQLite plans without them: nothing happens there.
    """

    def __init__(self, tables: Mapping[type[models.Model], Sequence[str]], *, first: int) -> None:
        self._db = db = connections[DEFAULT_DB_ALIAS]
        quote = db.ops.quote_name
        self.tables = [m._meta.db_table for m in tables]
        self._targets = ", ".join(
            f"{quote(m._meta.db_table)} ({', '.join(quote(m._meta.get_field(n).column) for n in names)})"
            for m, names in tables.items()
        )
        self.runs = 0
        self._total = self._known_rows() if db.vendor == "postgresql" else 0
        self._next = max(first, 2 * self._total)

    def _known_rows(self) -> int:
        # what the last ANALYZE (or VACUUM) counted in the first table; -1 (never counted) is none
        with self._db.cursor() as cursor:
            cursor.execute(
                "SELECT GREATEST(reltuples, 0)::bigint FROM pg_class WHERE oid = %s::regclass", [self.tables[0]]
            )
            row = cursor.fetchone()
        return row[0] if row else 0

    def wrote(self, count: int) -> None:
        """`count` more rows written into the first table (the others grow with it)."""
        self._total += count
        if self._db.vendor != "postgresql" or self._total < self._next:
            return
        with self._db.cursor() as cursor:
            cursor.execute(f"ANALYZE {self._targets}")
        self.runs += 1
        self._next = 2 * self._total
