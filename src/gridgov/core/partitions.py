"""Monthly RANGE partitions of append-only tables on PostgreSQL (docs/scaling.md); nothing on SQLite.

A big append-only table (the case events, the case-file readings) is split by the local month (settings.TIME_ZONE)
of a time column: one partition a month, `<table>_pYYYYMM`, and a default partition `<table>_default` that
takes whatever no month partition holds (a far past or future time), so that no insert ever fails for want
of a partition. A query bounded by that column reads only its months' partitions (partition pruning).

- `convert(connection, spec)`: the migration's step. Creates the partitioned table beside the old one (same
  columns, defaults, checks and identity), its partitions (every month with rows, and the coming ones), copies
  the rows, drops the old table and takes its name, its indexes, foreign keys and identity sequence position.
- `ensure(connection, spec)`: the periodic task's step: this month's and the next `ahead` months' partitions,
  each moved out of the default partition when rows for it already wait there.

PostgreSQL makes every unique key of a partitioned table include the partition key. The primary key becomes
(id, <column>) — `id` stays Django's primary key, unique by its identity sequence — and what the old table
declared unique without that column (Spec.unique, e.g. one event per case and sequence number) is kept by a
statement trigger that locks the parent rows (Spec.lock: the events' cases) and refuses a second row (SQLSTATE
23505, the constraint's name), as the unique index did. A foreign key *to* the table needs a unique key on the
referenced column alone, so each one (found in the catalogue) is replaced by a pair of triggers with its name:
the referencing row must name an existing row (23503), and a referenced row may not be deleted or renumbered
(23503, PROTECT).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

DEFAULT_AHEAD = 3  # months created ahead of the current one


@dataclass(frozen=True)
class Spec:
    table: str
    column: str  # the timestamptz the months are cut on
    # unique keys the old table had without `column`: (constraint name, columns), kept by trigger
    unique: tuple[tuple[str, tuple[str, ...]], ...] = field(default=())
    # (table, column): the parent rows a writer locks before the unique keys are checked, e.g. the case of an
    # event (its services hold that lock already); without it two concurrent writers could both pass the check
    lock: tuple[str, str] | None = None


def month_start(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, n: int) -> date:
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _bound(month: date) -> str:
    """The instant a local month begins, as a timestamptz literal with its offset."""
    moment = datetime(month.year, month.month, 1, tzinfo=ZoneInfo(settings.TIME_ZONE))
    return moment.isoformat()


def partition_name(table: str, month: date) -> str:
    return f"{table}_p{month:%Y%m}"


def is_partitioned(cursor, table: str) -> bool:
    cursor.execute("SELECT relkind FROM pg_class WHERE oid = to_regclass(%s)", [table])
    row = cursor.fetchone()
    return bool(row) and row[0] == "p"


def partitions(cursor, table: str) -> list[str]:
    cursor.execute(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "WHERE i.inhparent = to_regclass(%s) ORDER BY c.relname",
        [table],
    )
    return [r[0] for r in cursor.fetchall()]


def _create_month(cursor, spec: Spec, month: date) -> bool:
    """The month's partition, rows waiting in the default partition moved into it; False if it existed."""
    name = partition_name(spec.table, month)
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [name])
    if cursor.fetchone()[0]:
        return False
    start, end = _bound(month), _bound(add_months(month, 1))
    default = f"{spec.table}_default"
    cursor.execute(f'CREATE TABLE "{name}" (LIKE "{spec.table}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS)')
    cursor.execute("SELECT to_regclass(%s) IS NOT NULL", [default])
    if cursor.fetchone()[0]:
        cursor.execute(
            f'WITH moved AS (DELETE FROM "{default}" WHERE "{spec.column}" >= %s AND "{spec.column}" < %s '
            f'RETURNING *) INSERT INTO "{name}" SELECT * FROM moved',
            [start, end],
        )
    cursor.execute(f"ALTER TABLE \"{spec.table}\" ATTACH PARTITION \"{name}\" FOR VALUES FROM ('{start}') TO ('{end}')")
    return True


def ensure(connection, spec: Spec, *, ahead: int = DEFAULT_AHEAD, today: date | None = None) -> list[str]:
    """This month's and the next `ahead` months' partitions (and the default one); the names it created."""
    if connection.vendor != "postgresql":
        return []
    first = month_start(today or timezone.localdate())
    created = []
    with connection.cursor() as cursor:
        if not is_partitioned(cursor, spec.table):
            return []
        cursor.execute(f'CREATE TABLE IF NOT EXISTS "{spec.table}_default" PARTITION OF "{spec.table}" DEFAULT')
        for n in range(ahead + 1):
            month = add_months(first, n)
            if _create_month(cursor, spec, month):
                created.append(partition_name(spec.table, month))
    return created


def _months_with_rows(cursor, spec: Spec) -> list[date]:
    cursor.execute(
        f'SELECT DISTINCT date_trunc(\'month\', "{spec.column}" AT TIME ZONE %s)::date FROM "{spec.table}"',
        [settings.TIME_ZONE],
    )
    return sorted(r[0] for r in cursor.fetchall())


def convert(connection, spec: Spec, *, ahead: int = DEFAULT_AHEAD, today: date | None = None) -> bool:
    """Turn the (Django-made) table into a partitioned one in place; False when there was nothing to do."""
    if connection.vendor != "postgresql":
        return False
    t, col, new = spec.table, spec.column, f"{spec.table}__partitioned"
    with connection.cursor() as cursor:
        if is_partitioned(cursor, t):
            return False
        cursor.execute(f'LOCK TABLE "{t}" IN ACCESS EXCLUSIVE MODE')
        # What the old table has that LIKE does not copy: indexes, foreign keys from it and to it.
        cursor.execute(
            "SELECT i.relname, pg_get_indexdef(x.indexrelid), x.indisprimary, x.indisunique "
            "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid WHERE x.indrelid = to_regclass(%s)",
            [t],
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint WHERE conrelid = to_regclass(%s) "
            "AND contype = 'f'",
            [t],
        )
        outgoing = cursor.fetchall()
        cursor.execute(
            "SELECT c.conname, r.relname, a.attname, fa.attname FROM pg_constraint c "
            "JOIN pg_class r ON r.oid = c.conrelid "
            "JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = c.confkey[1] "
            "WHERE c.confrelid = to_regclass(%s) AND c.contype = 'f' AND c.conrelid <> c.confrelid",
            [t],
        )
        incoming = cursor.fetchall()
        unique_names = {name for name, _ in spec.unique}
        cursor.execute(
            "SELECT conname FROM pg_constraint WHERE conrelid = to_regclass(%s) AND contype = 'u'",
            [t],
        )
        unique_constraints = {r[0] for r in cursor.fetchall()}
        if unique_constraints - unique_names:
            raise RuntimeError(
                f"{t}: unique constraints {sorted(unique_constraints - unique_names)} are not in the Spec"
            )

        cursor.execute(
            f'CREATE TABLE "{new}" (LIKE "{t}" INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING IDENTITY '
            f'INCLUDING STORAGE INCLUDING COMMENTS) PARTITION BY RANGE ("{col}")'
        )
        cursor.execute(f'CREATE TABLE "{new}_default" PARTITION OF "{new}" DEFAULT')
        first = month_start(today or timezone.localdate())
        months = set(_months_with_rows(cursor, spec)) | {add_months(first, n) for n in range(ahead + 1)}
        for month in sorted(months):
            start, end = _bound(month), _bound(add_months(month, 1))
            cursor.execute(
                f'CREATE TABLE "{partition_name(t, month)}" PARTITION OF "{new}" '
                f"FOR VALUES FROM ('{start}') TO ('{end}')"
            )
        cursor.execute(f'INSERT INTO "{new}" OVERRIDING SYSTEM VALUE SELECT * FROM "{t}"')
        cursor.execute(f"SELECT pg_get_serial_sequence(%s, 'id'), (SELECT max(id) FROM \"{t}\")", [t])
        _old_sequence, last_id = cursor.fetchone()
        cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [new])
        (sequence,) = cursor.fetchone()
        if last_id is not None:
            cursor.execute("SELECT setval(%s, %s)", [sequence, last_id])

        for conname, referencing, _column, _target in incoming:
            cursor.execute(f'ALTER TABLE "{referencing}" DROP CONSTRAINT "{conname}"')
        cursor.execute(f'DROP TABLE "{t}"')
        cursor.execute(f'ALTER TABLE "{new}" RENAME TO "{t}"')
        cursor.execute(f'ALTER TABLE "{new}_default" RENAME TO "{t}_default"')
        cursor.execute(f'ALTER SEQUENCE {sequence} RENAME TO "{t}_id_seq"')

        for name, definition, primary, unique in indexes:
            if primary:
                cursor.execute(f'ALTER TABLE "{t}" ADD CONSTRAINT "{name}" PRIMARY KEY (id, "{col}")')
            elif name in unique_names or unique:
                # kept by trigger below; an ordinary index makes that trigger's lookup cheap
                cols = dict(spec.unique).get(name)
                if cols is None:
                    raise RuntimeError(f"{t}: unique index {name} is not in the Spec")
                cursor.execute(f'CREATE INDEX "{name}" ON "{t}" ({", ".join(cols)})')
            else:
                cursor.execute(definition)
        for conname, definition in outgoing:
            cursor.execute(f'ALTER TABLE "{t}" ADD CONSTRAINT "{conname}" {definition}')
        for name, cols in spec.unique:
            _unique_trigger(cursor, spec, name, cols)
        for conname, referencing, column, target in incoming:
            _reference_triggers(cursor, t, conname, referencing, column, target)
    return True


def _unique_trigger(cursor, spec: Spec, name: str, cols: tuple[str, ...]) -> None:
    """The unique key `cols` across every partition: checked once per statement against the rows it wrote
    (a transition table: bulk loads cost one join, and take no lock per row)."""
    table = spec.table
    match = " AND ".join(f'existing."{c}" = new_rows."{c}"' for c in cols)
    lock = ""
    if spec.lock:  # one writer per parent row at a time: a second one waits, then sees the first one's rows
        parent, column = spec.lock
        lock = f'PERFORM 1 FROM "{parent}" WHERE id IN (SELECT "{column}" FROM new_rows) ORDER BY id FOR NO KEY UPDATE;'
    cursor.execute(
        f"""
        CREATE FUNCTION "{name}_check"() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            {lock}
            IF EXISTS (SELECT 1 FROM new_rows JOIN "{table}" existing ON {match} AND existing.id <> new_rows.id) THEN
                RAISE EXCEPTION 'duplicate key value violates unique constraint "{name}"'
                    USING ERRCODE = 'unique_violation', CONSTRAINT = '{name}', TABLE = '{table}';
            END IF;
            RETURN NULL;
        END $$
        """
    )
    for event, trigger in (("INSERT", name), ("UPDATE", f"{name}_update")):
        cursor.execute(
            f'CREATE TRIGGER "{trigger}" AFTER {event} ON "{table}" REFERENCING NEW TABLE AS new_rows '
            f'FOR EACH STATEMENT EXECUTE FUNCTION "{name}_check"()'
        )


def _reference_triggers(cursor, table: str, conname: str, referencing: str, column: str, target: str) -> None:
    """The foreign key `referencing.column → table.target`, kept by triggers under the constraint's name."""
    cursor.execute(
        f"""
        CREATE FUNCTION "{conname}_ins"() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW."{column}" IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM "{table}" WHERE "{target}" = NEW."{column}" FOR KEY SHARE) THEN
                RAISE EXCEPTION 'insert or update on table "{referencing}" violates foreign key constraint "{conname}"'
                    USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{conname}', TABLE = '{referencing}';
            END IF;
            RETURN NEW;
        END $$
        """
    )
    cursor.execute(
        f'CREATE CONSTRAINT TRIGGER "{conname}" AFTER INSERT OR UPDATE OF "{column}" ON "{referencing}" '
        f'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "{conname}_ins"()'
    )
    cursor.execute(
        f"""
        CREATE FUNCTION "{conname}_del"() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF EXISTS (SELECT 1 FROM "{referencing}" WHERE "{column}" = OLD."{target}") THEN
                RAISE EXCEPTION 'update or delete on table "{table}" violates foreign key constraint "{conname}"'
                    USING ERRCODE = 'foreign_key_violation', CONSTRAINT = '{conname}', TABLE = '{table}';
            END IF;
            RETURN OLD;
        END $$
        """
    )
    cursor.execute(
        f'CREATE CONSTRAINT TRIGGER "{conname}_ref" AFTER DELETE OR UPDATE OF "{target}" ON "{table}" '
        f'DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "{conname}_del"()'
    )
