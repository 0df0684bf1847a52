"""Checking the electronic case file (电子案卷): every case's event chain must hash through, its last
event must cover the case row as it stands, and anchored chain heads (存证) must still be there.

The chain is keyed (HMAC under core.keys.audit_key, kept outside the database), so a copy of the
database is not enough to rewrite it. What the key cannot stop — removing a file's last events and
setting the case's head back — an anchor shows: a signed list of every chain head, written daily to
a folder outside the database (`gridgov audit anchor`, GRIDGOV_ANCHOR_DIR).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.utils import timezone

from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.services.record import (
    EVENT_FIELDS,
    STATE_FIELDS,
    STATE_LOOKUPS,
    event_digest,
    reporter_digest,
    state_digest,
)
from gridgov.core import audit as log
from gridgov.core.keys import audit_key
from gridgov.core.timefmt import iso

CHUNK = 500  # cases per query of their events


@dataclass
class ChainReport:
    cases: int = 0
    events: int = 0
    broken: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.broken

    def as_dict(self) -> dict:
        return {"cases": self.cases, "events": self.events, "ok": self.ok, "broken": self.broken}


def row_state(row: dict) -> dict:
    """services.case_state of a case read with .values(*STATE_FIELDS, *STATE_LOOKUPS.values())."""
    return {**{name: row[name] for name in STATE_FIELDS}, **{k: row[v] for k, v in STATE_LOOKUPS.items()}}


def _digest(number: str, e) -> str:
    fields = {name: getattr(e, name) for name in EVENT_FIELDS}
    return event_digest(number=number, **fields, state=e.state_hash, prev_hash=e.prev_hash)


def _events_by_case(model, case_ids: list[int]) -> dict[int, list]:
    out: dict[int, list] = {pk: [] for pk in case_ids}
    for e in model.objects.filter(case_id__in=case_ids).order_by("case_id", "seq").iterator(chunk_size=2000):
        out[e.case_id].append(e)
    return out


def _chunks(rows, size: int = CHUNK):
    chunk = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _case_rows(model, numbers: list[str] | None = None):
    rows = model.objects.order_by("pk").values(
        "pk",
        "number",
        "last_hash",
        "event_count",
        "reporter_name",
        "reporter_phone",
        *STATE_FIELDS,
        *STATE_LOOKUPS.values(),
    )
    return rows.filter(number__in=numbers) if numbers else rows


def verify_chains(numbers: list[str] | None = None) -> ChainReport:
    """Recompute every hash; a case is broken at the first event whose content, order or link does not
    match, when its head differs from the case's last_hash (an event removed), or when the case row
    differs from the state its last event covers (a field edited after the fact).

    Each event stores the digest of the state it left (state_hash, covered by its hash), so the whole
    file is checked although only the last state is still in the row. Events re-chained by migration
    0005 cover no state (""), except each file's last."""
    report = ChainReport()
    cases = _case_rows(Case, numbers)
    if numbers:
        found = set(cases.values_list("number", flat=True))
        report.broken += [{"number": n, "seq": 0, "problem": "no such case"} for n in numbers if n not in found]
    for chunk in _chunks(cases.iterator(chunk_size=CHUNK)):
        events = _events_by_case(CaseEvent, [c["pk"] for c in chunk])
        for case in chunk:
            report.cases += 1
            report.events += len(events[case["pk"]])
            problem = _check_file(case, events[case["pk"]])
            if problem:
                report.broken.append({"number": case["number"], "seq": problem[0], "problem": problem[1]})
    return report


def _check_file(case: dict, events: list) -> tuple[int, str] | None:
    prev, expected_seq, last = "", 1, None
    for e in events:
        if e.seq != expected_seq:
            return e.seq, f"event {expected_seq} is missing"
        if e.prev_hash != prev:
            return e.seq, "link to the previous event does not match"
        if e.hash != _digest(case["number"], e):
            return e.seq, "content does not match its hash (edited after the fact, or chained with another key)"
        prev, expected_seq, last = e.hash, expected_seq + 1, e
    if prev != case["last_hash"] or expected_seq - 1 != case["event_count"]:
        return expected_seq, "the file ends before the case's last recorded event (events removed)"
    if last is None:
        return None
    if last.to_status != case["status"]:
        return last.seq, f"the case says {case['status']} but its file ends at {last.to_status}"
    if last.state_hash != state_digest(row_state(case)):
        return last.seq, "the case row differs from the state its last event recorded (edited after the fact)"
    # contact data is covered through its digest only, so that erasing it after the retention period
    # (both fields emptied) keeps the file whole; while it is kept, it must still give that digest
    if (case["reporter_name"] or case["reporter_phone"]) and reporter_digest(
        case["reporter_name"], case["reporter_phone"]
    ) != case["reporter_digest"]:
        return last.seq, "the reporter's contact data differs from the digest the case file covers (edited)"
    return None


# ---- re-chaining (migration 0005) -----------------------------------------------------------------


def legacy_digest(number: str, e) -> str:
    """The unkeyed SHA-256 chain written before issue 10, to check a file before re-signing it."""
    body = json.dumps(
        {
            "number": number,
            "seq": e.seq,
            "action": e.action,
            "actor": e.actor_label,
            "role": e.actor_role,
            "from": e.from_status,
            "to": e.to_status,
            "unit": e.unit,
            "note": e.note,
            "data": e.data,
            "at": iso(e.at),
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256((e.prev_hash + body).encode()).hexdigest()


def legacy_intact(case: dict, events: list) -> bool:
    prev = ""
    for seq, e in enumerate(events, start=1):
        if e.seq != seq or e.prev_hash != prev or e.hash != legacy_digest(case["number"], e):
            return False
        prev = e.hash
    return prev == case["last_hash"] and len(events) == case["event_count"]


def _update(model, fields: list[str], objs: list) -> None:
    """One UPDATE a row, sent as a batch (bulk_update's CASE expressions are far slower here)."""
    if not objs:
        return
    from django.db import connection

    q = connection.ops.quote_name
    sets = ", ".join(f"{q(model._meta.get_field(f).column)} = %s" for f in fields)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {q(model._meta.db_table)} SET {sets} WHERE {q(model._meta.pk.column)} = %s",
            [[getattr(o, f) for f in fields] + [o.pk] for o in objs],
        )


@dataclass
class Rechained:
    cases: int = 0
    events: int = 0
    skipped: list[str] = field(default_factory=list)  # files whose old chain was broken already


def rechain(*, Case=Case, CaseEvent=CaseEvent, legacy: bool = False) -> Rechained:
    """Sign every case file again under the keyed digest, in batches of CHUNK cases: earlier events
    cover no state (theirs is not known any more), the last one covers the case row as it stands.

    With `legacy`, a file is re-signed only if its old unkeyed chain verifies; the others are left as
    they are (and so keep failing `audit verify`). The models may be a migration's historical ones."""
    done = Rechained()
    for chunk in _chunks(_case_rows(Case).iterator(chunk_size=CHUNK)):
        events = _events_by_case(CaseEvent, [c["pk"] for c in chunk])
        changed_events, changed_cases = [], []
        for case in chunk:
            file = events[case["pk"]]
            if legacy and not legacy_intact(case, file):
                done.skipped.append(case["number"])
                continue
            prev = ""
            for i, e in enumerate(file):
                e.state_hash = state_digest(row_state(case)) if i == len(file) - 1 else ""
                e.prev_hash = prev
                e.hash = prev = _digest(case["number"], e)
            changed_events += file
            changed_cases.append(Case(pk=case["pk"], last_hash=prev))  # only pk and last_hash are read
            done.cases, done.events = done.cases + 1, done.events + len(file)
        _update(CaseEvent, ["state_hash", "prev_hash", "hash"], changed_events)
        _update(Case, ["last_hash"], changed_cases)
    if done.skipped:
        print(
            f"\n  {len(done.skipped)} case file(s) failed their old hash chain and were not re-chained: "
            f"{', '.join(done.skipped[:20])}{' …' if len(done.skipped) > 20 else ''}"
        )
    return done


# ---- anchors (存证) ---------------------------------------------------------------------------------

ANCHOR_FORMAT = "gridgov-audit-anchor/1"


class AnchorError(Exception):
    """An anchor file that cannot be trusted: unreadable, not an anchor, or its signature fails."""


def _sign(body: dict) -> str:
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hmac.new(audit_key(), f"anchor\x1f{text}".encode(), hashlib.sha256).hexdigest()


def make_anchor(now: datetime | None = None) -> dict:
    """Every case's chain head (number, event_count, last_hash) and the audit log's, signed with the
    audit key. ~100 bytes a case."""
    heads = Case.objects.order_by("number").values_list("number", "event_count", "last_hash")
    body = {
        "format": ANCHOR_FORMAT,
        "made_at": iso(now or timezone.now()),
        "cases": [list(h) for h in heads.iterator(chunk_size=5000)],
        "audit_log": log.log_head(),
    }
    return {**body, "signature": _sign(body)}


def anchor_dir() -> Path:
    return Path(getattr(settings, "GRIDGOV_ANCHOR_DIR", "") or Path(settings.PROJECT_DIR) / "var" / "anchors")


def write_anchor(folder: Path | str | None = None, *, now: datetime | None = None, daily: bool = False) -> Path | None:
    """Write an anchor to `folder` (GRIDGOV_ANCHOR_DIR by default) as anchor-YYYY-MM-DD.json. An anchor
    is never overwritten (it is the evidence): a second one that day gets the time in its name, or,
    with `daily` (the periodic task), is not written (None)."""
    now = now or timezone.now()
    folder = Path(folder) if folder else anchor_dir()
    folder.mkdir(parents=True, exist_ok=True)
    local = timezone.localtime(now)
    path = folder / f"anchor-{local:%Y-%m-%d}.json"
    if path.exists():
        if daily:
            return None
        path = folder / f"anchor-{local:%Y-%m-%dT%H%M%S}.json"
    text = json.dumps(make_anchor(now), ensure_ascii=False, separators=(",", ":"))
    partial = path.with_suffix(".part")
    partial.write_text(text, encoding="utf-8")
    os.replace(partial, path)
    return path


def read_anchor(path: Path | str) -> dict:
    """An anchor file whose signature holds; AnchorError otherwise."""
    try:
        anchor = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise AnchorError(f"{path}: cannot be read as an anchor ({exc})") from exc
    if not isinstance(anchor, dict) or anchor.get("format") != ANCHOR_FORMAT:
        raise AnchorError(f"{path}: not a gridgov audit anchor")
    body = {k: v for k, v in anchor.items() if k != "signature"}
    if not hmac.compare_digest(str(anchor.get("signature", "")), _sign(body)):
        raise AnchorError(f"{path}: the signature does not match (the file was altered, or signed with another key)")
    return anchor


def check_anchor(anchor: dict, numbers: list[str] | None = None) -> list[dict]:
    """What no longer matches a (signature-checked) anchor: every anchored head must still be in its
    chain — the event at that seq with that hash — and the anchored audit log entry still there."""
    made = anchor.get("made_at")
    heads = [h for h in anchor["cases"] if not numbers or h[0] in numbers]
    broken = []
    for chunk in _chunks(heads, 2000):
        found: dict[tuple[str, int], str] = {}
        present = set(Case.objects.filter(number__in=[h[0] for h in chunk]).values_list("number", flat=True))
        wanted = {(n, seq) for n, seq, _ in chunk}
        rows = CaseEvent.objects.filter(case__number__in=present).values_list("case__number", "seq", "hash")
        for number, seq, digest in rows.iterator(chunk_size=5000):
            if (number, seq) in wanted:
                found[number, seq] = digest
        for number, seq, digest in chunk:
            if number not in present:
                problem = f"the case anchored on {made} is gone"
            elif seq and (number, seq) not in found:
                problem = f"event {seq}, the head anchored on {made}, is missing (events removed)"
            elif seq and found[number, seq] != digest:
                problem = f"event {seq} differs from the head anchored on {made} (the file was rewritten)"
            else:
                continue
            broken.append({"number": number, "seq": seq, "problem": problem})
    head = anchor.get("audit_log") or {}
    if head.get("last_id") is not None and not numbers:
        from gridgov.core.models import AuditEvent

        now = AuditEvent.objects.filter(pk=head["last_id"]).values_list("hash", flat=True).first()
        if now is None:
            broken.append({"log_entry": head["last_id"], "problem": f"the audit log entry anchored on {made} is gone"})
        elif now != head["hash"]:
            broken.append(
                {"log_entry": head["last_id"], "problem": f"the audit log entry anchored on {made} was rewritten"}
            )
    return broken
