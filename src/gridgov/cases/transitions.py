"""The table of the closed loop (docs/architecture.md §3), kept as data: every surface reads it.

`relation` says how the actor must stand to the case, on top of holding one of `roles`:
- platform: a post covering the platform that holds the case (指挥中心)
- lead_unit: a post covering the case's lead unit (its handler; the grid's worker/leader for a grid)
- case_grid: a post covering the grid the case was filed in
- reporter: no post needed: the reporter proves it with the tracking code (or the last 4 digits of the
  phone number they gave)
"""

from dataclasses import dataclass

from django.utils.translation import pgettext_lazy

from gridgov.cases.models import Status as S
from gridgov.core.invariants import require_same_keys

OPEN_STATUSES = frozenset({S.REPORTED, S.REGISTERED, S.DISPATCHED, S.IN_PROGRESS, S.SUSPENDED, S.RESOLVED, S.VERIFIED})
STATUSES = frozenset(S.values)
GRID_STAFF = frozenset({"grid_worker", "grid_leader"})
LEAD_UNIT_ROLES = frozenset({"department_handler", "grid_worker", "grid_leader"})


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | None  # None: the status does not change
    roles: frozenset[str]
    relation: str
    label: str  # the Chinese term: stable, for error messages and stored text (see TERMS, LABELS)

    def allows_status(self, status: str) -> bool:
        return status in self.sources


def _t(action, sources, target, roles, relation, label):
    return Transition(action, frozenset(sources), target, frozenset(roles), relation, label)


TABLE: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("register", {S.REPORTED}, S.REGISTERED, {"dispatcher"}, "platform", "立案"),
        _t("reject", {S.REPORTED}, S.REJECTED, {"dispatcher"}, "platform", "不予立案"),
        _t("merge", {S.REPORTED}, S.MERGED, {"dispatcher"}, "platform", "合并"),
        _t("dispatch", {S.REGISTERED}, S.DISPATCHED, {"dispatcher"}, "platform", "派遣"),
        _t("accept", {S.DISPATCHED}, S.IN_PROGRESS, LEAD_UNIT_ROLES, "lead_unit", "签收"),
        _t("return", {S.DISPATCHED}, S.REGISTERED, LEAD_UNIT_ROLES, "lead_unit", "退单"),
        _t("escalate", {S.IN_PROGRESS}, S.REGISTERED, GRID_STAFF, "lead_unit", "逐级上报"),
        _t("request_extension", {S.IN_PROGRESS}, None, LEAD_UNIT_ROLES, "lead_unit", "申请延期"),
        _t("grant_extension", {S.IN_PROGRESS}, None, {"dispatcher"}, "platform", "同意延期"),
        _t("deny_extension", {S.IN_PROGRESS}, None, {"dispatcher"}, "platform", "驳回延期"),
        _t("suspend", {S.IN_PROGRESS}, S.SUSPENDED, {"dispatcher"}, "platform", "挂账"),
        _t("resume", {S.SUSPENDED}, S.IN_PROGRESS, {"dispatcher"}, "platform", "恢复办理"),
        _t("supervise", OPEN_STATUSES, None, {"supervisor", "leader", "dispatcher"}, "case_grid", "督办"),
        _t("resolve", {S.IN_PROGRESS}, S.RESOLVED, LEAD_UNIT_ROLES, "lead_unit", "处置反馈"),
        _t("verify", {S.RESOLVED}, S.VERIFIED, GRID_STAFF, "case_grid", "核查"),  # failed: → in_progress (返工)
        _t("close", {S.VERIFIED}, S.CLOSED, {"dispatcher"}, "platform", "结案"),
        _t("evaluate", {S.CLOSED}, S.EVALUATED, {"dispatcher"}, "platform", "回访评价"),  # or the reporter
        _t("reopen", {S.EVALUATED}, S.REGISTERED, {"dispatcher"}, "platform", "重新办理"),
    ]
}

ACTIONS = tuple(TABLE)

# Steps beside the table (the status does not change) whose who and when are rules of the same shape: the
# handling modes' steps (办理方式, cases/services/modes.py).
OPEN_REGISTERED = OPEN_STATUSES - {S.REPORTED}
STEPS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("change_mode", OPEN_REGISTERED - {S.RESOLVED, S.VERIFIED}, None, {"dispatcher"}, "platform", "变更办理方式"),
        _t("site_visit", {S.IN_PROGRESS}, None, LEAD_UNIT_ROLES, "lead_unit", "现场办理"),
        _t("progress", {S.IN_PROGRESS, S.SUSPENDED}, None, LEAD_UNIT_ROLES, "lead_unit", "进展报告"),
        _t("reply", OPEN_REGISTERED, None, {"dispatcher"}, "platform", "答复"),
    ]
}
# Actions on a case that are not transitions but still go into its file.
CREATION_ACTIONS = ("report", "resolve_on_spot")

# The Chinese term of every event in a case file, as plain text that never changes with the reader's
# language: for whatever is stored (notifications, messages written once for everyone).
TERMS = {
    "report": "上报",
    "resolve_on_spot": "就地解决",
    "consult": "集中会商",
    "deadline": "超时提醒",
    "assist": "协办反馈",
    "reply_withdrawn": "答复退回",
    **{a: t.label for a, t in TABLE.items()},
    **{a: t.label for a, t in STEPS.items()},
}


def _label(english: str):
    return pgettext_lazy("case event", english)


# The same events as shown on pages: English msgids, translated (zh-hans: exactly TERMS) when shown.
# Lazy: each reader sees them in their own language; str() them only at display time.
LABELS = {
    "report": _label("Reported"),
    "resolve_on_spot": _label("Resolved on the spot"),
    "consult": _label("Consultation"),
    "deadline": _label("Deadline reminder"),
    "assist": _label("Assisting unit's part"),
    "register": _label("Registered"),
    "reject": _label("Not accepted"),
    "merge": _label("Merged"),
    "dispatch": _label("Dispatched"),
    "accept": _label("Signed for"),
    "return": _label("Returned"),
    "escalate": _label("Escalated"),
    "request_extension": _label("Extension requested"),
    "grant_extension": _label("Extension granted"),
    "deny_extension": _label("Extension denied"),
    "suspend": _label("Suspended"),
    "resume": _label("Resumed"),
    "supervise": _label("Supervised"),
    "resolve": _label("Result reported"),
    "verify": _label("Checked"),
    "close": _label("Closed"),
    "evaluate": _label("Rated"),
    "reopen": _label("Reopened"),
    "change_mode": _label("Handling mode changed"),
    "site_visit": _label("Handled on site"),
    "progress": _label("Progress report"),
    "reply": _label("Reply to the requester"),
    "reply_withdrawn": _label("Reply refused by the city platform"),
}
require_same_keys(LABELS, TERMS, "every event has its term and its label")
