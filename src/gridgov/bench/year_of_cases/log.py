"""The record keeping of the year-of-cases generator (案件日志): a case's columns as the services
would leave them, the actors, working and clock time, and the event log with its real hash chain.

The hash is services.event_digest written out for speed (the audit key read once); every CHECK_EVERY-th
event is checked against the real function, and the bench runs `audit verify` on a sample at the end.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import accumulate
from typing import TYPE_CHECKING, Any

from gridgov.bench.registry import BenchmarkError
from gridgov.bench.year_of_cases.pools import Pools

CHECK_EVERY = 97  # every so many events, the bench's hash is checked against services.event_digest


class Stop(Exception):
    """The next step would fall after the end of the year: the case stays where it is."""


class Ev:
    """One event as the bench writes it (the columns of cases_caseevent)."""

    __slots__ = (
        "action",
        "actor_id",
        "actor_label",
        "actor_role",
        "at",
        "data",
        "from_status",
        "hash",
        "note",
        "prev_hash",
        "seq",
        "state_hash",
        "to_status",
        "unit",
    )
    action: str
    actor_id: int | None
    actor_label: str
    actor_role: str
    at: datetime
    data: dict
    from_status: str
    hash: str
    note: str
    prev_hash: str
    seq: int
    state_hash: str
    to_status: str
    unit: str


@dataclass
class Who:
    """An actor as the event log names it (user_id None: no account, e.g. a resident)."""

    label: str
    role: str
    user_id: int | None


class CaseState:
    """A case as the services would leave it, built up step by step (the columns of cases_case)."""

    FIELDS = (
        "id",
        "number",
        "tracking_hash",
        "title",
        "description",
        "lon",
        "lat",
        "address",
        "grid_id",
        "platform",
        "category_id",
        "complexity",
        "channel",
        "status",
        "mode",
        "progress_due",
        "reply",
        "replied_at",
        "reporter_id",
        "reporter_name",
        "reporter_phone",
        "reporter_digest",
        "reporter_phone_keys",
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
        "light",
        "light_next_at",
        "pending_extension_days",
        "resolved_at",
        "resolved_by_id",
        "resolved_level",
        "result",
        "closed_at",
        "satisfaction",
        "solved",
        "master_id",
        "return_count",
        "extension_count",
        "rework_count",
        "escalation_count",
        "reopen_count",
        "version",
        "event_count",
        "last_hash",
        "reported_at",
        "updated_at",
    )

    def __init__(self, **kw):
        self.__dict__.update(dict.fromkeys(self.FIELDS))
        self.photos, self.assisting_units = [], []
        self.lead_unit = self.resolved_level = self.result = self.satisfaction = self.light = ""
        self.reporter_name = self.reporter_phone = self.description = self.address = ""
        self.reporter_digest = self.reporter_phone_keys = ""
        self.mode = self.reply = ""
        self.urgent = False
        self.clock_banked = 0.0
        self.return_count = self.extension_count = self.rework_count = self.escalation_count = 0
        self.reopen_count = self.version = self.event_count = 0
        self.last_hash = ""
        self.__dict__.update(kw)
        self.events: list[Ev] = []

    def row(self) -> list:
        return [getattr(self, name) for name in self.FIELDS]

    if TYPE_CHECKING:  # the columns come from FIELDS at run time: to the type checker, any attribute is Any

        def __getattr__(self, name: str) -> Any: ...

        def __setattr__(self, name: str, value: Any) -> None: ...


class CaseLog:
    """The generator's state and bookkeeping; YearOfCases (loop.py) adds the choices along the loop."""

    def __init__(self, pools: Pools, *, seed: int, end: datetime):
        from django.utils import timezone

        from gridgov.cases import deadlines
        from gridgov.cases.phones import search_keys
        from gridgov.cases.services import (
            STATE_FIELDS,
            event_digest,
            reporter_digest,
            resolution_level,
            state_digest,
            tracking_hash,
        )
        from gridgov.core.keys import audit_key
        from gridgov.core.timefmt import iso
        from gridgov.routing import selectors as routing
        from gridgov.sim import parameters as h
        from gridgov.worktime.calendar import add_working_seconds, is_workday

        self.h = h  # the demo simulator's shares along the loop
        self.p = pools
        self.rng = random.Random(seed)
        self.end = end
        self.tz = end.tzinfo
        self.channels = list(h.DAILY_REPORTS)
        self.hours = {ch: list(accumulate(h.CHANNEL_HOURS[ch])) for ch in self.channels}
        self.limits_cache: dict = {}
        self.mode_rules = routing.mode_rules()  # 办理方式 by complexity, read once (routing.ModeRule)
        self.open_recent: list[CaseState] = []  # candidates for merging duplicates into
        self.deadlines, self.digest, self.routing = deadlines, event_digest, routing
        self.state_digest, self.state_fields, self.key = state_digest, STATE_FIELDS, audit_key()
        self.emitted = 0
        if timezone.get_current_timezone() != self.tz or iso(end) != self.iso(end):
            raise BenchmarkError("the bench writes times in the default time zone; deactivate any other")
        self.add_working_seconds, self.is_workday = add_working_seconds, is_workday
        self.level_of = resolution_level
        self.tracking_hash, self.reporter_digest, self.search_keys = tracking_hash, reporter_digest, search_keys

    # -- who ---------------------------------------------------------------------------------------

    def who(self, username: str, role: str) -> Who:
        return Who(username, role, self.p.users.get(username))

    def dispatcher(self, platform: str) -> Who:
        return self.who("dispatcher" if len(platform) == 6 else f"dispatcher-{platform}", "dispatcher")

    def handler(self, unit: str) -> Who:
        if unit.startswith("D"):
            return self.who(f"handler-{unit}", "department_handler")
        if len(unit) >= 15:
            return self.who(f"worker-{unit[:15]}", "grid_worker")
        return self.who(f"leader-{unit}", "grid_leader")

    # -- time --------------------------------------------------------------------------------------

    def work(self, t: datetime, lo: float, hi: float) -> datetime:
        return self.add_working_seconds(t, self.rng.uniform(lo, hi) * 3600)

    def clock(self, t: datetime, lo: float, hi: float) -> datetime:
        return t + timedelta(seconds=self.rng.uniform(lo, hi) * 3600)

    def soon(self, c: CaseState, t: datetime, lo: float, hi: float) -> datetime:
        return self.clock(t, lo / 4, hi / 4) if c.urgent or c.channel == "sensor" else self.work(t, lo, hi)

    def due(self, t: datetime) -> datetime:
        if t > self.end:
            raise Stop
        return t

    # -- the log -----------------------------------------------------------------------------------

    def iso(self, moment: datetime | None) -> str | None:
        """core.timefmt.iso without its per-call look-up of the active time zone (the bench runs in the
        default zone: checked in __init__)."""
        return moment.astimezone(self.tz).isoformat() if moment is not None else None

    def fast_digest(self, e: Ev, number: str) -> str:
        """services.event_digest, written out for speed (the key read once); every CHECK_EVERY-th event
        is checked against the real function, and check_chains() runs `audit verify` on a sample at the
        end (which also checks state_of against the case rows). The bench's events have no actor_unit."""
        body = json.dumps(
            {
                "number": number,
                "seq": e.seq,
                "action": e.action,
                "actor": e.actor_label,
                "role": e.actor_role,
                "actor_unit": "",
                "from": e.from_status,
                "to": e.to_status,
                "unit": e.unit,
                "note": e.note,
                "data": e.data,
                "at": e.at.astimezone(UTC).isoformat(),
                "state": e.state_hash,
            },
            sort_keys=True,
            ensure_ascii=False,
            separators=(",", ":"),
        )
        return hmac.new(self.key, f"case-event\x1f{e.prev_hash}\x1f{body}".encode(), hashlib.sha256).hexdigest()

    def state_of(self, c: CaseState, status: str) -> dict:
        """services.case_state of the case as the event being emitted leaves it."""
        state = {name: getattr(c, name) for name in self.state_fields}
        state.update(
            status=status,
            grid=c.grid,
            category=c.cat.code if c.category_id else None,
            master=getattr(c, "master_number", None),
        )
        return state

    def emit(
        self,
        c: CaseState,
        action: str,
        at: datetime,
        to_status: str,
        who: Who,
        *,
        unit: str = "",
        note: str = "",
        data: dict | None = None,
    ) -> None:
        e = Ev()
        e.seq, e.action, e.at, e.unit, e.note, e.data = c.event_count + 1, action, at, unit, note, data or {}
        e.from_status, e.to_status = c.status or "", to_status
        e.actor_id, e.actor_label, e.actor_role = who.user_id, who.label, who.role
        e.prev_hash = c.last_hash
        e.state_hash = self.state_digest(self.state_of(c, to_status))
        e.hash = self.fast_digest(e, c.number)
        self.emitted += 1
        if self.emitted % CHECK_EVERY == 0:
            real = self.digest(
                number=c.number,
                seq=e.seq,
                action=action,
                actor_label=who.label,
                actor_role=who.role,
                actor_unit="",
                from_status=e.from_status,
                to_status=to_status,
                unit=unit,
                note=note,
                data=e.data,
                at=at,
                state=e.state_hash,
                prev_hash=c.last_hash,
            )
            if real != e.hash:
                raise BenchmarkError("the bench's event hash differs from services.event_digest: update fast_digest")
        c.status, c.last_hash, c.event_count, c.version, c.updated_at = to_status, e.hash, e.seq, e.seq, at
        c.events.append(e)

    def deadline_data(self, c: CaseState) -> dict:
        return {"deadlines": {"sign_by": self.iso(c.sign_by), "resolve_by": self.iso(c.resolve_by)}}

    def clear_clock(self, c: CaseState) -> None:
        c.lead_unit, c.assisting_units = "", []
        c.dispatched_at = c.clock_start = c.sign_by = c.resolve_by = c.accepted_at = None
        c.clock_banked, c.pending_extension_days, c.light = 0.0, None, ""
