"""A case's steps after its registration in the year-of-cases generator (办理): dispatch, signing or a
return, the work with its extensions and suspensions, the resolution, verification, closing and the
evaluation. gridgov.bench.year_of_cases.loop.YearOfCases adds a day's reports and each case's start.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from gridgov.bench.year_of_cases.log import CaseLog, CaseState, Who
from gridgov.bench.year_of_cases.pools import from_token


class CaseSteps(CaseLog):
    """The steps of one case from dispatch on; each emits its events through CaseLog."""

    def limits(self, c: CaseState):
        key = (c.cat.pk, c.complexity)
        if key not in self.limits_cache:
            self.limits_cache[key] = self.routing.limits(c.cat, c.complexity)
        return self.limits_cache[key]

    def handle(self, c: CaseState, t: datetime, *, first: bool, unit: str | None = None) -> None:
        """Dispatch (派遣), then signing or a return (退单), then the work."""
        rng, h = self.rng, self.h
        t = self.due(t)
        lead_token, assisting_tokens, source = self.p.routes[c.cat.code]
        lead = unit or from_token(lead_token, c.grid)
        helpers = (
            [] if unit else [u for u in dict.fromkeys(from_token(a, c.grid) for a in assisting_tokens) if u != lead]
        )
        limits = self.limits(c)
        c.lead_unit, c.assisting_units, c.urgent = lead, helpers, limits.urgent
        c.dispatched_at = c.clock_start = t
        c.clock_banked, c.accepted_at = 0.0, None
        c.sign_by, c.resolve_by = self.deadlines.initial(
            start=t,
            sign_hours=limits.sign_hours,
            resolve_days=limits.resolve_days,
            urgent=limits.urgent,
            resolve_hours=limits.resolve_hours,
            resolve_working_hours=rule.resolve_working_hours if (rule := self.mode_rules.get(c.mode)) else None,
        )
        self.emit(
            c,
            "dispatch",
            t,
            "dispatched",
            self.dispatcher(c.platform),
            unit=lead,
            data={"assisting": helpers, "route": source if not unit else "default", **self.deadline_data(c)},
        )
        kind = "unit" if lead.startswith("D") else "grid"
        sign_span = max(60.0, (c.sign_by - t).total_seconds())
        returnable = (lead[-3:] if kind == "unit" else "grid") in h.RETURN_REASONS
        if returnable and first and c.return_count == 0 and rng.random() < h.RETURN[kind]:
            at = self.due(t + timedelta(seconds=sign_span * rng.uniform(0.1, 0.8)))
            reason, target = h.RETURN_REASONS[lead[-3:] if kind == "unit" else "grid"]
            c.return_count += 1
            self.clear_clock(c)
            self.emit(
                c, "return", at, "registered", self.handler(lead), unit=lead, note=reason, data=self.deadline_data(c)
            )
            self.handle(c, self.work(at, 0.2, 3), first=False, unit=f"D{self.p.district}{target}")
            return
        late = rng.random() < h.LATE_SIGN
        at = t + timedelta(seconds=sign_span * (rng.uniform(1.1, 3.0) if late else rng.uniform(0.05, 0.9)))
        if late:  # the deadline sweep files one automatic 督办 for the missed signing
            swept = self.due(c.sign_by + timedelta(seconds=rng.uniform(60, 3600)))
            if swept < at:
                self.emit(
                    c,
                    "supervise",
                    swept,
                    c.status,
                    Who("deadline sweep", "system", None),
                    unit=lead,
                    note="超期自动督办",
                    data={"overdue": f"sign:{self.iso(c.sign_by)}"},
                )
        at = self.due(at)
        c.accepted_at = at
        self.emit(c, "accept", at, "in_progress", self.handler(lead), unit=lead)
        self.work_on(c, at, first=first and c.escalation_count == 0 and c.reopen_count == 0)

    def work_on(self, c: CaseState, t: datetime, *, first: bool) -> None:
        rng, h = self.rng, self.h
        grid_led = not c.lead_unit.startswith("D")
        escalate = h.ESCALATE if grid_led and first and len(c.platform) > 6 else 0.0
        extend = h.EXTENSION if first and not c.urgent else 0.0
        suspend = h.SUSPEND if first and not c.urgent else 0.0
        roll = rng.random()
        if roll < escalate:  # 逐级上报
            at = self.due(self.work(t, 0.3, 6))
            unit, parent = c.lead_unit, self.p.parents[c.platform]
            c.platform = parent
            c.escalation_count += 1
            self.clear_clock(c)
            self.emit(
                c,
                "escalate",
                at,
                "registered",
                self.handler(unit),
                unit=unit,
                note="问题超出网格处置能力，需上级平台协调职能部门处理",
                data={"platform": parent, **self.deadline_data(c)},
            )
            self.handle(
                c,
                self.work(at, 0.2, 2),
                first=False,
                unit=f"D{self.p.district}{'011' if c.cat.code.startswith('S02') else '001'}",
            )
            return
        if roll < escalate + extend:
            self.extension(c, t)
            return
        if roll < escalate + extend + suspend:
            self.suspension(c, t)
            return
        self.resolution(c, t)

    def extension(self, c: CaseState, t: datetime, *, second: bool = False) -> None:
        rng = self.rng
        total = (c.resolve_by - c.dispatched_at).total_seconds()
        at = c.dispatched_at + timedelta(seconds=total * rng.uniform(0.45, 0.75))
        at = self.due(max(at, self.work(t, 0.2, 1)))
        days = rng.choice([2, 3, 3, 5, 5, 7, 10])
        c.pending_extension_days = days
        self.emit(
            c,
            "request_extension",
            at,
            c.status,
            self.handler(c.lead_unit),
            unit=c.lead_unit,
            note=rng.choice(["需协调多个部门联合处置，申请延期", "需采购材料、安排施工，申请延期"]),
            data={"days": days},
        )
        decided = self.due(self.work(at, 0.3, 4))
        dispatcher = self.dispatcher(c.platform[:6] if second and len(c.platform) > 6 else c.platform)
        c.pending_extension_days = None
        if second or rng.random() < self.h.GRANT:
            c.resolve_by = self.deadlines.extended(c.resolve_by, days=days, urgent=c.urgent)
            c.extension_count += 1
            self.emit(
                c,
                "grant_extension",
                decided,
                c.status,
                dispatcher,
                unit=c.lead_unit,
                data={"days": days, **self.deadline_data(c)},
            )
            if not second and rng.random() < self.h.SECOND_EXTENSION:
                self.extension(c, decided, second=True)
                return
            self.resolution(c, decided, late_ok=False)
        else:
            self.emit(
                c,
                "deny_extension",
                decided,
                c.status,
                dispatcher,
                unit=c.lead_unit,
                note="现有时限可以完成，请抓紧办理",
                data={"days": days},
            )
            self.resolution(c, decided)

    def suspension(self, c: CaseState, t: datetime) -> None:
        rng = self.rng
        at = self.due(self.work(t, 1, 12))
        review_on = at.astimezone(self.tz).date() + timedelta(days=rng.randint(3, 8))
        c.suspended_at, c.review_on = at, review_on
        dispatcher = self.dispatcher(c.platform)
        self.emit(
            c,
            "suspend",
            at,
            "suspended",
            dispatcher,
            unit=c.lead_unit,
            note=rng.choice(["等待专项资金拨付", "需待天气条件允许后施工"]),
            data={"review_on": review_on.isoformat()},
        )
        resumed = self.due(self.work(datetime(review_on.year, review_on.month, review_on.day, 9, tzinfo=self.tz), 0, 2))
        paused = c.suspended_at
        c.clock_banked += self.deadlines.spent(c.clock_start or paused, paused, urgent=c.urgent)
        c.clock_start = resumed
        c.resolve_by = self.deadlines.shifted(c.resolve_by, paused_from=paused, resumed_at=resumed, urgent=c.urgent)
        c.suspended_at = c.review_on = None
        self.emit(c, "resume", resumed, "in_progress", dispatcher, unit=c.lead_unit, data=self.deadline_data(c))
        self.resolution(c, resumed, late_ok=False)

    def resolution(self, c: CaseState, t: datetime, *, late_ok: bool = True) -> None:
        rng = self.rng
        total = max(60.0, (c.resolve_by - c.dispatched_at).total_seconds())
        roll = rng.random()
        if roll < 0.8:
            share = rng.triangular(0.03, 0.75, 0.15)
        elif roll < 0.93 or not late_ok:
            share = rng.uniform(0.8, 0.99)
        else:
            share = rng.uniform(1.05, 1.5)
        when = max(c.dispatched_at + timedelta(seconds=total * share), self.soon(c, t, 0.2, 1.5))
        if share >= 0.8 and rng.random() < self.h.SUPERVISE_SLOW:
            pressed = c.dispatched_at + timedelta(seconds=total * 0.82)
            if t < pressed < when:
                self.due(pressed)
                street = c.grid[:9]
                self.emit(
                    c,
                    "supervise",
                    pressed,
                    c.status,
                    self.who(f"supervisor-{street}", "supervisor"),
                    unit=c.lead_unit,
                    note="临近办结时限，请加快办理进度",
                )
        if when > c.resolve_by:  # red: the sweep files its automatic 督办 once
            swept = self.due(max(t, c.resolve_by + timedelta(seconds=rng.uniform(60, 3600))))
            self.emit(
                c,
                "supervise",
                swept,
                c.status,
                Who("deadline sweep", "system", None),
                unit=c.lead_unit,
                note="超期自动督办",
                data={"overdue": f"resolve:{self.iso(c.resolve_by)}"},
            )
        self.resolve(c, when)

    def resolve(self, c: CaseState, when: datetime) -> None:
        when = self.due(when)
        who = self.handler(c.lead_unit)
        c.result, c.resolved_at, c.resolved_by_id = c.result_text, when, who.user_id
        c.resolved_level = self.level_of(c)  # type: ignore[arg-type]  # a CaseState has the Case fields it reads
        c.resolver = who.label
        self.emit(
            c,
            "resolve",
            when,
            "resolved",
            who,
            unit=c.lead_unit,
            note=c.result,
            data={"photos": [], "level": c.resolved_level},
        )
        self.verify_and_close(c, self.soon(c, when, 0.5, 8))

    def verify_and_close(self, c: CaseState, t: datetime) -> None:
        rng, h = self.rng, self.h
        t = self.due(t)
        worker, leader = f"worker-{c.grid}", f"leader-{c.grid[:12]}"
        checker = self.who(leader, "grid_leader") if c.resolver == worker else self.who(worker, "grid_worker")
        if c.rework_count == 0 and rng.random() < (h.REWORK if c.dispatched_at else h.REWORK / 2):  # 返工
            c.rework_count += 1
            c.resolved_at = c.resolved_by_id = None
            c.resolved_level = ""
            self.emit(
                c,
                "verify",
                t,
                "in_progress",
                checker,
                unit=c.lead_unit,
                note="现场核查未整改到位，请返工",
                data={"passed": False, "photos": []},
            )
            self.resolve(c, self.work(t, 1, 12))
            return
        self.emit(
            c,
            "verify",
            t,
            "verified",
            checker,
            unit=c.lead_unit,
            note="现场核查已整改到位",
            data={"passed": True, "photos": []},
        )
        closed = self.due(self.soon(c, t, 0.1, 4))
        c.closed_at = closed
        dispatcher = self.dispatcher(c.platform)
        c.reply, c.replied_at = f"您反映的问题已办理完毕：{c.result or '已处置到位'}", closed  # 句号管理
        self.emit(c, "close", closed, "closed", dispatcher, note=c.reply)
        if rng.random() >= h.EVALUATED.get(c.channel, 0.3):
            return
        public = c.channel in ("resident", "wechat", "open311")
        at = self.due(self.clock(closed, 1, 60) if public else self.work(closed, 0.5, 16))
        words, weights = zip(*h.SATISFACTION, strict=True)
        satisfaction = rng.choices(words, weights=weights)[0]
        if c.reopen_count and satisfaction == "dissatisfied" and rng.random() < 0.7:
            satisfaction = "basically_satisfied"
        solved = satisfaction != "dissatisfied" or rng.random() < 0.2
        c.satisfaction, c.solved = satisfaction, solved
        if public:
            self.emit(
                c,
                "evaluate",
                at,
                "evaluated",
                Who("reporter", "reporter", None),
                data={"satisfaction": satisfaction, "solved": solved, "by": "reporter", "proof": "tracking_code"},
            )
        else:
            self.emit(
                c,
                "evaluate",
                at,
                "evaluated",
                dispatcher,
                note="回访",
                data={"satisfaction": satisfaction, "solved": solved, "by": "dispatcher"},
            )
        if satisfaction == "dissatisfied" and c.reopen_count == 0 and c.lead_unit and rng.random() < h.REOPEN:
            at = self.due(self.work(at, 0.3, 4))
            c.reopen_count += 1
            c.closed_at = c.resolved_at = c.resolved_by_id = None
            c.resolved_level = c.satisfaction = ""
            c.solved = None
            self.clear_clock(c)
            self.emit(
                c, "reopen", at, "registered", dispatcher, note="群众评价不满意，重新办理", data=self.deadline_data(c)
            )
            self.handle(c, self.work(at, 0.1, 2), first=False)
