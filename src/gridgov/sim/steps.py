"""The steps of the simulated loop (闭环的各步), one function per planned action: each calls the real
service for its step through CitySimulation.do and plans the case's next step. STEPS names them; the
simulation calls them through it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone

from gridgov.cases import services
from gridgov.cases.models import Status
from gridgov.cases.uploads import store_upload
from gridgov.people.actors import Actor
from gridgov.routing import selectors as routing
from gridgov.routing.models import Category
from gridgov.sim.parameters import (
    CONSULTATION_ANSWERED,
    ESCALATE,
    EVALUATED,
    EXTENSION,
    GRANT,
    LATE_SIGN,
    REJECT,
    REJECT_REASONS,
    REOPEN,
    RETURN,
    RETURN_REASONS,
    REWORK,
    SATISFACTION,
    SECOND_EXTENSION,
    SUPERVISE_SLOW,
    SUSPEND,
)
from gridgov.sim.photos import demo_photo

if TYPE_CHECKING:
    from gridgov.sim.history import CitySimulation, SimCase


def _dispatcher(sim: CitySimulation, sc: SimCase) -> str | None:
    return sim.cast.dispatcher(sc.row.platform)


def register(sim: CitySimulation, t: datetime, sc: SimCase) -> None:
    rng, dispatcher = sim.rng, _dispatcher(sim, sc)
    master = sc.duplicate_of
    if master is not None and master.status in (
        Status.REGISTERED,
        Status.DISPATCHED,
        Status.IN_PROGRESS,
        Status.SUSPENDED,
        Status.RESOLVED,
    ):
        sim.do(sc, "merge", dispatcher, t, into=master.number)
        return
    if sc.channel == "hotline" and sc.consultation and rng.random() < CONSULTATION_ANSWERED:
        sim.do(sc, "reject", dispatcher, t, reason="政策咨询类诉求，已由12345话务员当场答复，不再派单")
        return
    if rng.random() < REJECT.get(sc.channel, 0.01):
        sim.do(sc, "reject", dispatcher, t, reason=rng.choice(REJECT_REASONS))
        return
    cat = sim.categories[sc.category]
    complexity = cat.complexity
    if rng.random() < 0.1:
        ladder = ["simple", "general", "complex"]
        complexity = ladder[min(2, ladder.index(complexity) + 1)] if complexity in ladder else complexity
    if sim.do(sc, "register", dispatcher, t, category=sc.category, complexity=complexity):
        alarm = sc.channel == "sensor"  # the platform's duty officer passes alarms on at once, day or night
        sim.plan(sim.clock(t, 0.02, 0.2) if alarm else sim.soon(sc, t, 0.02, 0.5), "dispatch", sc)


def dispatch(sim: CitySimulation, t: datetime, sc: SimCase) -> None:
    unit, sc.redirect = sc.redirect, None
    if not sim.do(sc, "dispatch", _dispatcher(sim, sc), t, **({"unit": unit} if unit else {})):
        return
    case, rng = sc.row, sim.rng
    handler = sim.cast.unit_handler(case.lead_unit)
    if handler is None:
        sim.refuse("accept", sc, f"no account can sign for lead unit {case.lead_unit}")
        return
    kind = "unit" if case.lead_unit.startswith("D") else "grid"
    sign = _span(sim, case.dispatched_at, case.sign_by, case.urgent)
    # A unit sends back what is plausibly someone else's (RETURN_REASONS), once per case.
    returnable = (case.lead_unit[-3:] if kind == "unit" else "grid") in RETURN_REASONS
    if (
        returnable
        and case.return_count == 0
        and case.escalation_count == 0
        and case.reopen_count == 0
        and rng.random() < RETURN[kind]
    ):
        sim.plan(_after(sim, case.dispatched_at, sign * rng.uniform(0.1, 0.8), case.urgent), "return", sc)
        return
    share = rng.uniform(1.1, 3.0) if rng.random() < LATE_SIGN else rng.uniform(0.05, 0.9)
    sim.plan(_after(sim, case.dispatched_at, sign * share, case.urgent), "accept", sc)


def _span(sim: CitySimulation, start: datetime, end: datetime, urgent: bool) -> float:
    if urgent:
        return max(60.0, (end - start).total_seconds())
    return max(60.0, sim.cal.working_seconds_between(start, end))


def _after(sim: CitySimulation, start: datetime, seconds: float, urgent: bool) -> datetime:
    if urgent:
        return start + timedelta(seconds=seconds)
    return sim.cal.add_working_seconds(start, seconds)


def send_back(sim: CitySimulation, t: datetime, sc: SimCase) -> None:
    unit = sc.row.lead_unit
    reason, target = RETURN_REASONS[unit[-3:] if unit.startswith("D") else "grid"]
    if sim.do(sc, "return", sim.cast.unit_handler(unit), t, reason=reason):
        sc.redirect = f"D{sc.grid.code[:6]}{target}"
        sim.plan(sim.work(t, 0.2, 3), "dispatch", sc)


def accept(sim: CitySimulation, t: datetime, sc: SimCase) -> None:
    if not sim.do(sc, "accept", sim.cast.unit_handler(sc.row.lead_unit), t):
        return
    case, rng = sc.row, sim.rng
    grid_led = not case.lead_unit.startswith("D")
    first = case.escalation_count == 0 and case.reopen_count == 0
    p_escalate = ESCALATE if grid_led and first and len(case.platform) > 6 else 0.0
    p_extend = EXTENSION if first and not case.urgent else 0.0
    p_suspend = SUSPEND if first and not case.urgent else 0.0
    roll = rng.random()
    if roll < p_escalate:
        sim.plan(sim.work(t, 0.3, 6), "escalate", sc)
    elif roll < p_escalate + p_extend:
        total = _span(sim, case.dispatched_at, case.resolve_by, False)
        when = _after(sim, case.dispatched_at, total * rng.uniform(0.45, 0.75), False)
        sim.plan(max(when, sim.work(t, 0.2, 1)), "request_extension", sc)
    elif roll < p_escalate + p_extend + p_suspend:
        sim.plan(sim.work(t, 1, 12), "suspend", sc)
    else:
        _plan_resolution(sim, t, sc)


def _plan_resolution(sim: CitySimulation, t: datetime, sc: SimCase, *, late_ok: bool = True) -> None:
    """When the unit reports back: mostly well in time, some near the deadline, some late."""
    case, rng = sc.row, sim.rng
    total = _span(sim, case.dispatched_at, case.resolve_by, case.urgent)
    roll = rng.random()
    if roll < 0.8:
        share = rng.triangular(0.03, 0.75, 0.15)  # most well in time
    elif roll < 0.93 or not late_ok:
        share = rng.uniform(0.8, 0.99)  # into the yellow
    else:
        share = rng.uniform(1.05, 1.5)  # late: red, and the sweep files 督办
    when = _after(sim, case.dispatched_at, total * share, case.urgent)
    when = max(when, sim.soon(sc, t, 0.2, 1.5))
    if share >= 0.8 and rng.random() < SUPERVISE_SLOW:
        sim.plan(_after(sim, case.dispatched_at, total * 0.82, case.urgent), "supervise", sc)
    sim.plan(when, "resolve", sc)


def escalate(sim: CitySimulation, t: datetime, sc: SimCase) -> None:
    unit = sc.row.lead_unit
    if sim.do(sc, "escalate", sim.cast.unit_handler(unit), t, note="问题超出网格处置能力，需上级平台协调职能部门处理"):
        sc.redirect = _escalation_target(sim, sc)
        sim.plan(sim.work(t, 0.2, 2), "dispatch", sc)


def _escalation_target(sim: CitySimulation, sc: SimCase) -> str:
    """The unit the platform above sends an escalated case to: the nearest ancestor class's department."""
    district = sc.grid.code[:6]
    cat = sim.categories[sc.category]
    parent_id = cat.parent_id
    while parent_id is not None:
        parent = Category.objects.get(pk=parent_id)
        route = routing.responsible_unit(category=parent, grid_code=sc.grid.code, district=district)
        own = route.unit.startswith("D") or (len(route.unit) == 12 and route.unit != sc.row.lead_unit)
        if own and sim.cast.unit_handler(route.unit):
            return route.unit
        parent_id = parent.parent_id
    return f"D{district}{'011' if cat.code.startswith('S02') else '001'}"


def request_extension(sim: CitySimulation, t: datetime, sc: SimCase) -> None:
    if sc.status != Status.IN_PROGRESS:
        return
    days = sim.rng.choice([2, 3, 3, 5, 5, 7, 10])
    reason = sim.rng.choice(
        [
            "需协调多个部门联合处置，申请延期",
            "需采购材料、安排施工，申请延期",
            "涉及产权单位确认，需时核实",
            "当事人外出，暂无法联系处理",
        ]
    )
    if sim.do(sc, "request_extension", sim.cast.unit_handler(sc.row.lead_unit), t, days=days, reason=reason):
        sim.plan(sim.work(t, 0.3, 4), "decide_extension", sc)


def decide_extension(sim: CitySimulation, t: datetime, sc: SimCase) -> None:
    case = sc.row
    second = case.extension_count >= 1 and len(case.platform) > 6
    dispatcher = sim.cast.dispatcher(case.platform[:6] if second else case.platform)
    if sim.rng.random() < GRANT or second:
        if not sim.do(sc, "grant_extension", dispatcher, t):
            return
        if sc.row.extension_count == 1 and sim.rng.random() < SECOND_EXTENSION:
            total = _span(sim, t, sc.row.resolve_by, False)
            sim.plan(_after(sim, t, total * sim.rng.uniform(0.6, 0.9), False), "request_extension", sc)
            return
        _plan_resolution(sim, t, sc, late_ok=False)
    elif sim.do(sc, "deny_extension", dispatcher, t, reason="现有时限可以完成，请抓紧办理"):
        _plan_resolution(sim, t, sc)


def suspend(sim: CitySimulation, t: datetime, sc: SimCase) -> None:
    if sc.status != Status.IN_PROGRESS:
        return
    review_on = timezone.localtime(t).date() + timedelta(days=sim.rng.randint(3, 8))
    reason = sim.rng.choice(["等待专项资金拨付", "涉及产权纠纷，等待法院判决", "需待天气条件允许后施工"])
    if sim.do(sc, "suspend", _dispatcher(sim, sc), t, reason=reason, review_on=review_on):
        zone = timezone.get_default_timezone()
        morning = datetime(review_on.year, review_on.month, review_on.day, 9, tzinfo=zone)
        sim.plan(sim.work(morning, 0, 2), "resume", sc)


def resume(sim: CitySimulation, t: datetime, sc: SimCase) -> None:
    if sim.do(sc, "resume", _dispatcher(sim, sc), t):
        _plan_resolution(sim, t, sc, late_ok=False)


def supervise(sim: CitySimulation, t: datetime, sc: SimCase) -> None:
    if sc.status not in (Status.DISPATCHED, Status.IN_PROGRESS):
        return
    street = sc.grid.code[:9]
    local = sim.cast.scoped("supervisor", street)
    who = local if local and sim.rng.random() < 0.7 else sim.cast.holder("supervisor", street[:6])
    sim.do(
        sc,
        "supervise",
        who,
        t,
        note=sim.rng.choice(["临近办结时限，请加快办理进度", "群众反映强烈，请尽快处置到位", "请按时限要求办结并反馈"]),
    )


def _mode_steps(sim: CitySimulation, t: datetime, sc: SimCase, handler: str) -> bool:
    """What the case's handling mode asks before its result (cases/services/modes.py), done as the units do:
    a site visit with a photo for 现场办; the platform's 集中会商 and a progress report for 联动办."""
    rule = routing.mode_rule(sc.row.mode) if sc.row.mode else None
    if rule is None:
        return True
    unit = sim.cast.actor(handler)
    if rule.site_visit_required and not sc.row.events.filter(action="site_visit").exists():

        def visit():
            photo = store_upload(data=demo_photo(), uploaded_by=unit.user).id
            note = "已到现场核实情况并处置"
            return services.record_site_visit(actor=unit, number=sc.number, note=note, photos=[photo], at=t)

        if sim.call("site_visit", visit, sc) is None:
            return False
    if rule.consultation_required and not sc.row.consultations.exists():
        dispatcher = _dispatcher(sim, sc)
        if dispatcher is None:
            sim.refuse("consult", sc, "no demo dispatcher for the platform")
            return False
        platform = sim.cast.actor(dispatcher)
        people = ["指挥中心", "牵头单位", *(["协办单位"] if sc.row.assisting_units else [])]
        decision = "明确牵头单位和各协办单位职责，限期联动处置"

        def meeting():
            return services.consult_case(actor=platform, number=sc.number, participants=people, decision=decision, at=t)

        if sim.call("consult", meeting, sc) is None:
            return False
    if rule.progress_every_days and not sc.row.events.filter(action="progress").exists():

        def report():
            return services.report_progress(actor=unit, number=sc.number, note="各单位已按会商意见推进", at=t)

        sim.call("progress", report, sc)
    return True


def resolve(sim: CitySimulation, t: datetime, sc: SimCase) -> None:
    if sc.status != Status.IN_PROGRESS:
        return
    handler = sim.cast.unit_handler(sc.row.lead_unit)
    if handler and not _mode_steps(sim, t, sc, handler):
        return
    if sim.do(sc, "resolve", handler, t, result=sc.result or "已处置完毕"):
        sc.resolver = handler or ""  # never "": do() refuses without a handler
        sim.plan(sim.soon(sc, t, 0.5, 8), "verify", sc)


def verify(sim: CitySimulation, t: datetime, sc: SimCase) -> None:
    checker = sim.cast.checker(sc.grid.code, sim.cast.by_user[sc.resolver][0] if sc.resolver else None)
    failed = sc.row.rework_count == 0 and sim.rng.random() < (REWORK if sc.row.dispatched_at else REWORK / 2)
    if failed:
        if sim.do(sc, "verify", checker, t, passed=False, note="现场核查未整改到位，请返工"):
            sim.stats["rework"] += 1
            if sc.row.lead_unit:
                sim.plan(sim.work(t, 1, 12), "resolve", sc)
        return
    checked = "经回访核实，已办理到位" if sc.label else "现场核查已整改到位"
    if sim.do(sc, "verify", checker, t, passed=True, note=checked):
        sim.plan(sim.soon(sc, t, 0.1, 4), "close", sc)


def close(sim: CitySimulation, t: datetime, sc: SimCase) -> None:
    reply = f"您反映的“{sc.row.title}”已办理完毕：{sc.row.result or '已处置到位'}。感谢您的监督。"  # 句号管理
    if not sim.do(sc, "close", _dispatcher(sim, sc), t, reply=reply[:2000]):
        return
    if sim.rng.random() < EVALUATED.get(sc.channel, 0.3):
        if sc.channel in ("resident", "wechat", "open311"):
            sim.plan(sim.awake(sim.clock(t, 1, 60)), "evaluate", sc)
        else:
            sim.plan(sim.work(t, 0.5, 16), "evaluate", sc)


def evaluate(sim: CitySimulation, t: datetime, sc: SimCase) -> None:
    rng = sim.rng
    words, weights = zip(*SATISFACTION, strict=True)
    satisfaction = rng.choices(words, weights=weights)[0]
    if sc.row.reopen_count and satisfaction == "dissatisfied" and rng.random() < 0.7:
        satisfaction = "basically_satisfied"
    solved = satisfaction != "dissatisfied" or rng.random() < 0.2
    note = {"satisfied": "满意", "basically_satisfied": "基本满意，希望长效管理", "dissatisfied": "问题没有彻底解决"}[
        satisfaction
    ]
    if sc.channel in ("resident", "wechat", "open311") and sc.tracking_code:
        ok = sim.do(
            sc,
            "evaluate",
            Actor.anonymous("reporter"),
            t,
            satisfaction=satisfaction,
            solved=solved,
            note=note,
            tracking_code=sc.tracking_code,
        )
    else:
        ok = sim.do(
            sc, "evaluate", _dispatcher(sim, sc), t, satisfaction=satisfaction, solved=solved, note=f"回访：{note}"
        )
    if (
        ok
        and satisfaction == "dissatisfied"
        and sc.row.reopen_count == 0
        and sc.row.lead_unit
        and rng.random() < REOPEN
    ):
        sim.plan(sim.work(t, 0.3, 4), "reopen", sc)


def reopen(sim: CitySimulation, t: datetime, sc: SimCase) -> None:
    if sim.do(sc, "reopen", _dispatcher(sim, sc), t, reason="群众评价不满意，重新办理"):
        sim.plan(sim.work(t, 0.1, 2), "dispatch", sc)


StepFunction = Callable[["CitySimulation", datetime, "SimCase"], None]

STEPS: dict[str, StepFunction] = {  # planned action → the step that takes it
    "register": register,
    "dispatch": dispatch,
    "return": send_back,
    "accept": accept,
    "escalate": escalate,
    "request_extension": request_extension,
    "decide_extension": decide_extension,
    "suspend": suspend,
    "resume": resume,
    "supervise": supervise,
    "resolve": resolve,
    "verify": verify,
    "close": close,
    "evaluate": evaluate,
    "reopen": reopen,
}
