"""Each indicator's counters on hand-built event logs (docs/architecture.md §3 paths), worked out by hand."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone

import pytest

from gridgov.assessment.facts import COUNTERS, Keys, case_counters
from gridgov.assessment.indicators import from_counters

TZ = timezone(timedelta(hours=8))
T0 = datetime(2026, 11, 2, 9, 0, tzinfo=TZ)


@dataclass
class E:
    action: str
    to_status: str
    data: dict = field(default_factory=dict)
    hours: float = 0  # after T0

    @property
    def at(self):
        return T0 + timedelta(hours=self.hours)


def deadlines(sign_h, resolve_h):
    return {
        "deadlines": {
            "sign_by": (T0 + timedelta(hours=sign_h)).isoformat(),
            "resolve_by": (T0 + timedelta(hours=resolve_h)).isoformat(),
        }
    }


def run(*events):
    return case_counters(events)


def nonzero(c):
    return {k: v for k, v in c.items() if v}


def test_a_plain_case_closed_on_time_and_evaluated():
    c = run(
        E("report", "reported", {"channel": "resident"}),
        E("register", "registered", hours=1),
        E("dispatch", "dispatched", deadlines(3, 48), hours=1),
        E("accept", "in_progress", hours=2),
        E("resolve", "resolved", {"level": "district"}, hours=20),
        E("verify", "verified", {"passed": True}, hours=21),
        E("close", "closed", hours=22),
        E("evaluate", "evaluated", {"satisfaction": "basically_satisfied", "solved": True}, hours=30),
    )
    assert nonzero(c) == {
        "received": 1,
        "registered": 1,
        "closed": 1,
        "closed_on_time": 1,
        "dispatched": 1,
        "sign_due": 1,
        "signed_on_time": 1,
        "evaluated": 1,
        "satisfied": 1,
        "solved": 1,
        "checked": 1,
        "level_district": 1,
    }


def test_late_signing_and_late_resolution_count_against():
    c = run(
        E("report", "reported"),
        E("register", "registered"),
        E("dispatch", "dispatched", deadlines(2, 10)),
        E("accept", "in_progress", hours=5),
        E("resolve", "resolved", {"level": "street"}, hours=11),
        E("verify", "verified", {"passed": True}, hours=12),
        E("close", "closed", hours=12),
    )
    assert (c["sign_due"], c["signed_on_time"]) == (1, 0)
    assert (c["closed"], c["closed_on_time"], c["level_street"]) == (1, 0, 1)
    assert c["evaluated"] == 0


def test_return_then_redispatch_counts_each_dispatch():
    c = run(
        E("report", "reported"),
        E("register", "registered"),
        E("dispatch", "dispatched", deadlines(2, 40)),
        E("return", "registered", {"deadlines": {"sign_by": None, "resolve_by": None}}, hours=1),
        E("dispatch", "dispatched", deadlines(4, 40), hours=2),
        E("accept", "in_progress", hours=3),
    )
    assert (c["dispatched"], c["sign_due"], c["signed_on_time"]) == (1, 2, 1)
    assert c["closed"] == 0


def test_overdue_signing_reported_by_the_sweep_is_due_once():
    c = run(
        E("report", "reported"),
        E("register", "registered"),
        E("dispatch", "dispatched", deadlines(2, 40)),
        E("supervise", "dispatched", {"overdue": "sign:2026-11-02T11:00:00+08:00"}, hours=3),
        E("accept", "in_progress", hours=4),
    )
    assert (c["sign_due"], c["signed_on_time"]) == (1, 0)
    pending = run(E("report", "reported"), E("register", "registered"), E("dispatch", "dispatched", deadlines(2, 40)))
    assert pending["sign_due"] == 0  # not decided yet: neither on time nor late


def test_suspension_moves_the_deadline_that_judges_the_resolution():
    c = run(
        E("report", "reported"),
        E("register", "registered"),
        E("dispatch", "dispatched", deadlines(2, 10)),
        E("accept", "in_progress", hours=1),
        E("suspend", "suspended", {"review_on": "2026-11-05"}, hours=2),
        E("resume", "in_progress", deadlines(2, 100), hours=50),
        E("resolve", "resolved", {"level": "district"}, hours=60),
        E("verify", "verified", {"passed": True}, hours=61),
        E("close", "closed", hours=62),
    )
    assert (c["closed"], c["closed_on_time"]) == (1, 1)


def test_a_granted_extension_is_counted_and_moves_the_deadline():
    c = run(
        E("report", "reported"),
        E("register", "registered"),
        E("dispatch", "dispatched", deadlines(2, 10)),
        E("accept", "in_progress", hours=1),
        E("request_extension", "in_progress", {"days": 2}, hours=5),
        E("grant_extension", "in_progress", {"days": 2, **deadlines(2, 30)}, hours=6),
        E("resolve", "resolved", {"level": "district"}, hours=25),
        E("verify", "verified", {"passed": True}, hours=26),
        E("close", "closed", hours=27),
    )
    assert (c["extended"], c["closed_on_time"]) == (1, 1)
    denied = run(
        E("report", "reported"),
        E("register", "registered"),
        E("dispatch", "dispatched", deadlines(2, 10)),
        E("accept", "in_progress"),
        E("request_extension", "in_progress", {"days": 2}),
        E("deny_extension", "in_progress", {"days": 2}),
    )
    assert denied["extended"] == 0


def test_rework_counts_each_failed_check_and_the_last_resolution_decides():
    c = run(
        E("report", "reported"),
        E("register", "registered"),
        E("dispatch", "dispatched", deadlines(2, 10)),
        E("accept", "in_progress", hours=1),
        E("resolve", "resolved", {"level": "district"}, hours=2),
        E("verify", "in_progress", {"passed": False}, hours=3),
        E("resolve", "resolved", {"level": "district"}, hours=4),
        E("verify", "in_progress", {"passed": False}, hours=5),
        E("resolve", "resolved", {"level": "district"}, hours=12),
        E("verify", "verified", {"passed": True}, hours=13),
        E("close", "closed", hours=13),
    )
    assert (c["checked"], c["reworked"], c["reworks"]) == (1, 1, 2)
    assert (c["closed"], c["closed_on_time"]) == (1, 0)  # the accepted fix came after the deadline


def test_rejected_and_merged_cases_are_received_but_never_registered():
    for end in ("rejected", "merged"):
        c = run(E("report", "reported"), E("reject" if end == "rejected" else "merge", end))
        assert nonzero(c) == {"received": 1}


def test_fixed_on_the_spot_is_registered_and_resolved_in_the_grid():
    c = run(
        E("resolve_on_spot", "resolved", {"channel": "patrol"}),
        E("verify", "verified", {"passed": True}, hours=1),
        E("close", "closed", hours=2),
    )
    assert nonzero(c) == {
        "received": 1,
        "registered": 1,
        "closed": 1,
        "closed_on_time": 1,
        "checked": 1,
        "on_spot": 1,
        "patrol_found": 1,
        "level_grid": 1,
    }


def test_reopened_case_counts_once_and_by_its_latest_evaluation():
    first = [
        E("report", "reported"),
        E("register", "registered"),
        E("dispatch", "dispatched", deadlines(2, 50)),
        E("accept", "in_progress", hours=1),
        E("resolve", "resolved", {"level": "community"}, hours=2),
        E("verify", "verified", {"passed": True}, hours=3),
        E("close", "closed", hours=4),
        E("evaluate", "evaluated", {"satisfaction": "dissatisfied", "solved": False}, hours=5),
    ]
    c = run(*first)
    assert (c["closed"], c["evaluated"], c["satisfied"], c["solved"]) == (1, 1, 0, 0)
    reopened = run(*first, E("reopen", "registered", {"deadlines": {"sign_by": None, "resolve_by": None}}, hours=6))
    assert (reopened["registered"], reopened["closed"], reopened["evaluated"], reopened["level_community"]) == (
        1,
        0,
        0,
        0,
    )
    again = run(
        *first,
        E("reopen", "registered", hours=6),
        E("dispatch", "dispatched", deadlines(8, 60), hours=7),
        E("accept", "in_progress", hours=8),
        E("resolve", "resolved", {"level": "street"}, hours=9),
        E("verify", "verified", {"passed": True}, hours=10),
        E("close", "closed", hours=11),
        E("evaluate", "evaluated", {"satisfaction": "satisfied", "solved": True}, hours=12),
    )
    assert (again["received"], again["registered"], again["closed"], again["evaluated"], again["satisfied"]) == (
        1,
        1,
        1,
        1,
        1,
    )
    assert (again["level_street"], again["level_community"], again["sign_due"], again["signed_on_time"]) == (1, 0, 2, 2)


def test_rates_are_exact_fractions_and_null_without_a_denominator():
    c = dict.fromkeys(COUNTERS, 0)
    out = from_counters(c)
    assert out["closure_rate"] is None and out["resolved_at_level"]["grid"] is None
    c.update(registered=647, closed=642, received=650)
    out = from_counters(c)
    assert out["closure_rate"] == 642 / 647 and out["fractions"]["closure_rate"] == [642, 647]
    assert f"{out['closure_rate'] * 100:.4f}".startswith("99.22")


@pytest.mark.parametrize(
    "grid,rows",
    [
        (
            "410102001002001",
            {
                ("region", "410102", 0),
                ("region", "410102001", 1),
                ("region", "410102001002", 2),
                ("region", "410102001002001", 3),
            },
        ),
    ],
)
def test_keys_sum_a_case_into_every_ancestor(grid, rows):
    keys = Keys(grid=grid, unit="D410102001", person="7", category_root="S01")
    got = set(keys.rows())
    assert rows <= got
    assert ("unit", "D410102001", 0) in got and ("person", "7", 0) in got
    assert {r for r in got if r[0] == "category"} == {
        ("category", "410102:S01", 0),
        ("category", "410102001:S01", 1),
        ("category", "410102001002:S01", 2),
    }
