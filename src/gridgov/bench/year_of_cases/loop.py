"""The year-of-cases generator's walk through the closed loop (闭环): a day's reports, then each case's
steps — report, register, dispatch, accept, resolve, verify, close, evaluate, with returns,
escalations, extensions, suspensions, reworks, rejections, merges, reopenings and the sweep's automatic
督办 — drawn with the demo simulator's shares (gridgov.sim.parameters). A step that would fall after
the end of the year raises Stop: the case stays where it is, open with its light. A day's reports and each
case's start are here; its steps from dispatch on are in steps.py (CaseSteps).
"""

from __future__ import annotations

from bisect import bisect_right
from contextlib import suppress
from datetime import date, datetime, timedelta
from itertools import accumulate

from gridgov.bench.year_of_cases.log import CaseState, Stop, Who
from gridgov.bench.year_of_cases.steps import CaseSteps


class YearOfCases(CaseSteps):
    """Generates the cases of one day after another, each walked through the loop."""

    # -- a day's reports ---------------------------------------------------------------------------

    def day_cases(self, day: date, count: int, first_id: int) -> list[CaseState]:
        rng, h = self.rng, self.h
        workday = self.is_workday(day)
        weights = list(accumulate(h.DAILY_REPORTS[ch][0 if workday else 1] for ch in self.channels))
        starts = []
        for _ in range(count):
            channel = self.channels[bisect_right(weights, rng.random() * weights[-1])]
            cum = self.hours[channel]
            hour = bisect_right(cum, rng.random() * cum[-1])
            moment = datetime(day.year, day.month, day.day, hour, tzinfo=self.tz) + timedelta(
                seconds=rng.uniform(0, 3600)
            )
            starts.append((moment, channel))
        starts.sort(key=lambda s: s[0])
        out = []
        for n, (moment, channel) in enumerate(starts, start=1):
            c = self.new_case(first_id + n - 1, f"{day:%Y%m%d}{n:06d}", moment, channel)
            with suppress(Stop):  # the rest of its life falls after the year
                self.life(c)
            c.light = self.deadlines.case_light(c, self.end) or ""
            # as the sweep leaves it at the year's end: when it must look at the case again (Case.light_next_at)
            c.light_next_at = self.deadlines.next_light_change(c, self.end, settled=True)
            out.append(c)
        return out

    def new_case(self, pk: int, number: str, t: datetime, channel: str) -> CaseState:
        rng, p = self.rng, self.p
        grid_id, grid = p.grids[bisect_right(p.grid_weights, rng.random() * p.grid_weights[-1])]
        choices, cum = p.by_channel[channel]
        _kind, code, title, description, result, on_spot_ok = choices[bisect_right(cum, rng.random() * cum[-1])]
        cat = p.categories[code]
        lon, lat = p.points[grid]
        c = CaseState(
            id=pk,
            number=number,
            title=title[:200],
            lon=lon,
            lat=lat,
            grid_id=grid_id,
            platform=p.platform[grid],
            category_id=None,
            complexity=cat.complexity,
            channel=channel,
            reported_at=t,
            updated_at=t,
        )
        c.grid, c.cat, c.on_spot_ok = grid, cat, on_spot_ok and channel == "patrol"
        c.result_text = result or rng.choice(
            ("已处置完毕", "经现场核实，已协调相关单位整改完毕", "已督促责任单位整改到位")
        )
        code_for_reporter = "".join(rng.choices("ABCDEFGHJKMNPQRSTUVWXYZ23456789", k=10))
        c.tracking_hash = self.tracking_hash(number, code_for_reporter)
        c.description = (description or title).replace("{place}", "小区门口").replace("{building}", "3号楼2单元")[:500]
        if channel in ("patrol", "deputy", "supervisor", "sensor", "open311") or rng.random() < 0.3:
            c.category_id = cat.pk
        if channel in ("hotline", "resident", "wechat", "open311") and rng.random() < 0.85:
            c.reporter_name = rng.choice(self.h.SURNAMES) + "".join(rng.choices(self.h.GIVEN, k=rng.randint(1, 2)))
            c.reporter_phone = f"1{rng.choice(['38', '39', '50', '58', '86', '87'])}{rng.randint(0, 99_999_999):08d}"
            c.reporter_digest = self.reporter_digest(c.reporter_name, c.reporter_phone)
            c.reporter_phone_keys = self.search_keys(c.reporter_phone)  # name and phone are encrypted by the Loader
        return c

    def reporter(self, c: CaseState) -> Who:
        street = c.grid[:9]
        if c.channel == "patrol":
            return self.who(f"worker-{c.grid}", "grid_worker")
        if c.channel == "hotline":
            return self.who("dispatcher", "dispatcher")
        if c.channel == "deputy":
            return self.who(f"deputy-{street}", "deputy")
        if c.channel == "supervisor":
            return self.who(f"supervisor-{street}" if self.rng.random() < 0.7 else "supervisor", "supervisor")
        if c.channel == "sensor":
            return Who("iot-platform", "system", None)
        return Who("open311" if c.channel == "open311" else "resident", "resident", None)

    # -- the loop ----------------------------------------------------------------------------------

    def life(self, c: CaseState) -> None:
        rng, h = self.rng, self.h
        t = c.reported_at
        actor = self.reporter(c)
        c.reporter_id = actor.user_id
        if c.on_spot_ok and rng.random() < h.ON_SPOT:  # 就地解决
            c.category_id = c.cat.pk
            c.status, c.lead_unit, c.result, c.mode = "", c.grid, c.result_text, "immediate"
            c.resolved_at, c.resolved_by_id, c.resolved_level = t, actor.user_id, "grid"
            c.resolver = actor.label
            self.emit(
                c,
                "resolve_on_spot",
                t,
                "resolved",
                actor,
                unit=c.grid,
                note=c.result,
                data={"channel": c.channel, "photos": [], "result_photos": []},
            )
            self.verify_and_close(c, self.work(t, 0.5, 6))
            return
        self.emit(c, "report", t, "reported", actor, data={"channel": c.channel, "photos": []})
        if c.channel != "patrol":
            self.open_recent.append(c)
            del self.open_recent[:-150]
        alarm = c.channel == "sensor" or c.cat.urgent
        t = self.due(self.clock(t, 0.05, 0.3) if alarm else self.work(t, 0.1, 1.5))
        dispatcher = self.dispatcher(c.platform)
        masters = [
            m
            for m in self.open_recent[-150:-1]
            if m.status in ("registered", "dispatched", "in_progress") and m.grid[:12] == c.grid[:12]
        ]
        if c.channel in ("hotline", "resident", "wechat") and masters and rng.random() < h.DUPLICATE * 3:
            master = rng.choice(masters)
            c.master_id, c.master_number = master.id, master.number
            self.emit(c, "merge", t, "merged", dispatcher, note=f"→ {master.number}", data={"into": master.number})
            return
        if rng.random() < h.REJECT.get(c.channel, 0.01):
            self.emit(c, "reject", t, "rejected", dispatcher, note=rng.choice(h.REJECT_REASONS))
            return
        c.category_id = c.cat.pk
        if rng.random() < 0.1 and c.complexity in ("simple", "general"):
            c.complexity = {"simple": "general", "general": "complex"}[c.complexity]
        c.mode = self.routing.mode_for(c.complexity, self.mode_rules)
        data = {"category": c.cat.code, "complexity": c.complexity, "mode": c.mode}
        self.emit(c, "register", t, "registered", dispatcher, data=data)
        self.handle(c, self.soon(c, t, 0.02, 0.5), first=True)
