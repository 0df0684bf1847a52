"""Rotating the personal-data key (数据密钥轮换): every encrypted column re-encrypted from the old key to the new.

The columns are found through the model registry: every concrete EncryptedTextField of every installed model
(registry residents and organisations, cases' reporters, idempotency keys, party members … whatever comes
next). The new key is GRIDGOV_DATA_KEY, the old one GRIDGOV_DATA_KEY_OLD (or given); keyed digests stay under
GRIDGOV_DIGEST_KEY, which must be set (to the key they were made with) before the data key changes.

Two passes. The first reads every value and decrypts it, under the new key (rotated already: a resumed run
skips it) or the old one, and writes nothing; one value that opens under neither stops everything here,
before a single write. The second re-encrypts, one batch a transaction (rows locked, each value decrypted
again before it is written), so an interrupted run is resumed by running it again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.apps import apps
from django.db import connection, transaction
from django.db.models import Model

from gridgov.core import audit
from gridgov.core.crypto import DecryptionError, EncryptedTextField, decrypt_with
from gridgov.core.keys import data_key, digest_key, old_data_key

BATCH = 500


class RotationError(Exception):
    """The rotation cannot start or go on; nothing of the failed pass was written."""


class Unreadable(RotationError):
    """A stored value opens under neither key."""


FIX = "Find the key it was written under, or blank that value (docs/security.md), then run again."


@dataclass
class Table:
    """One model's encrypted columns."""

    model: type[Model]
    fields: list[str]

    @property
    def label(self) -> str:
        return self.model._meta.label


@dataclass
class Report:
    """Per model and column: values under the old key (to rotate), under the new key already, empty."""

    counts: dict[str, Counter] = field(default_factory=dict)
    written_rows: int = 0

    def as_dict(self) -> dict:
        return {"columns": {k: dict(v) for k, v in sorted(self.counts.items())}, "rows_written": self.written_rows}


def encrypted_tables() -> list[Table]:
    """Every installed model with an encrypted column (proxies and unmanaged models share or lack a table)."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        names = [f.attname for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if names:
            found.append(Table(model, names))
    return sorted(found, key=lambda t: t.label)


def _raw_rows(table: Table, after, *, lock: bool, batch: int) -> list[tuple]:
    """The next batch of (pk, stored values…) as they are in the database, not decrypted."""
    meta, q = table.model._meta, connection.ops.quote_name
    columns = ", ".join(q(meta.get_field(name).column) for name in table.fields)
    pk = q(meta.pk.column)
    sql = f"SELECT {pk}, {columns} FROM {q(meta.db_table)}"
    params: list = []
    if after is not None:
        sql += f" WHERE {pk} > %s"
        params.append(after)
    sql += f" ORDER BY {pk} LIMIT {int(batch)}"
    if lock and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def _batches(table: Table, *, lock: bool, batch: int) -> Iterator[list[tuple]]:
    after = None
    while rows := _raw_rows(table, after, lock=lock, batch=batch):
        yield rows
        after = rows[-1][0]


def _open(table: Table, pk, name: str, stored: str, old: bytes, new: bytes) -> tuple[str, str]:
    """("old"|"new"|"empty", plaintext) of one stored value; RotationError naming it when no key opens it."""
    if not stored:
        return "empty", ""
    try:
        return "new", decrypt_with(stored, new)
    except DecryptionError:
        pass
    try:
        return "old", decrypt_with(stored, old)
    except DecryptionError:
        raise Unreadable(f"{table.label}.{name} of row {pk} decrypts under neither the old nor the new key") from None


def _keys(old: bytes | None) -> tuple[bytes, bytes]:
    new, old = data_key(), old or old_data_key()
    if old is None:
        raise RotationError("no old key: set GRIDGOV_DATA_KEY_OLD (or give --old-key-env) to the key being replaced")
    if old == new:
        raise RotationError("the old key and GRIDGOV_DATA_KEY are the same key: set the new key first")
    if digest_key() == new:  # unset (it follows the data key), or set to the new key: digests were never made so
        raise RotationError(
            "set GRIDGOV_DIGEST_KEY to the key the keyed digests were made with (the old data key on a first "
            "rotation) before rotating: otherwise searches, tracking codes and the case chains stop matching"
        )
    return old, new


def check(*, old: bytes | None = None, batch: int = BATCH) -> Report:
    """The first pass: every value opened, nothing written; the counts of a dry run."""
    old_key, new_key = _keys(old)
    report = Report()
    try:
        _count(report, old_key, new_key, batch)
    except Unreadable as exc:
        raise RotationError(f"{exc}: nothing was written. {FIX}") from None
    return report


def _count(report: Report, old_key: bytes, new_key: bytes, batch: int) -> None:
    for table in encrypted_tables():
        for name in table.fields:
            report.counts[f"{table.label}.{name}"] = Counter({"old": 0, "new": 0, "empty": 0})
        for rows in _batches(table, lock=False, batch=batch):
            for pk, *values in rows:
                for name, stored in zip(table.fields, values, strict=True):
                    report.counts[f"{table.label}.{name}"][_open(table, pk, name, stored, old_key, new_key)[0]] += 1


def rotate(*, old: bytes | None = None, batch: int = BATCH, source: str = "") -> Report:
    """Check everything (`check`), then re-encrypt what is under the old key, a batch a transaction; one audit
    event with the counts when it is done."""
    report = check(old=old, batch=batch)
    old_key, new_key = _keys(old)
    try:
        _rewrite(report, old_key, new_key, batch)
    except Unreadable as exc:  # written meanwhile by a process with a third key
        raise RotationError(f"{exc}: its batch was rolled back, the batches before it are done. {FIX}") from None
    audit.record(
        action="personal_data.rotate_key", object_type="data_key", data={"source": source[:200], **report.as_dict()}
    )
    return report


def _rewrite(report: Report, old_key: bytes, new_key: bytes, batch: int) -> None:
    for table in encrypted_tables():
        after = None
        while True:
            with transaction.atomic():
                rows = _raw_rows(table, after, lock=True, batch=batch)
                if not rows:
                    break
                changed = []
                for pk, *values in rows:
                    opened = [
                        _open(table, pk, n, v, old_key, new_key) for n, v in zip(table.fields, values, strict=True)
                    ]
                    if any(state == "old" for state, _ in opened):
                        # every column of the row written again: the field encrypts under GRIDGOV_DATA_KEY
                        changed.append(
                            table.model(pk=pk, **{n: p for n, (_, p) in zip(table.fields, opened, strict=True)})
                        )
                table.model._base_manager.bulk_update(changed, table.fields)
                report.written_rows += len(changed)
            after = rows[-1][0]
