"""The closed loop under random use: a hypothesis state machine over the real services and database.

Random sequences of reports (some solved on the spot, some retried with an Idempotency-Key, some
reusing a key for another report), actions with plausible (sometimes invalid) bodies by random
demo accounts of every role, anonymous residents and reporters with their tracking code, a simulated
clock that only moves forward (across weekends, 国庆, 春节 and into 2027, where the holiday library
stops), and deadline sweeps at that clock.

After every step:
- the outcome is the one the table (helpers.expected_status) calls for;
- a success wrote exactly one event on that case and nothing else; a refusal changed nothing at all
  (the whole row, every event, the number of cases); the sweep wrote only automatic 督办 events,
  at most one per case and overdue deadline, and only on red running cases;
- every case is in exactly one known status, the status of its last event, and its file replays the
  table (each event's from_status is the previous event's to_status, each transition allowed);
- counts add up: cases by status sum to the cases, event_count and version follow the events,
  return/rework/extension/escalation/reopen counters equal the events that count them;
- sign_by/resolve_by never move without an event (and an event that records deadlines matches);
- the hash chains verify (chains.verify_chains).
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from gridgov.cases import services
from gridgov.cases.chains import verify_chains
from gridgov.cases.models import Case, CaseEvent, IdempotencyKey, Status
from gridgov.cases.transitions import TABLE
from gridgov.core.errors import GridgovError
from gridgov.core.timefmt import iso
from gridgov.people.actors import Actor

from . import helpers as h

SHANGHAI = ZoneInfo("Asia/Shanghai")
STARTS = [
    datetime(2025, 9, 26, 9, 0, tzinfo=SHANGHAI),  # a Friday before 国庆 (Sunday 9-28 is a make-up workday)
    datetime(2025, 1, 24, 16, 30, tzinfo=SHANGHAI),  # before 春节 2025
    datetime(2026, 12, 30, 17, 45, tzinfo=SHANGHAI),  # into 2027: beyond chinese-calendar, the fallback
    datetime(2025, 6, 6, 11, 50, tzinfo=SHANGHAI),  # a Friday before noon
]
OTHER_STREET_GRID = f"{h.OTHER_STREET}001001"
GRIDS = [h.GRID, h.SIBLING_GRID, OTHER_STREET_GRID]
POOL = [  # every role, inside and outside the grids above
    "dispatcher",
    f"dispatcher-{h.STREET}",
    f"dispatcher-{h.OTHER_STREET}",
    f"handler-{h.UNIT}",
    f"handler-{h.OTHER_UNIT}",
    f"worker-{h.GRID}",
    f"worker-{h.SIBLING_GRID}",
    f"worker-{OTHER_STREET_GRID}",
    f"leader-{h.COMMUNITY}",
    f"leader-{OTHER_STREET_GRID[:12]}",
    "supervisor",
    f"supervisor-{h.STREET}",
    "leader",
    f"deputy-{h.STREET}",
    f"mediator-{h.OTHER_STREET}",
    "admin",
]
REPORTERS = [
    None,
    None,
    f"worker-{h.GRID}",
    "dispatcher",
    f"deputy-{h.STREET}",
    "supervisor",
    "admin",
    f"handler-{h.UNIT}",
]
TITLES = ["井盖缺失", "路灯不亮", "垃圾堆积", "占道经营"]
FORWARD = {  # the main path, with the side exits of each status
    "reported": ["register"] * 6 + ["reject", "merge"],
    "registered": ["dispatch"],
    "dispatched": ["accept", "accept", "accept", "return"],
    "in_progress": ["resolve", "resolve", "resolve", "request_extension", "suspend", "escalate"],
    "suspended": ["resume"],
    "resolved": ["verify"],
    "verified": ["close"],
    "closed": ["evaluate"],
    "evaluated": ["reopen"],
}
STATEFUL = settings(
    max_examples=35,
    stateful_step_count=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)


def _red(row: dict, now: datetime) -> bool:
    """docs/architecture.md §3: red when overdue — the resolve deadline, or the signing one while unsigned."""
    if row["resolve_by"] is None:
        return False
    return now > row["resolve_by"] or (
        row["status"] == "dispatched"
        and row["accepted_at"] is None
        and row["sign_by"] is not None
        and now > row["sign_by"]
    )


def _passed(row: dict, now: datetime) -> list[datetime]:
    """The deadlines of a running case that have passed."""
    passed = [row["resolve_by"]] if row["resolve_by"] is not None and now > row["resolve_by"] else []
    if row["status"] == "dispatched" and row["accepted_at"] is None and row["sign_by"] and now > row["sign_by"]:
        passed.append(row["sign_by"])
    return passed


class ClosedLoop(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()  # every example starts from the bare demo city and is rolled back
        self.clock: datetime | None = None
        self.sweeps_here = 0  # sweeps run at the current clock
        self.cases: dict[str, dict] = {}  # number → {"code", "events", "seen"}
        self.keys: dict[str, tuple[dict, str | None, str, str]] = {}  # key → (kwargs, username, number, code)
        self.events = h.event_total()
        self.case_total = Case.objects.count()
        self._actors: dict[str | None, Actor] = {}
        self._posts: dict[str | None, list] = {}
        self._pks: dict[str | None, int | None] = {}

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # ---- accounts ----------------------------------------------------------------------------------

    def actor(self, username):
        if username not in self._actors:
            self._actors[username] = h.actor(username)
        return self._actors[username]

    def posts(self, username):
        if username not in self._posts:
            self._posts[username] = h.posts_of(username)
        return self._posts[username]

    def pk(self, username):
        if username not in self._pks:
            self._pks[username] = h.user(username).pk if username else None
        return self._pks[username]

    # ---- reports -----------------------------------------------------------------------------------

    def _new_report(self, *, grid, username, on_spot, title, key=None, kwargs=None):
        lon, lat = h.point_in(grid)
        kwargs = kwargs or {
            "title": title,
            "description": "随机上报",
            "lon": lon,
            "lat": lat,
            "reporter_name": "赵六",
            "reporter_phone": "13600001111",
            "address": "建设路12号院门口",
        }
        if on_spot:
            kwargs = {**kwargs, "resolved": {"result": "已就地解决", "photos": []}}
        may = not on_spot or any(
            role == "grid_worker" and h.covers(scope, grid) for role, scope in self.posts(username)
        )
        before_cases, before_events, before_keys = Case.objects.count(), h.event_total(), IdempotencyKey.objects.count()
        try:
            intake = services.report_case(actor=self.actor(username), idempotency_key=key, at=self.clock, **kwargs)
        except GridgovError as exc:
            assert (exc.status, may) == (403, False), f"report refused with {exc.status}: {exc.message}"
            assert (Case.objects.count(), h.event_total(), IdempotencyKey.objects.count()) == (
                before_cases,
                before_events,
                before_keys,
            ), "a refused report left something behind"
            return
        assert may, f"{username} reported a case solved on the spot in grid {grid}"
        assert intake.created and intake.tracking_code
        case = Case.objects.select_related("grid").get(pk=intake.case.pk)
        events = h.events_of(case.number)
        assert Case.objects.count() == before_cases + 1 and h.event_total() == before_events + 1 == self.events + 1
        assert [e.action for e in events] == ["resolve_on_spot" if on_spot else "report"]
        assert case.grid.code == grid and case.platform == grid[:9], (case.grid.code, case.platform)
        assert case.reported_at == self.clock == events[0].at
        assert case.sign_by is None and case.resolve_by is None and case.dispatched_at is None
        if on_spot:
            assert (case.status, case.lead_unit, case.resolved_level, case.resolved_by_id) == (
                "resolved",
                grid,
                "grid",
                self.pk(username),
            )
        else:
            assert case.status == "reported" and not case.lead_unit
        self.events += 1
        self.case_total += 1
        self.cases[case.number] = {"code": intake.tracking_code, "events": 1, "seen": h.row(case.number)}
        if key is not None:
            self.keys[key] = (kwargs, username, case.number, intake.tracking_code)

    @initialize(start=st.sampled_from(STARTS), grids=st.lists(st.sampled_from(GRIDS), min_size=1, max_size=3))
    def begin(self, start, grids):
        self.clock = start
        for i, grid in enumerate(grids):
            self._new_report(grid=grid, username=None, on_spot=False, title=TITLES[i % len(TITLES)])

    @precondition(lambda self: len(self.cases) < 8)
    @rule(data=st.data(), kind=st.sampled_from(["report", "report", "on_spot", "retry"]))
    def intake(self, data, kind):
        """上报 by anyone (sometimes with an Idempotency-Key), 就地解决, or a retry of a keyed report."""
        grid = data.draw(st.sampled_from(GRIDS))
        if kind == "report":
            username, title = data.draw(st.sampled_from(REPORTERS)), data.draw(st.sampled_from(TITLES))
            key = f"key-{len(self.keys)}-{grid}" if data.draw(st.booleans()) else None
            self._new_report(grid=grid, username=username, on_spot=False, title=title, key=key)
        elif kind == "on_spot":  # by the grid's own worker (allowed); another grid's worker, the grid leader,
            # a dispatcher (403)
            who = data.draw(st.sampled_from(["own", "own", "own", "sibling", "leader", "dispatcher"]))
            username = {
                "own": f"worker-{grid}",
                "dispatcher": f"dispatcher-{grid[:9]}",
                "leader": f"leader-{grid[:12]}",
                "sibling": f"worker-{h.SIBLING_GRID if grid != h.SIBLING_GRID else h.GRID}",
            }[who]
            key = f"key-{len(self.keys)}-{grid}" if data.draw(st.booleans()) else None
            self._new_report(grid=grid, username=username, on_spot=True, title="井盖松动", key=key)
        elif self.keys:
            self._retry(data, same=data.draw(st.booleans()))

    def _retry(self, data, same):
        """An intake retried with its Idempotency-Key: the same case (same body) or 409 (another body)."""
        key = data.draw(st.sampled_from(sorted(self.keys)))
        kwargs, username, number, code = self.keys[key]
        body = dict(kwargs) if same else {**kwargs, "title": kwargs["title"] + "（补充）"}
        before = (Case.objects.count(), h.event_total(), h.row(number))
        try:
            intake = services.report_case(actor=self.actor(username), idempotency_key=key, at=self.clock, **body)
        except GridgovError as exc:
            assert not same and exc.status == 409, (same, exc.status, exc.message)
        else:
            assert same, "a key reused for another report was accepted"
            assert (intake.case.number, intake.tracking_code, intake.created) == (number, code, False)
        assert (Case.objects.count(), h.event_total(), h.row(number)) == before, "a retry changed something"

    # ---- actions -----------------------------------------------------------------------------------

    def _fitting_actor(self, data, action, case) -> str | None:
        t = TABLE[action]
        worker, leader = h.grid_staff(case.grid.code)
        if t.relation == "platform":
            options = [h.dispatcher_for(case.platform), "dispatcher"]
        elif t.relation == "lead_unit" and case.lead_unit:
            options = [h.unit_actor(case.lead_unit)]
            if len(case.lead_unit) == 15:
                options.append(f"leader-{case.lead_unit[:12]}")
        elif action == "verify":
            options = [worker, leader]
        elif action == "supervise":
            options = ["supervisor", f"supervisor-{case.grid.code[:9]}", "leader", h.dispatcher_for(case.platform)]
        else:
            options = POOL
        return data.draw(st.sampled_from(options))

    def _body(self, data, action: str, case: Case) -> tuple[dict, bool]:
        """A plausible body for the action, and whether it is well-formed."""
        text = data.draw(st.sampled_from(["请尽快处理", "  说明  ", "处理意见", "情况属实", "", "   "]))
        ok = bool(text.strip())
        today = timezone.localtime(self.clock).date()
        if action == "register":
            category = data.draw(st.sampled_from([None, None, "C0101", "E0402", "ZZ999"]))
            complexity = data.draw(st.sampled_from([None, "simple", "general", "complex", "legacy", "major"]))
            return {"category": category, "complexity": complexity, "note": text}, category != "ZZ999"
        if action == "merge":
            into = data.draw(st.sampled_from([*sorted(self.cases), "20000101000001"]))
            return {"into": into}, into != case.number and into in self.cases
        if action == "dispatch":
            grid = case.grid.code
            unit = data.draw(
                st.sampled_from(
                    [
                        None,
                        h.UNIT,
                        h.UNIT,
                        h.OTHER_UNIT,
                        grid,
                        grid,
                        grid[:12],
                        h.SIBLING_GRID,
                        OTHER_STREET_GRID,
                        "D410102999",
                    ]
                )
            )
            assisting = data.draw(st.sampled_from([None, None, [], [h.OTHER_UNIT], [h.UNIT, grid], ["D410102999"]]))
            valid = (
                unit is None
                or (unit.startswith("D") and unit != "D410102999")
                or (not unit.startswith("D") and h.covers(case.platform, unit))
            )
            return {"unit": unit, "assisting": assisting, "note": text}, valid and assisting != ["D410102999"]
        if action in ("accept", "grant_extension", "resume"):
            return {}, True
        if action == "close":  # 句号管理: the reply to the requester
            return {"reply": text}, ok
        if action in ("reject", "return", "deny_extension", "reopen"):
            return {"reason": text}, ok
        if action in ("escalate", "supervise"):
            return {"note": text}, ok
        if action == "request_extension":
            days = data.draw(st.sampled_from([1, 3, 10, 30, 0, 31]))
            return {"days": days, "reason": text}, ok and 1 <= days <= 30
        if action == "suspend":
            ahead = data.draw(st.sampled_from([1, 7, 45, 0, -1]))
            return {"reason": text, "review_on": today + timedelta(days=ahead)}, ok and ahead >= 1
        if action == "resolve":
            photos = data.draw(st.sampled_from([[], [], ["no-such-photo"]]))
            return {"result": text, "photos": photos}, ok and not photos
        if action == "verify":
            return {"passed": data.draw(st.booleans()), "note": text}, True
        if action == "evaluate":
            satisfaction = data.draw(
                st.sampled_from(["satisfied", "basically_satisfied", "dissatisfied", "dissatisfied", "so-so"])
            )
            return {"satisfaction": satisfaction, "solved": data.draw(st.booleans()), "note": text}, (
                satisfaction != "so-so"
            )
        raise AssertionError(action)

    def _act(self, data):
        minutes = data.draw(st.sampled_from([0, 0, 5, 30, 90]))  # people take their time
        if minutes:
            self.clock += timedelta(minutes=minutes)
            self.sweeps_here = 0
        number = data.draw(st.sampled_from(sorted(self.cases)))
        case = Case.objects.select_related("grid").get(number=number)
        mode = data.draw(st.sampled_from(["forward"] * 5 + ["possible"] * 3 + ["any"] * 2))
        possible = sorted(a for a, t in TABLE.items() if case.status in t.sources)
        forward = FORWARD.get(case.status)
        if case.status == "in_progress" and case.pending_extension_days:
            forward = ["grant_extension", "deny_extension"]
        if mode == "forward" and forward:
            action = data.draw(st.sampled_from(forward))
        else:
            action = data.draw(st.sampled_from(possible if mode == "possible" and possible else sorted(TABLE)))
        fitting = mode != "any"
        body, valid = self._body(data, action, case)
        tracking = None
        if action == "evaluate" and data.draw(st.booleans()):  # the reporter, with the right or a wrong code
            username = None
            tracking = self.cases[number]["code"] if data.draw(st.sampled_from([True, True, False])) else "WRONGCODE2"
        elif fitting:
            username = self._fitting_actor(data, action, case)
        else:
            username = data.draw(st.sampled_from([*POOL, None]))
        attempt = h.Attempt(
            action, body, username, tracking=tracking, tracking_ok=tracking == self.cases[number]["code"]
        )
        kw = {"posts": self.posts(username), "user_pk": self.pk(username), "via_api": False}
        full = h.allowed_statuses(attempt, case, **kw)
        generic = h.expected_status(attempt, case, generic_only=True, **kw)
        allowed = full if valid else ({generic} if generic != 200 else {400, *full})

        before, cases_before = h.row(number), Case.objects.count()
        extra = {"tracking_code": tracking} if tracking is not None else {}
        try:
            services.perform(action, actor=self.actor(username), number=number, at=self.clock, **body, **extra)
            got, message = 200, ""
        except GridgovError as exc:
            got, message = exc.status, exc.message
        after = h.row(number)
        new = list(CaseEvent.objects.filter(case_id=after["id"], seq__gt=before["event_count"]).order_by("seq"))
        where = f"{action} {body} by {username or ('reporter' if tracking else 'anonymous')} on {before['status']}"
        assert got in allowed, f"{where}: {got} {message!r}, the table says {sorted(allowed)}"
        if got == 200:
            problems = h.check_success(
                action,
                body,
                before,
                after,
                new,
                acting_user_pk=self.pk(username),
                reporter=username is None,
                deadlines_recorded="always",
            )
            assert not problems, f"{where}:\n" + "\n".join(problems)
            assert new[0].at == self.clock
            self.events += 1
            self.cases[number]["events"] += 1
        else:
            assert after == before and not new, f"{where}: refused with {got} but the case changed"
            assert Case.objects.count() == cases_before
        assert h.event_total() == self.events, f"{where}: events were written elsewhere"

    @rule(data=st.data(), n=st.integers(1, 4))
    def act(self, data, n):
        for _ in range(n):
            self._act(data)

    @rule(data=st.data(), n=st.integers(1, 4))
    def act_again(self, data, n):  # actions are most of the traffic
        for _ in range(n):
            self._act(data)

    # ---- time --------------------------------------------------------------------------------------

    @rule(hours=st.sampled_from([0.25, 1, 2.5, 7, 16, 26, 49, 73, 170]), then_sweep=st.booleans())
    def tick(self, hours, then_sweep):
        self.clock += timedelta(hours=hours)
        self.sweeps_here = 0
        if then_sweep:
            self.sweep()

    @precondition(lambda self: self.clock is not None and self.sweeps_here < 2)  # twice at one instant: idempotent
    @rule()
    def sweep(self):
        self.sweeps_here += 1
        before = {n: h.row(n) for n in self.cases}
        result = services.sweep_deadlines(now=self.clock)
        supervised = progress_pressed = 0
        for number, was in before.items():
            now_row = h.row(number)
            new = list(CaseEvent.objects.filter(case_id=was["id"], seq__gt=was["event_count"]).order_by("seq"))
            assert len(new) <= 2, f"{number}: the sweep wrote {len(new)} events"
            for e in new:
                assert e.action == "supervise" and e.actor_id is None and e.actor_role == "system", e.__dict__
                assert e.at == self.clock and e.from_status == e.to_status == was["status"]
                key = e.data.get("overdue")
                if isinstance(key, str) and key.startswith("progress:"):
                    # 联动办: a progress report owed past its date (one per date)
                    assert was["status"] in ("in_progress", "suspended") and was["progress_due"] is not None
                    assert was["progress_due"] < self.clock and key == f"progress:{iso(was['progress_due'])}"
                    progress_pressed += 1
                else:
                    assert was["status"] in ("dispatched", "in_progress") and _red(was, self.clock), (
                        f"{number}: automatic 督办 on a case that is not overdue ({was['status']})"
                    )
                    # names the deadline it is about, which has passed
                    assert isinstance(key, str) and any(iso(d) in key for d in _passed(was, self.clock)), (
                        f"{number}: automatic 督办 keyed {key!r}; passed deadlines {_passed(was, self.clock)}"
                    )
                    supervised += 1
                earlier = CaseEvent.objects.filter(
                    case_id=was["id"], action="supervise", actor_role="system", seq__lt=e.seq, data__overdue=key
                )
                assert not earlier.exists(), f"{number}: a second automatic 督办 for the same deadline"
                self.events += 1
                self.cases[number]["events"] += 1
            if not new:
                changed = {k for k in was if was[k] != now_row[k]}
                assert changed <= {"light", "light_next_at"}, f"{number}: the sweep changed {changed} without an event"
            owed = now_row["progress_due"]
            if now_row["status"] in ("in_progress", "suspended") and owed is not None and owed < self.clock:
                assert CaseEvent.objects.filter(
                    case_id=was["id"], action="supervise", data__overdue=f"progress:{iso(owed)}"
                ).exists(), f"{number}: a progress report owed since {owed} was not pressed for"
            if now_row["status"] in ("dispatched", "in_progress") and now_row["resolve_by"] is not None:
                assert (now_row["light"] == "red") == _red(now_row, self.clock), (
                    f"{number}: light {now_row['light']} at {self.clock} with sign_by {now_row['sign_by']}, "
                    f"resolve_by {now_row['resolve_by']}, {now_row['status']}"
                )
                if _red(now_row, self.clock):  # a red running case has been pressed for a missed deadline
                    wanted = (
                        [now_row["resolve_by"]] if now_row["status"] == "in_progress" else _passed(now_row, self.clock)
                    )
                    keys = CaseEvent.objects.filter(
                        case_id=was["id"], action="supervise", actor_role="system"
                    ).values_list("data__overdue", flat=True)
                    assert any(iso(d) in (k or "") for k in keys for d in wanted), (number, list(keys), wanted)
        assert (result.supervised, result.progress_overdue) == (supervised, progress_pressed)
        assert h.event_total() == self.events

    # ---- invariants --------------------------------------------------------------------------------

    @invariant()
    def the_books_balance(self):
        if self.clock is None:
            return
        rows = {r["number"]: r for r in Case.objects.values()}
        assert set(rows) == set(self.cases) and len(rows) == self.case_total
        by_status = Counter(r["status"] for r in rows.values())
        assert set(by_status) <= set(Status.values), by_status
        assert sum(by_status.values()) == len(rows)
        assert sum(Case.objects.filter(status=s).count() for s in Status.values) == Case.objects.count()
        assert h.event_total() == self.events == sum(c["events"] for c in self.cases.values())

        events = defaultdict(list)
        for e in CaseEvent.objects.order_by("case_id", "seq").values():
            events[e["case_id"]].append(e)
        for number, r in rows.items():
            file = events[r["id"]]
            mine = self.cases[number]
            seen = mine["seen"]
            assert [e["seq"] for e in file] == list(range(1, len(file) + 1)), number
            assert r["event_count"] == len(file) == mine["events"], (number, r["event_count"], len(file))
            assert r["status"] == file[-1]["to_status"], (number, r["status"], file[-1])
            assert file[0]["action"] in ("report", "resolve_on_spot") and file[0]["from_status"] == ""
            for prev, e in itertools.pairwise(file):
                assert e["from_status"] == prev["to_status"], (number, prev["action"], e["action"])
                if e["action"] in TABLE:
                    t = TABLE[e["action"]]
                    assert e["from_status"] in t.sources, (number, e["action"], e["from_status"])
                    failed = e["action"] == "verify" and e["data"].get("passed") is False
                    target = "in_progress" if failed else (t.target or e["from_status"])
                    assert e["to_status"] == target, (number, e["action"], e["to_status"])
            count = Counter(e["action"] for e in file)
            assert r["return_count"] == count["return"]
            assert r["rework_count"] == sum(
                1 for e in file if e["action"] == "verify" and e["data"].get("passed") is False
            )
            assert r["extension_count"] == count["grant_extension"]
            assert r["escalation_count"] == count["escalate"]
            assert r["reopen_count"] == count["reopen"] <= 1
            overdue = [
                e["data"].get("overdue") for e in file if e["action"] == "supervise" and e["actor_role"] == "system"
            ]
            assert len(overdue) == len(set(overdue)), (number, overdue)
            assert r["version"] >= seen["version"], (number, r["version"], seen["version"])
            assert (r["version"] != seen["version"]) == (r["event_count"] != seen["event_count"]), number
            if (r["sign_by"], r["resolve_by"]) != (seen["sign_by"], seen["resolve_by"]):
                assert r["event_count"] > seen["event_count"], f"{number}: deadlines moved without an event"
            mine["seen"] = r
        report = verify_chains()
        assert report.ok and report.cases == len(rows) and report.events == self.events, report.as_dict()


@pytest.mark.django_db
def test_closed_loop_state_machine(demo_city):
    run_state_machine_as_test(ClosedLoop, settings=STATEFUL)


# ---- two findings, as plain regression tests ------------------------------------------------------


@pytest.mark.django_db
def test_sweep_presses_again_when_the_resolve_deadline_passes_after_a_late_signing(demo_city):
    """A case red because it was not signed in time gets its automatic 督办; once signed it is green;
    when the resolve deadline passes it turns red again and must be pressed for that deadline too.
    The 督办 of the late signing must not stand in for it (nor claim the resolve deadline is overdue)."""
    start = datetime(2025, 6, 3, 9, 0, tzinfo=SHANGHAI)  # a Tuesday
    number = h.report(at=start).case.number
    dispatcher = h.actor(h.dispatcher_for(h.STREET))
    services.register_case(actor=dispatcher, number=number, at=start)
    case = services.dispatch_case(actor=dispatcher, number=number, unit=h.UNIT, at=start)
    late = case.sign_by + timedelta(minutes=30)
    assert late < case.resolve_by
    services.sweep_deadlines(now=late)
    first = CaseEvent.objects.filter(case=case, action="supervise").order_by("seq")
    assert first.count() == 1
    assert first[0].at > timezone.localtime(case.sign_by)
    services.accept_case(actor=h.actor(f"handler-{h.UNIT}"), number=number, at=late + timedelta(minutes=1))
    overdue = case.resolve_by + timedelta(hours=1)
    services.sweep_deadlines(now=overdue)
    case.refresh_from_db()
    assert case.light == "red"
    pressed = [
        e for e in CaseEvent.objects.filter(case=case, action="supervise").order_by("seq") if e.at > case.resolve_by
    ]
    assert len(pressed) == 1, [(e.at, e.data) for e in CaseEvent.objects.filter(case=case, action="supervise")]
    for e in CaseEvent.objects.filter(case=case, action="supervise"):
        if "overdue" in e.data and e.data["overdue"] == iso(case.resolve_by):
            assert e.at > case.resolve_by, "a 督办 recorded the resolve deadline as overdue before it passed"


@pytest.mark.django_db
def test_resolve_on_spot_is_for_the_grid_worker(demo_city):
    """docs/architecture.md §3: resolve_on_spot is for "the grid worker of the grid" (level grid), and the service's
    own message says so; the leader of the community is not that worker."""
    before = (Case.objects.count(), h.event_total())
    with pytest.raises(GridgovError) as refused:
        h.report(username=f"leader-{h.COMMUNITY}", on_spot=True)
    assert refused.value.status == 403
    assert (Case.objects.count(), h.event_total()) == before
    assert h.report(username=f"worker-{h.GRID}", on_spot=True).case.status == "resolved"
