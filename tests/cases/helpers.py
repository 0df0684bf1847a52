"""Helpers for the closed-loop matrix and state-machine tests (docs/architecture.md §3).

- demo actors by username (None: an anonymous resident);
- a library of *paths*: each brings a fresh case to a given status through the real services;
- an oracle: the HTTP status the table says an action must get (200, 401, 403, 409), computed from
  `transitions.TABLE` and the posts of the actor with our own scope rule, not with the product's;
- snapshots of a case row and its events, to prove that a refusal changes nothing and that a
  success writes exactly one event.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache

from django.contrib.auth import get_user_model
from django.utils import timezone

from gridgov.cases import services
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.transitions import TABLE
from gridgov.core.timefmt import iso
from gridgov.people.actors import Actor
from gridgov.people.models import Post

DISTRICT = "410102"
STREET = "410102001"  # 林山寨街道: has its own dispatcher, so cases filed here go to this platform
COMMUNITY = "410102001002"
GRID = "410102001002001"  # the case grid of the matrix
SIBLING_GRID = "410102001002002"  # same community, another grid
OTHER_STREET = "410102002"
UNIT = "D410102001"  # 城管执法局
OTHER_UNIT = "D410102002"


# ---- actors --------------------------------------------------------------------------------------


def user(username: str):
    return get_user_model().objects.get(username=username)


def actor(username: str | None) -> Actor:
    return Actor.of(user(username)) if username else Actor.anonymous()


def posts_of(username: str | None) -> list[tuple[str, str]]:
    if not username:
        return []
    return list(Post.objects.filter(user__username=username, active=True).values_list("role", "scope"))


def dispatcher_for(platform: str) -> str:
    return "dispatcher" if len(platform) == 6 else f"dispatcher-{platform}"


def unit_actor(unit: str) -> str:
    """The demo account that acts for a lead unit: the handler of a unit, the worker of a 三级网格,
    the leader of a community."""
    if unit.startswith("D"):
        return f"handler-{unit}"
    return f"worker-{unit}" if len(unit) == 15 else f"leader-{unit}"


def grid_staff(grid_code: str) -> tuple[str, str]:
    """The grid worker and the grid leader (of its community) of a 三级网格."""
    return f"worker-{grid_code}", f"leader-{grid_code[:12]}"


@cache
def point_in(code: str) -> tuple[float, float]:
    """A point inside a current grid (its representative point): (lon, lat) in WGS 84."""
    import shapely

    from gridgov.grids.selectors import current_geometries

    point = shapely.point_on_surface(current_geometries([code])[code])
    return point.x, point.y


# ---- our own reading of the scope rules (docs/architecture.md §4: codes nest by prefix) ---------------------


def covers(scope: str, code: str | None) -> bool:
    if not scope or not code:
        return False
    if scope.startswith("D") or code.startswith("D"):
        return scope == code
    return code.startswith(scope)


def sees(posts: list[tuple[str, str]], case: Case) -> bool:
    """Whether posts reach a case to read it: its grid, platform or lead unit under a grid scope; a
    unit's cases (lead, assisting, or handled before) for its handlers."""
    for role, scope in posts:
        if role == "department_handler":
            if (
                case.lead_unit == scope
                or scope in (case.assisting_units or [])
                or CaseEvent.objects.filter(case=case, unit=scope).exists()
            ):
                return True
        elif scope and any(
            (code or "").startswith(scope)
            for code in (case.grid.code, case.platform, case.lead_unit, *(case.assisting_units or []))
        ):
            return True
    return False


def relation_code(case: Case, relation: str) -> str | None:
    return {"platform": case.platform, "lead_unit": case.lead_unit or None, "case_grid": case.grid.code}[relation]


# ---- the oracle ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Attempt:
    """One action on a case by someone: the table's action, the body, and how it is sent."""

    action: str  # a key of TABLE
    body: dict
    username: str | None  # None: an anonymous resident (no token)
    tracking: str | None = None  # a tracking code sent for evaluate (reporter's path)
    tracking_ok: bool = False  # whether that code is the case's


# What a handling mode asks before a result, as routing/data/modes.csv ships it (the table of docs §3 does
# not hold it): 现场办 a site visit, 联动办 a consultation.
MODE_NEEDS = {"on_site": "site_visit", "linked": "consult"}


def expected_status(
    attempt: Attempt,
    case: Case,
    *,
    via_api: bool,
    posts: list[tuple[str, str]] | None = None,
    user_pk: int | None = None,
    generic_only: bool = False,
) -> int:
    """What docs/architecture.md §3/§4 call for: 401 without a token (API, except the reporter's evaluate),
    404 when the actor cannot read the case (the answer an unknown number gets: finding 11), 403 when
    they can but their role or scope does not allow the action, 409 when the state does not, else 200.

    Assumes a well-formed body (the extra checks a body can fail are not modelled here).
    `generic_only`: just role, scope and status (the checks every action makes before reading its body).
    """
    t = TABLE[attempt.action]
    reporter = attempt.action == "evaluate" and attempt.tracking is not None
    if via_api and attempt.username is None and not (reporter and attempt.tracking):
        return 401
    if via_api and attempt.username is not None:
        reporter = False  # staff with a token evaluate as staff; the API drops the code
    if posts is None:
        posts = posts_of(attempt.username)
    if user_pk is None and attempt.username:
        user_pk = user(attempt.username).pk
    if reporter:
        if not attempt.tracking_ok:
            return 403
    else:
        if not sees(posts, case):
            return 404
        code = relation_code(case, t.relation)
        if not any(role in t.roles and covers(scope, code) for role, scope in posts):
            return 403
    if case.status not in t.sources:
        return 409
    if generic_only:
        return 200
    if attempt.action in ("grant_extension", "deny_extension"):
        if not case.pending_extension_days:
            return 409
        if (
            case.extension_count >= 1
            and len(case.platform) > 6
            and not any(
                role == "dispatcher" and covers(scope, case.platform) and len(scope) < len(case.platform)
                for role, scope in posts
            )
        ):
            return 403  # 二次延期由上级审批
    if attempt.action == "request_extension" and case.pending_extension_days:
        return 409
    if attempt.action == "reopen" and (case.satisfaction != "dissatisfied" or case.reopen_count >= 1):
        return 409
    if attempt.action == "verify" and user_pk is not None and case.resolved_by_id == user_pk:
        return 403
    if attempt.action == "escalate" and len(case.platform) == 6:
        return 409  # nothing above the district
    if attempt.action == "resolve" and MODE_NEEDS.get(case.mode):
        step = MODE_NEEDS[case.mode]  # the shipped rules (routing/data/modes.csv): 现场办, 联动办
        done = case.consultations.exists() if step == "consult" else case.events.filter(action=step).exists()
        if not done:
            return 409
    if attempt.action == "dispatch" and case.mode == "linked":  # 联动办: a district-level lead (modes.csv)
        lead = attempt.body.get("unit")
        if lead is None:
            from gridgov.routing import selectors as routing

            lead = routing.responsible_unit(
                category=case.category, grid_code=case.grid.code, district=case.platform[:6]
            ).unit
        if not str(lead).startswith("D"):
            return 409
    if attempt.action == "merge":
        master = Case.objects.filter(number=attempt.body.get("into")).first()
        if master is not None and not sees(posts, master):
            return 400  # both cases of a merge are in scope: a master outside it is refused like an unknown one
        if master is not None and master.status in ("merged", "rejected"):
            return 409
    return 200


def allowed_statuses(attempt: Attempt, case: Case, **kw) -> set[int]:
    """expected_status, plus one latitude the design leaves open: a case in progress with no resolve
    deadline (a 就地解决 case sent back for rework by a failed check was never dispatched) may have its
    extension requests refused as a conflict (409) — but never crash."""
    want = expected_status(attempt, case, **kw)
    if (
        want == 200
        and case.resolve_by is None
        and attempt.action in ("request_extension", "grant_extension", "deny_extension")
    ):
        return {200, 409}
    return {want}


def expected_status_after_success(action: str, body: dict, before: dict) -> str:
    t = TABLE[action]
    if action == "verify" and body.get("passed") is False:
        return "in_progress"  # 返工
    return t.target or before["status"]


# ---- snapshots -----------------------------------------------------------------------------------


def row(number: str) -> dict:
    """The whole case row, every column."""
    return Case.objects.filter(number=number).values().get()


def event_total() -> int:
    return CaseEvent.objects.count()


def events_of(number: str) -> list[CaseEvent]:
    return list(CaseEvent.objects.filter(case__number=number).order_by("seq"))


COUNTER_OF = {
    "return": "return_count",
    "escalate": "escalation_count",
    "grant_extension": "extension_count",
    "reopen": "reopen_count",
}
COUNTERS = ("return_count", "extension_count", "rework_count", "escalation_count", "reopen_count")


def check_success(
    action: str,
    body: dict,
    before: dict,
    after: dict,
    new_events: list[CaseEvent],
    *,
    acting_user_pk: int | None,
    reporter: bool = False,
    deadlines_recorded: str = "always",
) -> list[str]:
    """Problems with a successful transition (empty when it is right).

    `deadlines_recorded`: "always" — an event that moves sign_by/resolve_by must record the new values
    in data["deadlines"]; "where_written" — only an event that has data["deadlines"] must match.
    """
    problems = []
    t = TABLE[action]
    if len(new_events) != 1:
        return [f"{len(new_events)} new events instead of 1: {[e.action for e in new_events]}"]
    e = new_events[0]
    target = expected_status_after_success(action, body, before)
    want = {
        "after.status": (after["status"], target),
        "event.action": (e.action, action),
        "event.from_status": (e.from_status, before["status"]),
        "event.to_status": (e.to_status, after["status"]),
        "event.seq": (e.seq, before["event_count"] + 1),
        "event.prev_hash": (e.prev_hash, before["last_hash"]),
        "after.last_hash": (after["last_hash"], e.hash),
        "after.event_count": (after["event_count"], before["event_count"] + 1),
        "after.version": (after["version"], before["version"] + 1),
        "event.actor": (e.actor_id, None if reporter else acting_user_pk),
    }
    for counter in COUNTERS:
        bump = (
            1
            if (
                COUNTER_OF.get(action) == counter
                or (counter == "rework_count" and action == "verify" and body.get("passed") is False)
            )
            else 0
        )
        want[f"after.{counter}"] = (after[counter], before[counter] + bump)
    if not reporter and e.actor_role not in t.roles:
        problems.append(f"event.actor_role {e.actor_role!r} is not one of {sorted(t.roles)}")
    for immutable in (
        "id",
        "number",
        "tracking_hash",
        "title",
        "description",
        "lon",
        "lat",
        "grid_id",
        "channel",
        "reporter_id",
        "reporter_name",
        "reporter_phone",
        "reported_at",
    ):
        want[f"after.{immutable}"] = (after[immutable], before[immutable])
    # what each action must do to the case (docs/architecture.md §3)
    if action == "dispatch":
        want["after.lead_unit"] = (after["lead_unit"], body.get("unit") or after["lead_unit"])
        if not (
            after["sign_by"]
            and after["resolve_by"]
            and after["dispatched_at"]
            and after["dispatched_at"] < after["sign_by"] <= after["resolve_by"]
        ):
            problems.append(
                f"dispatch must start the clock: {after['dispatched_at']} {after['sign_by']} {after['resolve_by']}"
            )
    if action in ("return", "escalate", "reopen"):
        want["after.lead_unit"] = (after["lead_unit"], "")
        want["after.resolve_by"] = (after["resolve_by"], None)
        want["after.sign_by"] = (after["sign_by"], None)
    if action == "escalate":  # registered again at the platform above
        want["after.platform is above"] = (
            len(after["platform"]) < len(before["platform"]) and before["platform"].startswith(after["platform"]),
            True,
        )
    else:
        want["after.platform"] = (after["platform"], before["platform"])
    if action == "request_extension":
        want["after.pending_extension_days"] = (after["pending_extension_days"], body["days"])
    if action in ("grant_extension", "deny_extension"):
        want["after.pending_extension_days"] = (after["pending_extension_days"], None)
    if action == "grant_extension" and before["resolve_by"] is not None:
        want["grant moves resolve_by later"] = (after["resolve_by"] > before["resolve_by"], True)
    elif action not in ("dispatch", "return", "escalate", "reopen", "resume"):
        want["after.resolve_by"] = (after["resolve_by"], before["resolve_by"])
        want["after.sign_by"] = (after["sign_by"], before["sign_by"])
    if action == "resolve":
        want["after.resolved_by_id"] = (after["resolved_by_id"], acting_user_pk)
        want["after.resolved_level set"] = (bool(after["resolved_level"]), True)
    if action == "close":
        want["after.closed_at set"] = (after["closed_at"] is not None, True)
    if action == "evaluate":
        want["after.satisfaction"] = (after["satisfaction"], body["satisfaction"])
    if action == "merge":
        master = Case.objects.get(number=body["into"])
        want["after.master_id"] = (after["master_id"], master.pk)
    if action == "suspend":
        want["after.suspended_at set"] = (after["suspended_at"] is not None, True)
    if action == "resume":
        want["after.suspended_at"] = (after["suspended_at"], None)
    # deadlines never move without the event recording them
    moved = (after["sign_by"], after["resolve_by"]) != (before["sign_by"], before["resolve_by"])
    written = "deadlines" in (e.data or {})
    if written or (moved and deadlines_recorded == "always"):
        recorded = (e.data or {}).get("deadlines")
        if recorded != {"sign_by": iso(after["sign_by"]), "resolve_by": iso(after["resolve_by"])}:
            problems.append(
                f"{action} moved the deadlines {before['sign_by']}/{before['resolve_by']} → "
                f"{after['sign_by']}/{after['resolve_by']} but its event records {recorded!r}"
            )
    problems += [f"{k}: got {got!r}, want {exp!r}" for k, (got, exp) in want.items() if got != exp]
    return problems


# ---- paths to every status -----------------------------------------------------------------------


@dataclass
class Made:
    """A case brought to some status, and what the tests need to know about it."""

    number: str
    tracking_code: str
    master: str  # an open case of the same grid to merge into
    history: list[str] = field(default_factory=list)

    def case(self) -> Case:
        return Case.objects.select_related("grid").get(number=self.number)


# name → (parent path, steps); a step is (action, who, body). `who`: "platform" (the dispatcher of the
# platform holding the case), "lead" (the account of its lead unit), "checker" (grid staff of the case
# grid who did not resolve it), "reporter" (the tracking code), "district" (the district dispatcher).
PATHS: dict[str, tuple[str | None, list[tuple[str, str, dict]]]] = {
    "reported": (None, []),
    "registered": ("reported", [("register", "platform", {"complexity": "general"})]),
    "rejected": ("reported", [("reject", "platform", {"reason": "不属于受理范围"})]),
    "merged": ("reported", [("merge", "platform", {"into": "<master>"})]),
    "dispatched_unit": ("registered", [("dispatch", "platform", {"unit": UNIT})]),
    "dispatched_grid": ("registered", [("dispatch", "platform", {"unit": GRID})]),
    "dispatched_community": ("registered", [("dispatch", "platform", {"unit": COMMUNITY})]),
    "dispatched_sibling_grid": ("registered", [("dispatch", "platform", {"unit": SIBLING_GRID})]),
    "in_progress_sibling_grid": ("dispatched_sibling_grid", [("accept", "lead", {})]),
    "registered_after_return": ("dispatched_unit", [("return", "lead", {"reason": "不属于本单位职责"})]),
    "in_progress_unit": ("dispatched_unit", [("accept", "lead", {})]),
    "in_progress_grid": ("dispatched_grid", [("accept", "lead", {})]),
    "registered_escalated": ("in_progress_grid", [("escalate", "lead", {"note": "网格无力解决，请求上级"})]),
    "in_progress_at_district": (
        "registered_escalated",
        [("dispatch", "district", {"unit": UNIT}), ("accept", "lead", {})],
    ),
    "extension_pending": ("in_progress_unit", [("request_extension", "lead", {"days": 3, "reason": "需采购配件"})]),
    "second_extension_pending": (
        "extension_pending",
        [("grant_extension", "platform", {}), ("request_extension", "lead", {"days": 2, "reason": "配件未到"})],
    ),
    "district_second_extension_pending": (
        "in_progress_at_district",
        [
            ("request_extension", "lead", {"days": 3, "reason": "需采购配件"}),
            ("grant_extension", "platform", {}),
            ("request_extension", "lead", {"days": 2, "reason": "配件未到"}),
        ],
    ),
    "suspended": ("in_progress_unit", [("suspend", "platform", {"reason": "等待资金", "review_on": "<+30d>"})]),
    "resolved_unit": ("in_progress_unit", [("resolve", "lead", {"result": "已修复"})]),
    "resolved_grid": ("in_progress_grid", [("resolve", "lead", {"result": "已修复"})]),
    "resolved_on_spot": (None, []),  # reported already resolved by the grid worker (就地解决)
    "in_progress_rework": ("resolved_unit", [("verify", "checker", {"passed": False, "note": "未修好"})]),
    "rework_on_spot": ("resolved_on_spot", [("verify", "checker", {"passed": False, "note": "未修好"})]),
    "verified": ("resolved_unit", [("verify", "checker", {"passed": True})]),
    "verified_on_spot": ("resolved_on_spot", [("verify", "checker", {"passed": True})]),
    "closed": ("verified", [("close", "platform", {"reply": "已办结，感谢您的反映"})]),
    "evaluated_dissatisfied": ("closed", [("evaluate", "reporter", {"satisfaction": "dissatisfied", "solved": False})]),
    "evaluated_satisfied": ("closed", [("evaluate", "platform", {"satisfaction": "satisfied", "solved": True})]),
    "evaluated_after_reopen": (
        "evaluated_dissatisfied",
        [
            ("reopen", "platform", {"reason": "群众不满意"}),
            ("dispatch", "platform", {"unit": UNIT}),
            ("accept", "lead", {}),
            ("resolve", "lead", {"result": "再次修复"}),
            ("verify", "checker", {"passed": True}),
            ("close", "platform", {}),
            ("evaluate", "reporter", {"satisfaction": "dissatisfied", "solved": False}),
        ],
    ),
}

# the status each path ends in (checked when the path is walked)
PATH_STATUS = {
    "reported": "reported",
    "registered": "registered",
    "rejected": "rejected",
    "merged": "merged",
    "dispatched_unit": "dispatched",
    "dispatched_grid": "dispatched",
    "dispatched_community": "dispatched",
    "dispatched_sibling_grid": "dispatched",
    "in_progress_sibling_grid": "in_progress",
    "registered_after_return": "registered",
    "in_progress_unit": "in_progress",
    "in_progress_grid": "in_progress",
    "registered_escalated": "registered",
    "in_progress_at_district": "in_progress",
    "extension_pending": "in_progress",
    "second_extension_pending": "in_progress",
    "district_second_extension_pending": "in_progress",
    "suspended": "suspended",
    "resolved_unit": "resolved",
    "resolved_grid": "resolved",
    "resolved_on_spot": "resolved",
    "in_progress_rework": "in_progress",
    "rework_on_spot": "in_progress",
    "verified": "verified",
    "verified_on_spot": "verified",
    "closed": "closed",
    "evaluated_dissatisfied": "evaluated",
    "evaluated_satisfied": "evaluated",
    "evaluated_after_reopen": "evaluated",
}


def report(
    *, grid: str = GRID, username: str | None = None, on_spot: bool = False, at: datetime | None = None, **extra
) -> services.Intake:
    lon, lat = point_in(grid)
    kwargs = {
        "title": "井盖缺失",
        "description": "人行道上井盖丢了",
        "lon": lon,
        "lat": lat,
        "reporter_name": "王五",
        "reporter_phone": "13700001234",
        **extra,
    }
    if on_spot:
        kwargs["resolved"] = {"result": "已就地盖好井盖", "photos": []}
        username = username or f"worker-{grid}"
    return services.report_case(actor=actor(username), at=at, **kwargs)


def who_for(who: str, case: Case, made: Made) -> tuple[str | None, dict]:
    """The account for a symbolic step actor, and extra body (the tracking code for the reporter)."""
    if who == "platform":
        return dispatcher_for(case.platform), {}
    if who == "district":
        return "dispatcher", {}
    if who == "lead":
        return unit_actor(case.lead_unit), {}
    if who == "checker":
        worker, leader = grid_staff(case.grid.code)
        return (leader if case.resolved_by_id == user(worker).pk else worker), {}
    if who == "reporter":
        return None, {"tracking_code": made.tracking_code}
    raise ValueError(who)


def bring(path: str, *, at: datetime | None = None) -> Made:
    """A new case walked through the real services along `path`."""
    chain = []
    name: str | None = path
    while name is not None:
        chain.append(name)
        name = PATHS[name][0]
    chain.reverse()
    master = report(at=at).case.number  # at the same moment: a window over `at` must hold both
    intake = report(on_spot=chain[0] == "resolved_on_spot", at=at)
    made = Made(number=intake.case.number, tracking_code=intake.tracking_code, master=master, history=[chain[0]])
    for name in chain[1:]:
        for action, who, body in PATHS[name][1]:
            case = made.case()
            username, extra = who_for(who, case, made)
            body = dict(body)
            if body.get("into") == "<master>":
                body["into"] = made.master
            if body.get("review_on") == "<+30d>":
                body["review_on"] = (timezone.localtime(at).date() if at else timezone.localdate()) + timedelta(days=30)
            services.perform(action, actor=actor(username), number=made.number, at=at, **body, **extra)
        made.history.append(name)
    status = made.case().status
    assert status == PATH_STATUS[path], f"path {path} ended in {status}"
    return made
