"""The case file's chain (案卷): what each event's digest covers, and the one way an event is written.

Every write to a case ends in `record_event`: the event is appended to the case's keyed hash chain
and the case saved with its new head in the same transaction; the follow-up work (notifications, the
assessment's indicators) is enqueued to the outbox, run after commit (docs/architecture.md).
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime
from json.encoder import encode_basestring  # type: ignore[attr-defined]  # JSON's own, C when built
from typing import Any, TypedDict, Unpack, cast

from django.utils import timezone

from gridgov.cases import deadlines
from gridgov.cases.models import Case, CaseEvent
from gridgov.core import statements
from gridgov.core.keys import audit_key, keyed_digest, keyed_digests, keyed_hash
from gridgov.core.tasks import enqueue_batched_each
from gridgov.people.actors import Actor, nearest_scope

# What each event's digest covers of the case it leaves (案卷状态): the Case fields that change only
# through events; grid, category and master by their code or number. Left out, because they change
# outside events or are the chain's own bookkeeping: light and light_next_at (the deadline sweep's), version,
# updated_at, event_count, last_hash (the event's seq and time are covered), tracking_hash (re-keyed by
# migration 0006), reporter_name/reporter_phone/reporter_phone_keys (encrypted, and erased after the
# retention period: covered through reporter_digest), and the user links reporter and resolved_by (set
# to null when a user is deleted; the events name who acted).
STATE_FIELDS = (
    "title",
    "description",
    "lon",
    "lat",
    "address",
    "platform",
    "complexity",
    "channel",
    "status",
    "reporter_digest",
    "photos",
    "lead_unit",
    "assisting_units",
    "urgent",
    "dispatched_at",
    "sign_by",
    "resolve_by",
    "accepted_at",
    "clock_start",
    "clock_banked",
    "suspended_at",
    "review_on",
    "pending_extension_days",
    "resolved_at",
    "resolved_level",
    "result",
    "closed_at",
    "satisfaction",
    "solved",
    "return_count",
    "extension_count",
    "rework_count",
    "escalation_count",
    "reopen_count",
    "reported_at",
)
STATE_LOOKUPS = {"grid": "grid__code", "category": "category__code", "master": "master__number"}  # for .values()
_STATE_FLOATS = ("lon", "lat", "clock_banked")


def now(at: datetime | None) -> datetime:
    """`at`, or the present: every service takes `at=` (the simulator and tests set the moment)."""
    return at or timezone.now()


def case_state(case: Case) -> dict:
    """The state of a case as its next event covers it (STATE_FIELDS)."""
    state = {name: getattr(case, name) for name in STATE_FIELDS}
    state.update(
        grid=case.grid.code,
        category=case.category.code if case.category_id else None,
        master=case.master.number if case.master_id else None,
    )
    return state


def canonical(value) -> str:
    """A datetime or date as the digests hold it (Digests digest this text as they digest the value): in
    UTC, so that a digest depends neither on TIME_ZONE nor on the zone a database returns."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"cannot digest {type(value).__name__}")


# json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=canonical), the encoder
# made once: json.dumps builds a new one on every call with these options
_JSON = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=canonical)


def _mac(purpose: str, prev: str, body: dict) -> str:
    # HMAC-SHA256 under the audit key of "purpose␟prev␟JSON" (core.keys.keyed_hash: the key set up once)
    return keyed_hash(audit_key()).hexdigest(f"{purpose}\x1f{prev}\x1f{_JSON.encode(body)}".encode())


def _member(value) -> str:
    # _JSON.encode(value) for one value, the common kinds without the encoder's setup
    kind = type(value)
    if kind is str:
        return encode_basestring(value)
    if value is None:
        return "null"
    if kind is float and math.isfinite(value):
        return float.__repr__(value)
    if kind is datetime:
        return encode_basestring(canonical(value))
    return _JSON.encode(value)


class Digests:
    """_mac(purpose, prev, body) of many bodies with the same keys that share most of their values (a bulk
    import's states and events): the shared members encoded once, and the HMAC fed once with all that comes
    before the first varying one, so that a body costs the encoding of its own values only. The very bytes
    _mac digests (tests/cases/test_digests.py)."""

    def __init__(self, purpose: str, prev: str, shared: dict, varying: tuple[str, ...]):
        if set(shared) & set(varying):
            raise ValueError(f"shared and varying: {sorted(set(shared) & set(varying))}")
        self.keys: list[str] = []  # the varying keys, in the JSON's (sorted) order
        self.texts: list[str] = []  # what comes before each of them
        text = f"{purpose}\x1f{prev}\x1f{{"
        for i, key in enumerate(sorted([*shared, *varying])):
            text += ("," if i else "") + encode_basestring(key) + ":"
            if key in varying:
                self.keys.append(key)
                self.texts.append(text)
                text = ""
            else:
                text += _JSON.encode(shared[key])
        self.tail = text + "}"
        self.base = keyed_hash(audit_key())
        if self.keys:
            self.base = self.base.fed(self.texts[0].encode())
            self.texts[0] = ""

    def __call__(self, values: dict) -> str:
        """The digest of the body that holds `values` (every varying key) and the shared values."""
        parts = []
        for text, key in zip(self.texts, self.keys, strict=True):
            value = values[key]
            parts.append(text + (encode_basestring(value) if type(value) is str else _member(value)))
        parts.append(self.tail)
        return self.base.hexdigest("".join(parts).encode())


def state_digest(state: dict) -> str:
    """HMAC-SHA256 (core.keys.audit_key) of a case state (case_state, or cases.chains' from a row)."""
    return _mac("case-state", "", _floats(state))


def _floats(state: dict) -> dict:
    return {**state, **{k: float(state[k]) for k in _STATE_FLOATS if state.get(k) is not None}}


def state_digests(state: dict, varying: tuple[str, ...]) -> Callable[[dict], str]:
    """state_digest of many states that differ from `state` (a case_state) only in `varying`; the function
    takes those values (a bulk import's cases)."""
    digests = Digests("case-state", "", {k: v for k, v in _floats(state).items() if k not in varying}, varying)
    floats = [k for k in _STATE_FLOATS if k in varying]

    def digest(values: dict) -> str:
        if any(type(values[k]) is not float and values[k] is not None for k in floats):
            values = _floats(values)
        return digests(values)

    return digest


# An event's own fields, as CaseEvent stores them and event_digest takes them (besides the case's number
# and the chain links): record_event writes them, cases.chains reads them back to recompute the hash.
EVENT_FIELDS = (
    "seq",
    "action",
    "actor_label",
    "actor_role",
    "actor_unit",
    "from_status",
    "to_status",
    "unit",
    "note",
    "data",
    "at",
)


class EventContent(TypedDict):
    """What an event's digest covers besides its predecessor's hash (event_digest's arguments)."""

    number: str
    seq: int
    action: str
    actor_label: str
    actor_role: str
    actor_unit: str
    from_status: str
    to_status: str
    unit: str
    note: str
    data: dict
    at: datetime
    state: str


def event_digest(*, prev_hash: str, **content: Unpack[EventContent]) -> str:
    """HMAC-SHA256 under the audit key (not in the database: nobody can recompute the chain from a
    copy of it) over the event's content, the digest of the case state it left (`state`, stored in
    CaseEvent.state_hash) and its predecessor's hash: the tamper-evident case file."""
    return _mac("case-event", prev_hash, _event_body(content))


def event_digests(*, prev_hash: str, varying: tuple[str, ...], **fields) -> Digests:
    """event_digest of many events with the same `prev_hash` and `fields` (event_digest's other arguments)
    that differ only in `varying` (among number, actor_unit, at, state: named alike in the digested body);
    the Digests takes those values (a bulk import's first events)."""
    if not set(varying) <= {"number", "actor_unit", "at", "state"}:
        raise ValueError(f"not varying in bulk: {sorted(varying)}")
    placeholders: dict[str, Any] = dict.fromkeys(varying)  # left out of the shared body
    body = _event_body(cast(EventContent, placeholders | fields))
    return Digests("case-event", prev_hash, {k: v for k, v in body.items() if k not in varying}, varying)


def _event_body(content: EventContent) -> dict:
    c = content
    return {
        "number": c["number"],
        "seq": c["seq"],
        "action": c["action"],
        "actor": c["actor_label"],
        "role": c["actor_role"],
        "actor_unit": c["actor_unit"],
        "from": c["from_status"],
        "to": c["to_status"],
        "unit": c["unit"],
        "note": c["note"],
        "data": c["data"],
        "at": c["at"],
        "state": c["state"],
    }


def record_event(
    case: Case,
    *,
    actor: Actor,
    action: str,
    from_status: str,
    role: str = "",
    unit: str = "",
    note: str = "",
    data: dict | None = None,
    at: datetime,
) -> CaseEvent:
    """Append one event and save the case with it (version, chain head). A new case (no pk yet) is
    inserted here, already holding its head: one write of the case per step, never two."""
    seq = case.event_count + 1
    prev_hash = case.last_hash
    state = state_digest(case_state(case))
    # the event's fields (EVENT_FIELDS), named once: the digest covers exactly what the row stores
    fields = {
        "seq": seq,
        "action": action,
        "actor_label": actor.label,
        "actor_role": role,
        "actor_unit": _actor_unit(actor, role, case),
        "from_status": from_status,
        "to_status": case.status,
        "unit": unit,
        "note": note,
        "data": data or {},
        "at": at,
    }
    digest = event_digest(number=case.number, **fields, state=state, prev_hash=prev_hash)
    case.event_count = seq
    case.last_hash = digest
    case.version += 1
    case.updated_at = at
    case.light = deadlines.case_light(case, at) or ""
    case.light_next_at = deadlines.next_light_change(case, at)  # when the sweep must look again
    # SQL built once (core.statements): a case has about 40 columns and is written on every step
    if case.pk is None:
        statements.insert(case)
    else:
        statements.update(case)
    event = CaseEvent(case=case, actor=actor.user, **fields, state_hash=state, prev_hash=prev_hash, hash=digest)
    statements.insert(event)
    # batched in the outbox, run after commit: one task for every event waiting
    enqueue_batched_each(
        [
            ("gridgov.cases.notify_case_events", "event_ids", event.pk),
            ("gridgov.assessment.refresh_cases", "numbers", case.number),
        ]
    )
    return event


def _actor_unit(actor: Actor, role: str, case: Case) -> str:
    """The actor's own unit or grid in the role they acted in (shown in timelines beside their name):
    the scope of that role nearest to the case, else their first one."""
    return nearest_scope(actor.scopes(role), (case.lead_unit, *case.assisting_units, case.grid.code, case.platform))


# ---- the reporter's proofs and contact data, as stored -------------------------------------------


def tracking_hash(number: str, code: str) -> str:
    """The stored form of a tracking code (查询码): HMAC under the data key (core.keys) of the plain SHA-256
    stored before, so a stolen database cannot be searched for codes, and migration 0006 converted the
    old hashes without knowing the codes."""
    return keyed_digest("tracking", hashlib.sha256(f"{number}:{code.strip().upper()}".encode()).hexdigest())


def tracking_hashes(codes: Iterable[tuple[str, str]]) -> list[str]:
    """tracking_hash(number, code) of each (number, code), the key set up once for all of them."""
    return keyed_digests(
        "tracking", [hashlib.sha256(f"{number}:{code.strip().upper()}".encode()).hexdigest() for number, code in codes]
    )


def reporter_digest(name: str, phone: str) -> str:
    """The keyed digest of a reporter's contact data that the chain covers; "" when there is none."""
    return keyed_digest("reporter", name, phone) if (name or phone) else ""


def reporter_digests(contacts: Iterable[tuple[str, str]]) -> list[str]:
    """reporter_digest(name, phone) of each (name, phone), the key set up once for all of them."""
    contacts = list(contacts)
    digests = iter(keyed_digests("reporter", [f"{name}\x1f{phone}" for name, phone in contacts if name or phone]))
    return [next(digests) if (name or phone) else "" for name, phone in contacts]


def tracking_code_matches(case: Case, code: str | None) -> bool:
    if not code:
        return False
    return secrets.compare_digest(case.tracking_hash, tracking_hash(case.number, code))


def _phone_digits(phone: str | None) -> str:
    return "".join(ch for ch in (phone or "") if ch.isdigit())


def phone_last4_matches(case: Case, last4: str | None) -> bool:
    """Whether `last4` are the last 4 digits of the phone the reporter gave: the other way a reporter
    proves who they are (read out over the phone more easily than a tracking code). Never true for a
    case reported without a phone number. Constant-time, like the tracking code."""
    digits = _phone_digits(case.reporter_phone)
    given = (last4 or "").strip()
    if len(digits) < 4 or len(given) != 4 or not given.isascii() or not given.isdigit():
        return False
    return secrets.compare_digest(digits[-4:], given)
