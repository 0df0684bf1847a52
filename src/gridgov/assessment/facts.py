"""What one case counts for in the indicators (考核指标的案件事实), worked out from its event log.

`case_counters` is a pure function of the case's event list (and nothing else that changes): the
rollups, the raw computation and the scores all call it, so they cannot disagree on a definition.
The formulas that turn the counters into rates are in indicators.py, documented in docs/indicators.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

COUNTERS = (
    "received",  # every case reported (受理), whatever became of it
    "registered",  # admitted: registered (立案) at least once, or fixed on the spot (就地解决)
    "closed",  # now closed or evaluated (结案): a reopened case counts again only when closed again
    "closed_on_time",  # closed, and the resolution that was accepted came by the resolve deadline then in force
    "dispatched",  # dispatched at least once (派遣)
    "sign_due",  # dispatches whose signing is decided: signed, returned, or reported overdue by the sweep
    "signed_on_time",  # dispatches signed for (签收) by their sign-by time
    "evaluated",  # now evaluated (回访评价): the latest evaluation counts
    "satisfied",  # … as 满意 or 基本满意
    "solved",  # … with the problem solved (解决)
    "checked",  # verified (核查) at least once
    "reworked",  # failed a check at least once (返工)
    "reworks",  # failed checks, every one (for deductions per rework)
    "extended",  # granted an extension at least once (延期)
    "on_spot",  # reported already fixed by a grid worker (就地解决)
    "patrol_found",  # found by grid staff on patrol (巡查发现) rather than reported to them
    "level_grid",  # closed, resolved in the grid
    "level_community",  # … by the community
    "level_street",  # … by the street
    "level_district",  # … by the district platform or its departments
)
CLOSED = {"closed", "evaluated"}
SATISFIED = {"satisfied", "basically_satisfied"}


class EventLike(Protocol):
    action: str
    to_status: str
    data: dict
    at: datetime


def _deadline(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def case_counters(events: Iterable[EventLike]) -> dict[str, int]:
    """The counters of one case from its events in order (seq)."""
    c = dict.fromkeys(COUNTERS, 0)
    c["received"] = 1
    status = ""
    resolve_by: datetime | None = None
    accepted_on_time = False  # the resolution now standing came by its deadline
    level = ""
    pending: dict | None = None  # the dispatch waiting to be signed for
    evaluation: dict = {}
    for e in events:
        data = e.data or {}
        if "deadlines" in data:
            resolve_by = _deadline((data["deadlines"] or {}).get("resolve_by"))
        action = e.action
        if action in ("report", "resolve_on_spot") and data.get("channel") == "patrol":
            c["patrol_found"] = 1
        if action == "resolve_on_spot":
            c["registered"] = c["on_spot"] = 1
            accepted_on_time, level = True, "grid"
        elif action == "register":
            c["registered"] = 1
        elif action == "dispatch":
            c["dispatched"] = 1
            pending = {"sign_by": _deadline((data.get("deadlines") or {}).get("sign_by")), "late": False}
        elif action in ("accept", "return") and pending is not None:
            if not pending["late"]:
                c["sign_due"] += 1
                sign_by = pending["sign_by"]
                c["signed_on_time"] += action == "accept" and (sign_by is None or e.at <= sign_by)
            pending = None
        elif action == "supervise" and str(data.get("overdue", "")).startswith("sign:") and pending is not None:
            if not pending["late"]:
                c["sign_due"] += 1
                pending["late"] = True
        elif action == "grant_extension":
            c["extended"] = 1
        elif action == "resolve":
            accepted_on_time = resolve_by is None or e.at <= resolve_by
            level = data.get("level") or ""
        elif action == "verify":
            c["checked"] = 1
            if not data.get("passed"):
                c["reworked"] = 1
                c["reworks"] += 1
        elif action == "evaluate":
            evaluation = data
        status = e.to_status
    if status in CLOSED:
        c["closed"] = 1
        c["closed_on_time"] = int(accepted_on_time)
        if level:
            c[f"level_{level}"] = 1
    if status == "evaluated":
        c["evaluated"] = 1
        c["satisfied"] = int(evaluation.get("satisfaction") in SATISFIED)
        c["solved"] = int(bool(evaluation.get("solved")))
    return c


@dataclass(frozen=True)
class Keys:
    """Where a case's counters are summed: its grid's chain, its (last) lead unit, its reporter,
    and its top category within the district, street and community."""

    grid: str
    unit: str
    person: str
    category_root: str

    def rows(self) -> list[tuple[str, str, int]]:
        """(kind, code, level) of every rollup row the case adds to."""
        rows = [("region", self.grid[:n], level) for level, n in enumerate((6, 9, 12, 15, 18)) if len(self.grid) >= n]
        if self.unit:
            rows.append(("unit", self.unit, 0))
        if self.person:
            rows.append(("person", self.person, 0))
        if self.category_root:
            rows += [
                ("category", f"{self.grid[:n]}:{self.category_root}", level)
                for level, n in enumerate((6, 9, 12))
                if len(self.grid) >= n
            ]
        return rows
