"""Race-safe numbering (编号): the next value of a named counter row, locked until commit.

An app keeps its counters in its own table — a model with a `key` primary key and a `last` number, like
mediation's and deputies' `Counter` — and asks here for the next value; two transactions never get the same
one (the UPDATE locks the row; a first use creates it, and a lost race bumps the row the other one made).
"""

from __future__ import annotations

from django.db import IntegrityError, connection, models, transaction
from django.utils.translation import gettext

from gridgov.core.errors import Conflict


def next_value(counter: type[models.Model], key: str) -> int:
    """The next value of `key` in the `counter` table (1 for a new key); the row stays locked until commit."""
    quote = connection.ops.quote_name
    table, last, pk = quote(counter._meta.db_table), quote("last"), quote("key")
    for _ in range(2):
        # one statement: UPDATE … RETURNING (PostgreSQL, SQLite ≥ 3.35) instead of an UPDATE and a SELECT
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {last} = {last} + 1 WHERE {pk} = %s RETURNING {last}", [key])
            row = cursor.fetchone()
        if row:
            return int(row[0])
        try:
            with transaction.atomic():
                counter._default_manager.create(key=key, last=1)
            return 1
        except IntegrityError:  # another process created the row first: bump it
            continue
    raise Conflict(gettext("the numbering is busy: try again"))
