"""The permission matrix as data (src/gridgov/cases/data/permission_matrix.csv, docs/permissions.md),
tried through the API: every role × scope class × action × case state.

One case per state, brought there through the real services (helpers.PATHS) and filed in the matrix's
grid (helpers.GRID, platform helpers.STREET, lead unit helpers.UNIT once dispatched). For each row of
the matrix, the demo account of that role and scope class (ACCOUNTS) sends the action — GET
/api/v1/cases/{number} for "read", POST …/actions/{action} otherwise. The answer must be the matrix's
status; a 200 writes exactly one event with the right content (helpers.check_success) and is rolled
back (a savepoint, only where the matrix expects a change); anything else changes nothing: the whole
case row and the number of events of every case are compared after each attempt. The product's own
rule (services.authorize, selectors.visibility) and the matrix must agree.

The matrix was written from the rules in docs/permissions.md (the oracle tests/cases/helpers.py applies
them too); when a rule changes on purpose, change the data, then run scripts/permission_matrix.py.
"""

from __future__ import annotations

import csv
import logging
from contextlib import nullcontext
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import transaction
from django.db.models import Func, Subquery
from django.utils import timezone

import gridgov.cases
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.transitions import TABLE
from gridgov.people.models import Role
from scripts import permission_matrix

from . import helpers as h

MATRIX_FILE = Path(gridgov.cases.__file__).parent / "data" / "permission_matrix.csv"
ROOT = Path(__file__).resolve().parents[2]
OUTCOMES = {200, 401, 403, 404, 409}

# the matrix's state columns → the path (helpers.PATHS) that prepares a case in that state
STATES = {
    "reported": "reported",
    "registered": "registered",
    "dispatched": "dispatched_unit",
    "in_progress": "in_progress_unit",
    "extension_pending": "extension_pending",
    "in_progress_at_grid": "in_progress_grid",
    "suspended": "suspended",
    "resolved": "resolved_unit",
    "verified": "verified",
    "closed": "closed",
    "evaluated_dissatisfied": "evaluated_dissatisfied",
    "rejected": "rejected",
    "merged": "merged",
}

# (role, scope class) → the demo account that stands so to the matrix's case
ACCOUNTS = {
    ("grid_worker", "own_grid"): f"worker-{h.GRID}",
    ("grid_worker", "other_subtree"): f"worker-{h.SIBLING_GRID}",
    ("grid_leader", "own_subtree"): f"leader-{h.COMMUNITY}",
    ("grid_leader", "other_subtree"): f"leader-{h.STREET}003",
    ("dispatcher", "own_platform"): h.dispatcher_for(h.STREET),
    ("dispatcher", "own_subtree"): h.dispatcher_for(h.DISTRICT),
    ("dispatcher", "other_platform"): h.dispatcher_for(h.OTHER_STREET),
    ("department_handler", "own_unit"): f"handler-{h.UNIT}",
    ("department_handler", "other_unit"): f"handler-{h.OTHER_UNIT}",
    ("deputy", "own_subtree"): f"deputy-{h.STREET}",
    ("deputy", "other_subtree"): f"deputy-{h.OTHER_STREET}",
    ("supervisor", "own_subtree"): f"supervisor-{h.STREET}",
    ("supervisor", "other_subtree"): f"supervisor-{h.OTHER_STREET}",
    ("mediator", "own_subtree"): f"mediator-{h.STREET}",
    ("mediator", "other_subtree"): f"mediator-{h.OTHER_STREET}",
    ("leader", "own_subtree"): "leader",
    ("auditor", "own_subtree"): "auditor",
    ("admin", "own_subtree"): "admin",
    ("anonymous", "none"): None,
}

# one well-formed body per action; "<master>" and "<review_on>" are filled in per case
BODIES = {
    "register": {"complexity": "general", "note": "属实，立案"},
    "reject": {"reason": "不属于受理范围"},
    "merge": {"into": "<master>"},
    "dispatch": {"unit": h.UNIT},
    "accept": {},
    "return": {"reason": "不属于本单位职责"},
    "escalate": {"note": "网格无力解决"},
    "request_extension": {"days": 5, "reason": "需要协调"},
    "grant_extension": {},
    "deny_extension": {"reason": "理由不充分"},
    "suspend": {"reason": "等待资金", "review_on": "<review_on>"},
    "resume": {},
    "supervise": {"note": "请加快办理"},
    "resolve": {"result": "已处理完毕", "photos": []},
    "verify": {"passed": True, "note": "现场核查通过"},
    "close": {"reply": "已办结，感谢您的反映"},
    "evaluate": {"satisfaction": "satisfied", "solved": True, "note": "回访"},
    "reopen": {"reason": "群众不满意"},
}
ACTIONS = ("read", *TABLE)


def load_matrix() -> list[dict]:
    """The matrix's rows: role, scope, action, and one expected status per state."""
    with MATRIX_FILE.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def test_matrix_is_complete():
    rows = load_matrix()
    assert list(rows[0])[:3] == ["role", "scope", "action"] and list(rows[0])[3:] == list(STATES)
    keys = [(r["role"], r["scope"], r["action"]) for r in rows]
    assert len(keys) == len(set(keys)), "a combination is listed twice"
    assert set(keys) == {(role, scope, action) for role, scope in ACCOUNTS for action in ACTIONS}
    assert {role for role, _ in ACCOUNTS} == set(Role.values) | {"anonymous"}
    assert all(int(r[s]) in OUTCOMES for r in rows for s in STATES)
    assert all(int(r[s]) == 401 for r in rows if r["role"] == "anonymous" for s in STATES)
    allowed = {(r["role"], r["action"]) for r in rows if any(r[s] == "200" for s in STATES)}
    for action, t in TABLE.items():  # every action is allowed somewhere, and only to the table's roles
        assert {role for role, a in allowed if a == action} <= set(t.roles), action
        assert any(a == action for _, a in allowed), f"{action} succeeds nowhere in the matrix"


def test_docs_show_the_matrix():
    """docs/permissions.md carries the table as scripts/permission_matrix.py renders it from the data."""
    assert permission_matrix.BLOCK.path == ROOT / "docs" / "permissions.md"
    assert permission_matrix.BLOCK.read() == permission_matrix.render(load_matrix()), (
        "docs/permissions.md is stale: run .venv/bin/python scripts/permission_matrix.py"
    )


@pytest.fixture
def quiet_requests():
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)  # hundreds of refusals on purpose
    yield
    logger.setLevel(level)


def _body(action: str, made: h.Made) -> dict:
    body = dict(BODIES[action])
    if body.get("into") == "<master>":
        body["into"] = made.master
    if body.get("review_on") == "<review_on>":
        body["review_on"] = (timezone.localdate() + timedelta(days=30)).isoformat()
    return body


def _snapshot(number: str) -> dict:
    """The whole case row and the number of events of every case, in one query."""
    every_event = CaseEvent.objects.order_by().values(n=Func("pk", function="COUNT"))
    return Case.objects.filter(number=number).annotate(all_events=Subquery(every_event)).values().get()


@pytest.mark.parametrize("state", list(STATES))
def test_matrix_through_the_api(api, spot, quiet_requests, state):
    made = h.bring(STATES[state])
    before = _snapshot(made.number)
    clients = {username: api(username) for username in ACCOUNTS.values()}  # tokens outside the savepoints
    pks = {username: h.user(username).pk for username in ACCOUNTS.values() if username}
    problems = []
    for row in load_matrix():
        username, action, want = ACCOUNTS[(row["role"], row["scope"])], row["action"], int(row[state])
        who = f"{row['role']}/{row['scope']} {action}"
        # a savepoint only where the matrix expects a change; a refusal must leave everything as it was
        # (checked after each attempt: a change there fails the test, whatever follows)
        with transaction.atomic() if want == 200 and action != "read" else nullcontext():
            if action == "read":
                body, response = {}, clients[username].get(f"/cases/{made.number}")
            else:
                body = _body(action, made)
                response = clients[username].act(made.number, action, body)
            got, after = response.status_code, _snapshot(made.number)
            if got != want:
                problems.append(f"{who}: HTTP {got}, the matrix says {want} ({response.content.decode()[:200]})")
            if got == 200 and action == "read":
                if response.json().get("number") != made.number:
                    problems.append(f"{who}: read another case")
            elif got == 200:
                new = list(CaseEvent.objects.filter(case_id=after["id"], seq__gt=before["event_count"]).order_by("seq"))
                case_before = {k: v for k, v in before.items() if k != "all_events"}
                case_after = {k: v for k, v in after.items() if k != "all_events"}
                found = h.check_success(action, body, case_before, case_after, new, acting_user_pk=pks.get(username))
                if after["all_events"] != before["all_events"] + 1:
                    found.append("events were written on another case")
                problems += [f"{who}: {p}" for p in found]
            if (got != 200 or action == "read") and after != before:
                problems.append(f"{who}: answered {got} but something changed")
            if want == 200 and action != "read":
                transaction.set_rollback(True)
        if problems and _snapshot(made.number) != before:
            break  # the case moved: what follows would not be about this state
    assert not problems, f"{state}:\n" + "\n".join(problems)
    assert _snapshot(made.number) == before, "the savepoints did not roll back"
