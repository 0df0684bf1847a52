"""The audit log (审计日志), chained like the case files: each entry's hash is an HMAC under the audit
key (core.keys, not in the database) over its content and the previous entry's hash, so an entry
edited or removed in the database shows in `gridgov audit verify` (the last one through an anchor).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from django.db import connection, transaction

from gridgov.core.keys import audit_key
from gridgov.core.models import AuditEvent

# pg_advisory_xact_lock key ("gridlog"): appends to the chain one at a time, so two concurrent
# transactions cannot both link to the same predecessor (a fork). SQLite needs none: its transactions
# are IMMEDIATE (settings), so writers are serialised already.
CHAIN_LOCK = 0x677269646C6F67
BATCH = 2000


def record(
    *, actor=None, action: str, object_type: str, object_id: str = "", data: dict[str, Any] | None = None
) -> AuditEvent:
    """Write one audit event; called by service functions inside their transaction.

    Appending holds the chain's lock until that transaction ends: keep calls near its end. Not on the
    intake path; it is on uploads, failed logins and proofs, token issue and every reveal of personal data.
    """
    # as the JSON column will give it back (tuples become lists, numeric keys strings), for the hash
    data = json.loads(json.dumps(data or {}, ensure_ascii=False))
    with transaction.atomic():
        _lock_chain()
        prev = AuditEvent.objects.order_by("-pk").values_list("hash", flat=True).first() or ""
        entry = AuditEvent.objects.create(
            actor=actor if actor is not None and getattr(actor, "pk", None) else None,
            action=action,
            object_type=object_type,
            object_id=str(object_id),
            data=data,
            prev_hash=prev,
        )
        # the id and time exist only once the row is written: the hash follows in the same transaction
        entry.hash = entry_digest(_fields(entry))
        AuditEvent.objects.filter(pk=entry.pk).update(hash=entry.hash)
    return entry


def _lock_chain() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK])


FIELDS = ("id", "at", "actor_id", "action", "object_type", "object_id", "data", "prev_hash")


def _fields(entry) -> dict:
    return {name: getattr(entry, name) for name in FIELDS}


def entry_digest(row: dict) -> str:
    """HMAC-SHA256 under the audit key of one entry (its FIELDS, as a dict) and its predecessor's hash."""
    body = json.dumps(
        {
            "id": row["id"],
            "at": row["at"].astimezone(UTC).isoformat(),
            "actor": row["actor_id"],
            "action": row["action"],
            "type": row["object_type"],
            "object": row["object_id"],
            "data": row["data"],
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hmac.new(
        audit_key(), "\x1f".join(("audit-log", row["prev_hash"], body)).encode(), hashlib.sha256
    ).hexdigest()


@dataclass
class LogReport:
    entries: int = 0
    head: dict | None = None  # {"id", "hash"} of the last entry
    broken: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken

    def as_dict(self) -> dict:
        return {"entries": self.entries, "ok": self.ok, "broken": self.broken}


MAX_REPORTED = 100


def verify_log() -> LogReport:
    """Recompute every entry's hash and link. An edited entry fails its own hash; a removed one breaks
    the link of the entry after it (a removed last entry shows only against an anchor)."""
    report = LogReport()
    prev: str | None = None
    rows = AuditEvent.objects.order_by("pk").values(*FIELDS, "hash")
    for row in rows.iterator(chunk_size=BATCH):
        report.entries += 1
        problem = None
        if row["hash"] != entry_digest(row):
            problem = "content does not match its hash (edited after the fact"
            problem += ", or its actor's account was deleted)" if row["actor_id"] is None else ")"
        elif prev is not None and row["prev_hash"] != prev:
            problem = "link to the previous entry does not match (entries removed or reordered)"
        elif prev is None and row["prev_hash"]:
            problem = "the log starts after a removed entry"
        if problem and len(report.broken) < MAX_REPORTED:
            report.broken.append({"id": row["id"], "problem": problem})
        prev = row["hash"]
        report.head = {"id": row["id"], "hash": row["hash"]}
    return report


def log_head() -> dict:
    """What an anchor keeps of the log: its length and last entry."""
    last = AuditEvent.objects.order_by("-pk").values("id", "hash").first()
    return {
        "entries": AuditEvent.objects.count(),
        "last_id": last["id"] if last else None,
        "hash": last["hash"] if last else "",
    }


def chain_entries(model=AuditEvent) -> int:
    """(Re)chain every entry in id order (migration core 0005: entries written before the chain)."""
    prev, batch, done = "", [], 0
    for entry in (
        model.objects.order_by("pk")
        .only(*[f for f in FIELDS if f != "actor_id"], "actor", "hash")
        .iterator(chunk_size=BATCH)
    ):
        entry.prev_hash = prev
        entry.hash = prev = entry_digest(_fields(entry))
        batch.append(entry)
        if len(batch) >= BATCH:
            model.objects.bulk_update(batch, ["prev_hash", "hash"])
            done, batch = done + len(batch), []
    model.objects.bulk_update(batch, ["prev_hash", "hash"])
    return done + len(batch)
