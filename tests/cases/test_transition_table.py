"""The table of the closed loop (docs/architecture.md §3), exhaustively: every action × every status × every role.

For each path in `helpers.PATHS` (a fresh case brought to one status through the real services) and
each action of `transitions.TABLE`, every demo account of every role — the ones whose scope covers
the case as the action's relation needs, and, for the roles the action allows, others of the same
role outside that scope — plus an anonymous resident (and the reporter with the tracking code)
tries the action through POST /api/v1/cases/{number}/actions/{action}, each attempt inside a
savepoint that is rolled back.

Expected (helpers.expected_status): role in the table and scope covering the relation, and status
among the sources (plus the extra rules: a pending request for grant/deny, a second extension by the
platform above, reopen only once and only after 不满意, verify not by the resolver) → 200 and exactly
one new CaseEvent with the right content; otherwise 404 (the case is out of the actor's sight: the
answer an unknown number gets) / 403 (role or scope, on a case they can read) / 409 (state) /
401 (no token), and nothing changes: the whole case row, its events, and every other event.
"""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from gridgov.cases import services
from gridgov.cases.models import CaseEvent, Status
from gridgov.cases.transitions import OPEN_STATUSES, TABLE
from gridgov.core.errors import GridgovError
from gridgov.people.actors import Actor
from gridgov.people.models import Post, Role

from . import helpers as h

# ---- the table as docs/architecture.md §3 writes it (an independent copy: the product's TABLE must agree) -----

LEAD = {"department_handler", "grid_worker", "grid_leader"}
GRID_STAFF = {"grid_worker", "grid_leader"}
OPEN = {"reported", "registered", "dispatched", "in_progress", "suspended", "resolved", "verified"}
DESIGN_TABLE = {  # action: (from, to (None: unchanged), roles, relation)
    "register": ({"reported"}, "registered", {"dispatcher"}, "platform"),
    "reject": ({"reported"}, "rejected", {"dispatcher"}, "platform"),
    "merge": ({"reported"}, "merged", {"dispatcher"}, "platform"),
    "dispatch": ({"registered"}, "dispatched", {"dispatcher"}, "platform"),
    "accept": ({"dispatched"}, "in_progress", LEAD, "lead_unit"),
    "return": ({"dispatched"}, "registered", LEAD, "lead_unit"),
    "escalate": ({"in_progress"}, "registered", GRID_STAFF, "lead_unit"),
    "request_extension": ({"in_progress"}, None, LEAD, "lead_unit"),
    "grant_extension": ({"in_progress"}, None, {"dispatcher"}, "platform"),
    "deny_extension": ({"in_progress"}, None, {"dispatcher"}, "platform"),
    "suspend": ({"in_progress"}, "suspended", {"dispatcher"}, "platform"),
    "resume": ({"suspended"}, "in_progress", {"dispatcher"}, "platform"),
    "supervise": (OPEN, None, {"supervisor", "leader", "dispatcher"}, "case_grid"),
    "resolve": ({"in_progress"}, "resolved", LEAD, "lead_unit"),
    "verify": ({"resolved"}, "verified", GRID_STAFF, "case_grid"),
    "close": ({"verified"}, "closed", {"dispatcher"}, "platform"),
    "evaluate": ({"closed"}, "evaluated", {"dispatcher"}, "platform"),
    "reopen": ({"evaluated"}, "registered", {"dispatcher"}, "platform"),
}


def test_table_is_the_one_in_the_design():
    assert set(TABLE) == set(DESIGN_TABLE)
    assert set(OPEN_STATUSES) == OPEN
    for action, (sources, target, roles, relation) in DESIGN_TABLE.items():
        t = TABLE[action]
        assert (set(t.sources), t.target, set(t.roles), t.relation) == (sources, target, roles, relation), action
        assert set(t.sources) <= set(Status.values) and (t.target is None or t.target in Status.values)
        assert set(t.roles) <= set(Role.values)


def test_paths_reach_every_status():
    assert set(h.PATH_STATUS.values()) == set(Status.values)
    assert set(h.PATH_STATUS) == set(h.PATHS)


# ---- the matrix ------------------------------------------------------------------------------------

# action variants: id → (action, body); "<master>" and "<review_on>" are filled in per case
VARIANTS: dict[str, tuple[str, dict]] = {
    "register": ("register", {"complexity": "general", "note": "属实，立案"}),
    "reject": ("reject", {"reason": "不属于受理范围"}),
    "merge": ("merge", {"into": "<master>"}),
    "dispatch-unit": ("dispatch", {"unit": h.UNIT}),
    "dispatch-grid": ("dispatch", {"unit": h.GRID}),
    "accept": ("accept", {}),
    "return": ("return", {"reason": "不属于本单位职责"}),
    "escalate": ("escalate", {"note": "网格无力解决"}),
    "request_extension": ("request_extension", {"days": 5, "reason": "需要协调"}),
    "grant_extension": ("grant_extension", {}),
    "deny_extension": ("deny_extension", {"reason": "理由不充分"}),
    "suspend": ("suspend", {"reason": "等待资金", "review_on": "<review_on>"}),
    "resume": ("resume", {}),
    "supervise": ("supervise", {"note": "请加快办理"}),
    "resolve": ("resolve", {"result": "已处理完毕", "photos": []}),
    "verify-passed": ("verify", {"passed": True, "note": "现场核查通过"}),
    "verify-failed": ("verify", {"passed": False, "note": "未修好，返工"}),
    "close": ("close", {"reply": "已办结，感谢您的反映"}),
    "evaluate": ("evaluate", {"satisfaction": "dissatisfied", "solved": False, "note": "回访"}),
    "reopen": ("reopen", {"reason": "群众不满意"}),
}
assert {a for a, _ in VARIANTS.values()} == set(TABLE)


class Who:
    """Per-test caches of the demo accounts' posts, primary keys and API clients."""

    def __init__(self, api):
        self.api, self.clients, self.posts, self.pks = api, {}, {}, {}

    def role(self, username: str) -> str:
        return self.posts_of(username)[0][0]

    def posts_of(self, username: str | None) -> list[tuple[str, str]]:
        if username not in self.posts:
            self.posts[username] = h.posts_of(username)
        return self.posts[username]

    def pk(self, username: str | None) -> int | None:
        if username is None:
            return None
        if username not in self.pks:
            self.pks[username] = h.user(username).pk
        return self.pks[username]

    def client(self, username: str | None):
        if username not in self.clients:
            self.clients[username] = self.api(username)
        return self.clients[username]


def _pool(case) -> list[str]:
    """Demo accounts of every role whose scope covers the case (its grid, its platform, its lead unit),
    and, for the roles in the table, the same roles elsewhere."""
    worker, leader = h.grid_staff(case.grid.code)
    other_community = (
        Post.objects.filter(role="grid_leader", scope__startswith=h.STREET)
        .exclude(scope=h.COMMUNITY)
        .order_by("scope")
        .values_list("scope", flat=True)
        .first()
    )
    inside = [
        h.dispatcher_for(h.STREET),
        "dispatcher",
        f"handler-{h.UNIT}",
        worker,
        leader,
        f"supervisor-{h.STREET}",
        "supervisor",
        "leader",
        f"deputy-{h.STREET}",
        f"mediator-{h.STREET}",
        "admin",
        "auditor",
    ]
    if case.lead_unit and h.unit_actor(case.lead_unit) not in inside:
        inside.append(h.unit_actor(case.lead_unit))
    outside = [
        h.dispatcher_for(h.OTHER_STREET),
        f"handler-{h.OTHER_UNIT}",
        f"worker-{h.SIBLING_GRID}",
        f"worker-{h.OTHER_STREET}001001",
        f"leader-{other_community}",
        f"supervisor-{h.OTHER_STREET}",
    ]
    return list(dict.fromkeys(inside + outside))


def _body(template: dict, made: h.Made) -> dict:
    body = dict(template)
    if body.get("into") == "<master>":
        body["into"] = made.master
    if body.get("review_on") == "<review_on>":
        body["review_on"] = (timezone.localdate() + timedelta(days=30)).isoformat()
    return body


def _attempts(action: str, body: dict, made: h.Made, pool: list[str], who: Who) -> list[h.Attempt]:
    roles = TABLE[action].roles
    attempts = []
    seen_roles: set[str] = set()
    for username in pool:
        role = who.role(username)
        if role not in roles and role in seen_roles:
            continue  # one account is enough for a role the action does not allow
        seen_roles.add(role)
        attempts.append(h.Attempt(action, body, username))
    attempts.append(h.Attempt(action, body, None))  # an anonymous resident: no token
    if action == "evaluate":  # the reporter, with the case's tracking code and with a wrong one
        attempts.append(h.Attempt(action, body, None, tracking=made.tracking_code, tracking_ok=True))
        wrong = "ABCDEFGHJK" if made.tracking_code != "ABCDEFGHJK" else "ABCDEFGHJM"
        attempts.append(h.Attempt(action, body, None, tracking=wrong, tracking_ok=False))
    assert seen_roles == set(Role.values)
    return attempts


def _try(attempt: h.Attempt, made: h.Made, case, before: dict, total: int, who: Who) -> list[str]:
    """One attempt in a savepoint that is rolled back; the problems found."""
    problems = []
    name = (
        attempt.username
        or {None: "anonymous", True: "reporter", False: "wrong tracking code"}[
            attempt.tracking_ok if attempt.tracking is not None else None
        ]
    )
    with transaction.atomic():
        want = h.allowed_statuses(
            attempt, case, via_api=True, posts=who.posts_of(attempt.username), user_pk=who.pk(attempt.username)
        )
        body = dict(attempt.body)
        if attempt.tracking is not None:
            body["tracking_code"] = attempt.tracking
        try:
            response = who.client(attempt.username).act(made.number, attempt.action, body)
            got, text = response.status_code, response.content.decode(errors="replace")[:300]
        except Exception as exc:  # the test client re-raises what the view did not handle: a 500
            response, got, text = None, 500, f"{type(exc).__name__}: {exc}"
        after = h.row(made.number)
        new = list(CaseEvent.objects.filter(case_id=after["id"], seq__gt=before["event_count"]).order_by("seq"))
        if got not in want:
            problems.append(f"{name}: HTTP {got} but the table says {'/'.join(map(str, sorted(want)))} ({text})")
        if got == 200 or new or after != before:
            found = h.check_success(
                attempt.action,
                attempt.body,
                before,
                after,
                new,
                acting_user_pk=who.pk(attempt.username),
                reporter=attempt.username is None,
            )
            if h.event_total() != total + len(new):
                found.append("events were written on another case")
            if response is not None and got == 200 and response.json().get("status") != after["status"]:
                found.append(f"the response says {response.json().get('status')}, the case is {after['status']}")
            if got != 200:
                found.insert(0, f"HTTP {got} but the case changed")
            problems += [f"{name}: {p}" for p in found]
        elif h.event_total() != total:
            problems.append(f"{name}: refused with {got} but events were written elsewhere")
        transaction.set_rollback(True)
    return [f"[{attempt.action} {attempt.body}] {p}" for p in problems]


def _anonymous_perform(action: str, body: dict, made: h.Made, before: dict, total: int) -> list[str]:
    """The services directly, with an anonymous actor: 404 for everything (no post: it can read no
    case, so every number answers as unknown), nothing written."""
    problems = []
    service_body = dict(body)
    if "review_on" in service_body:
        service_body["review_on"] = timezone.localdate() + timedelta(days=30)
    with transaction.atomic():
        try:
            services.perform(action, actor=Actor.anonymous(), number=made.number, **service_body)
            problems.append("succeeded")
        except GridgovError as exc:
            if exc.status != 404:
                problems.append(f"{exc.status} {exc.message}, want 404")
        if h.row(made.number) != before or h.event_total() != total:
            problems.append("changed the case")
        transaction.set_rollback(True)
    return [f"[{action}] perform as an anonymous resident: {p}" for p in problems]


@pytest.fixture
def quiet_requests():
    """Thousands of refusals on purpose: keep django.request's warnings out of the report."""
    logger = logging.getLogger("django.request")
    level = logger.level
    logger.setLevel(logging.ERROR)
    yield
    logger.setLevel(level)


@pytest.mark.once  # on PostgreSQL, test_permission_matrix tries the same table through the API
@pytest.mark.parametrize("path", list(h.PATHS))
def test_every_action_by_every_role(api, spot, quiet_requests, path):
    """One case per path; every action variant by every role, each attempt rolled back."""
    made = h.bring(path)
    case = made.case()
    before, total = h.row(made.number), h.event_total()
    who = Who(api)
    pool = _pool(case)
    for username in [*pool, None]:
        who.client(username)  # tokens outside the savepoints that are rolled back
    problems = []
    for _variant, (action, template) in VARIANTS.items():
        body = _body(template, made)
        for attempt in _attempts(action, body, made, pool, who):
            problems += _try(attempt, made, case, before, total, who)
        problems += _anonymous_perform(action, body, made, before, total)
    assert h.row(made.number) == before, "the savepoints did not roll back"
    assert not problems, f"{path} ({case.status}):\n" + "\n".join(problems)


def test_event_labels_speak_the_readers_language():
    """LABELS are what pages show: Chinese by default — exactly the table's terms (TERMS, the stable
    text stored in notifications) — and English in English; every event of a case file has one."""
    from django.utils import translation

    from gridgov.cases.selectors import PUBLIC_STATUS_WORDS
    from gridgov.cases.transitions import CREATION_ACTIONS, LABELS, TERMS

    assert set(LABELS) == set(TERMS) >= set(TABLE) | set(CREATION_ACTIONS) | {"consult"}
    assert all(TERMS[action] == t.label for action, t in TABLE.items())
    assert {a: str(label) for a, label in LABELS.items()} == TERMS
    with translation.override("en"):
        english = {a: str(label) for a, label in LABELS.items()}
        words = {s: str(w) for s, w in PUBLIC_STATUS_WORDS.items()}
    assert english["verify"] == "Checked" and english["report"] == "Reported"
    assert all(e.isascii() and e != TERMS[a] for a, e in english.items()), english
    assert set(PUBLIC_STATUS_WORDS) == set(Status.values)
    assert all(w.isascii() for w in words.values()) and words["closed"] == "Finished: please rate the result"
    assert str(PUBLIC_STATUS_WORDS["closed"]) == "已办结，请您评价"
