"""Simulated history of the demo city (演示数据): `days` of cases driven through the real services.

A discrete-event simulation on a clock that only moves forward: reports arrive by channel and time of
day (about 40 on a working day, fewer at weekends), and every case then takes its next step when the
person responsible would get to it — in working hours, or on the clock for urgent classes — through
`gridgov.cases.services`, each call with `at=` the simulated moment. Nothing is written in the future:
steps that would fall after `now` are left undone, so the cases of the last days stay open at every
step of the loop, with green, yellow and red lights. The deadline sweep runs every simulated hour
(every three at night and on rest days), so automatic 督办 appears where a case ran late.

The shares and texts are in sim/parameters.py, the arrival of a report in sim/intake.py, the other
steps of the loop in sim/steps.py; ACTIONS below names the function each planned action runs.

Deterministic for a seed and `now`: one random.Random drives every choice, events of equal time are
taken in the order they were planned, and nothing depends on set order or the wall clock.
"""

from __future__ import annotations

import heapq
import logging
import math
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np
import shapely
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from gridgov.cases import services
from gridgov.cases.models import URGENT_CHANNEL_HOURS, Case, CaseEvent
from gridgov.cases.transitions import OPEN_STATUSES
from gridgov.core.errors import GridgovError
from gridgov.grids.locator import current_locator
from gridgov.grids.models import Grid
from gridgov.grids.selectors import current_geometries
from gridgov.people.actors import Actor
from gridgov.routing import selectors as routing
from gridgov.routing.models import Category, Tree
from gridgov.sim.cast import Cast
from gridgov.sim.intake import arrive
from gridgov.sim.parameters import CHANNEL_HOURS, DAILY_REPORTS, findings, messages
from gridgov.sim.steps import STEPS, StepFunction
from gridgov.worktime.calendar import current_calendar

logger = logging.getLogger("gridgov.sim")

HOUR = 3600.0
ACTIONS: dict[str, StepFunction] = {"arrive": arrive, **STEPS}  # planned action → the function that takes it


@dataclass
class Place:
    """A 三级网格 reports arrive in, weighted by its households."""

    code: str
    name: str
    community: str
    households: int
    geometry: object
    bounds: tuple[float, float, float, float]


@dataclass
class SimCase:
    """What the simulator remembers about one case between its steps."""

    idx: int
    channel: str
    grid: Place
    title: str
    category: str | None  # the class the dispatcher will register it under
    label: str = ""  # 12345 first-level class, for result texts
    result: str = ""
    body: str = ""  # what the reporter said, without the channel's lead-in
    tracking_code: str | None = None
    number: str = ""
    case: Case | None = None
    duplicate_of: SimCase | None = None
    redirect: str | None = None  # the unit to dispatch to next (after a return or an escalation)
    consultation: bool = False
    on_spot_ok: bool = False  # a patrol finding the worker can fix there and then
    resolver: str = ""

    @property
    def status(self) -> str:
        return self.case.status if self.case else ""

    @property
    def row(self) -> Case:
        """The case as the services left it: steps are planned only once its report was taken."""
        if self.case is None:
            raise RuntimeError(f"a step was planned for simulated case {self.idx} before its report")
        return self.case


@dataclass(order=True)
class Step:
    """A planned step in the queue: ACTIONS[action] at `at` (ties in the order planned)."""

    at: datetime
    seq: int
    action: str = field(compare=False)
    case: SimCase | None = field(compare=False, default=None)


# ---- the simulation --------------------------------------------------------------------------------


class CitySimulation:
    """The demo city's clock, queue and cast; the steps themselves are in intake.py and steps.py."""

    def __init__(self, *, days: int, seed: int, now: datetime, progress=None):
        self.days, self.now = days, now
        self.start = now - timedelta(days=days)
        self.rng = random.Random(seed)
        # places in words (位置描述) draw from their own stream, so that adding them left the rest of
        # the simulated history as it was
        self.address_rng = random.Random(seed + 1)
        self.say = progress or (lambda message: None)
        self.cal = current_calendar()
        self.cast = Cast()
        self.queue: list[Step] = []
        self.seq = 0
        self.cases: list[SimCase] = []
        self.stats: Counter = Counter()
        self.refusals: list[str] = []
        self.iot = Actor.system("iot-platform")
        self._load_places()
        self._load_categories()

    # -- set-up ------------------------------------------------------------------------------------

    def _load_places(self) -> None:
        self.district = (
            Grid.objects.filter(level=0, valid_to__isnull=True).order_by("code").values_list("code", flat=True).first()
        )
        if self.district is None:
            raise RuntimeError("no district grid: build the demo city's grid tree first")
        rows = list(
            Grid.objects.filter(level=3, valid_to__isnull=True, code__startswith=self.district)
            .order_by("code")
            .values_list("code", "name", "households", "parent__name")
        )
        geoms = current_geometries([r[0] for r in rows])
        self.places = [
            Place(code, name, community or "", max(1, households or 1), geoms[code], tuple(shapely.bounds(geoms[code])))
            for code, name, households, community in rows
            if code in geoms
        ]
        if not self.places:
            raise RuntimeError("the demo city has no level-3 grids: build the grid tree first")
        self.place_weights = list(np.cumsum([p.households for p in self.places]))
        self.locator = current_locator()

    def _load_categories(self) -> None:
        """Leaf classes by code and by 12345 path, and whether someone can sign for their default route."""
        leaves = {c.code: c for c in routing.leaf_categories().order_by("code")}
        self.categories = leaves
        names = dict(Category.objects.values_list("pk", "name"))
        parents = dict(Category.objects.values_list("pk", "parent_id"))
        self.hotline_paths = {}
        for c in leaves.values():
            if c.tree == Tree.HOTLINE and c.parent_id and parents.get(c.parent_id):
                self.hotline_paths[(names[parents[c.parent_id]], names[c.parent_id], c.name)] = c.code
        self._routable: dict[str, bool] = {}
        self.unroutable: list[str] = []
        self.findings = [f for f in findings() if self.routable(f.code)]
        self.messages = []
        for m in messages():
            code = self.hotline_paths.get(m.path)
            if not code or not self.routable(code):
                code = self.hotline_paths.get((m.path[0], "其他", "其他"))
            if code and self.routable(code):
                self.messages.append((m, code))
        if self.unroutable:
            logger.warning(
                "no account can sign for the default unit of %d classes (left out of the history): %s",
                len(self.unroutable),
                "; ".join(self.unroutable),
            )

    def routable(self, code: str) -> bool:
        """Whether someone can sign for the unit the catalogue sends a case of this class to."""
        if code not in self._routable:
            cat, sample = self.categories.get(code), self.places[0].code
            ok = False
            if cat is not None:
                route = routing.responsible_unit(category=cat, grid_code=sample, district=self.district)
                ok = self.cast.unit_handler(route.unit) is not None
                if not ok:
                    self.unroutable.append(f"{code} {cat.name} → {route.unit}")
            self._routable[code] = ok
        return self._routable[code]

    # -- the clock ---------------------------------------------------------------------------------

    def plan(self, at: datetime, action: str, case: SimCase | None = None) -> None:
        self.seq += 1
        heapq.heappush(self.queue, Step(at, self.seq, action, case))

    def work(self, t: datetime, lo: float, hi: float) -> datetime:
        """`t` plus lo–hi working hours (the office gets to it; a night report waits for the morning)."""
        return self.cal.add_working_seconds(t, self.rng.uniform(lo, hi) * HOUR)

    def clock(self, t: datetime, lo: float, hi: float) -> datetime:
        return t + timedelta(seconds=self.rng.uniform(lo, hi) * HOUR)

    def soon(self, sc: SimCase, t: datetime, lo: float, hi: float) -> datetime:
        """Working time, or clock time (a quarter as long) for an urgent case."""
        if self.urgent(sc):
            return self.clock(t, lo / 4, hi / 4)
        return self.work(t, lo, hi)

    def awake(self, t: datetime) -> datetime:
        """A resident's moment: between 8:00 and 22:00 local."""
        local = timezone.localtime(t)
        if local.hour < 8:
            return local.replace(hour=8, minute=0) + timedelta(minutes=self.rng.uniform(0, 120))
        if local.hour >= 22:
            return local.replace(hour=8, minute=0) + timedelta(days=1, minutes=self.rng.uniform(0, 120))
        return t

    def urgent(self, sc: SimCase) -> bool:
        """Whether the case runs on the clock rather than in working hours: its class, or its channel (an
        alarm, cases.models.URGENT_CHANNEL_HOURS), as the services decide."""
        cat = self.categories.get(sc.category or "")
        return bool(cat and cat.urgent) or sc.channel in URGENT_CHANNEL_HOURS

    # -- the run -----------------------------------------------------------------------------------

    def run(self) -> dict:
        started = time.monotonic()
        self._plan_arrivals()
        self._plan_sweeps()
        day_marks = [self.start + timedelta(days=i) for i in range(1, self.days + 1)]
        for i, mark in enumerate(day_marks, start=1):
            self.plan(min(mark, self.now), f"progress:{i}")
        while self.queue and self.queue[0].at <= self.now:
            # The steps up to the next sweep in one transaction: each service call is a savepoint in it,
            # and its notifications go out when it commits. On PostgreSQL this halves the run time
            # (one WAL flush an hour instead of one a step); the sweep runs between, on its own.
            with transaction.atomic():
                self._steps_until_sweep()
            if self.queue and self.queue[0].action == "sweep" and self.queue[0].at <= self.now:
                step = heapq.heappop(self.queue)
                self.stats["auto_supervised"] += services.sweep_deadlines(now=step.at).supervised
        self.queue.clear()
        services.sweep_deadlines(now=self.now)
        return self._summary(time.monotonic() - started)

    def _steps_until_sweep(self) -> None:
        while self.queue and self.queue[0].at <= self.now and self.queue[0].action != "sweep":
            step = heapq.heappop(self.queue)
            if step.action.startswith("progress:"):
                self.say(f"day {step.action.split(':')[1]}/{self.days}: {self.stats['reported']} cases")
            elif step.case is None:
                raise RuntimeError(f"the step {step.action!r} was planned without a case")
            else:
                ACTIONS[step.action](self, step.at, step.case)

    def _plan_arrivals(self) -> None:
        day = timezone.localtime(self.start).date()
        last = timezone.localtime(self.now).date()
        while day <= last:
            workday = self.cal.is_workday(day)
            for channel, means in DAILY_REPORTS.items():
                for _ in range(self._poisson(means[0] if workday else means[1])):
                    t = self._moment(day, CHANNEL_HOURS[channel])
                    if self.start <= t <= self.now:
                        self.plan(t, "arrive", self._new_case(channel))
            day += timedelta(days=1)

    def _plan_sweeps(self) -> None:
        t = timezone.localtime(self.start).replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
        while t <= self.now:
            self.plan(t, "sweep")
            busy = self.cal.is_workday(t.date()) and 8 <= t.hour < 18
            t = timezone.localtime(t + timedelta(hours=1 if busy else 3))

    def _poisson(self, mean: float) -> int:
        """Knuth's method: the means here are small."""
        limit, k, p = math.exp(-mean), 0, 1.0
        while True:
            p *= self.rng.random()
            if p <= limit:
                return k
            k += 1

    def _moment(self, day: date, weights: list[int]) -> datetime:
        hour = self.rng.choices(range(24), weights=weights)[0]
        local = datetime(day.year, day.month, day.day, hour, tzinfo=timezone.get_default_timezone())
        return local + timedelta(seconds=self.rng.uniform(0, 3600))

    # -- arrivals ----------------------------------------------------------------------------------

    def _place(self) -> Place:
        r = self.rng.uniform(0, self.place_weights[-1])
        return self.places[min(int(np.searchsorted(self.place_weights, r, side="right")), len(self.places) - 1)]

    def _new_case(self, channel: str) -> SimCase:
        place = self._place()
        sc = SimCase(idx=len(self.cases), channel=channel, grid=place, title="", category=None)
        self.cases.append(sc)
        return sc

    # -- calling the services ----------------------------------------------------------------------

    def call(self, action: str, fn, sc: SimCase | None):
        """fn(), or None after counting and logging a refusal (a service said no)."""
        try:
            return fn()
        except GridgovError as exc:
            self.refuse(action, sc, exc.message)
            return None

    def refuse(self, action: str, sc: SimCase | None, why: str) -> None:
        self.stats["refused"] += 1
        message = f"{action} on {sc.number if sc else '?'}: {why}"
        if len(self.refusals) < 50:
            self.refusals.append(message)
        logger.warning("simulated %s refused: %s", action, message)

    def do(self, sc: SimCase, action: str, username: str | Actor | None, at: datetime, **body) -> bool:
        """Take `action` on the case through services.perform as `username`; whether the service did it."""
        if username is None:
            self.refuse(action, sc, "no demo account may do this")
            return False
        actor = username if isinstance(username, Actor) else self.cast.actor(username)
        case = self.call(action, lambda: services.perform(action, actor=actor, number=sc.number, at=at, **body), sc)
        if case is None:
            return False
        sc.case = case
        self.stats[action] += 1
        return True

    # -- the report --------------------------------------------------------------------------------

    def _summary(self, seconds: float) -> dict:
        ids = [sc.case.pk for sc in self.cases if sc.case is not None]
        by_status = dict(sorted(Case.objects.filter(pk__in=ids).values_list("status").annotate(n=Count("id"))))
        lights = dict(
            sorted(
                Case.objects.filter(pk__in=ids, status__in=OPEN_STATUSES)
                .exclude(light="")
                .values_list("light")
                .annotate(n=Count("id"))
            )
        )
        events = CaseEvent.objects.filter(case_id__in=ids).count() if ids else 0
        s = self.stats
        return {
            "cases": len(ids),
            "events": events,
            "by_status": by_status,
            "by_channel": {k.split(":")[1]: v for k, v in sorted(s.items()) if k.startswith("channel:")},
            "lights": lights,
            "on_spot": s["on_spot"],
            "rejected": s["reject"],
            "merged": s["merge"],
            "returns": s["return"],
            "escalations": s["escalate"],
            "extensions_requested": s["request_extension"],
            "extensions_granted": s["grant_extension"],
            "extensions_denied": s["deny_extension"],
            "suspensions": s["suspend"],
            "reworks": s["rework"],
            "supervised": s["supervise"],
            "auto_supervised": s["auto_supervised"],
            "evaluated": s["evaluate"],
            "reopened": s["reopen"],
            "refused": s["refused"],
            "refusals": self.refusals,
            "unroutable_categories": self.unroutable,
            "seconds": round(seconds, 1),
        }


def simulate_history(*, days: int, seed: int = 0, progress=None, now: datetime | None = None) -> dict:
    """Drive `days` days of cases, ending `now` (default: the present), through the real services.

    Returns counts: {cases, events, by_status, by_channel, lights, on_spot, returns, escalations,
    reworks, …, refused, refusals}. A refusal is a service saying no to a step the loop should allow:
    it is logged and counted, and the case stays where it was.
    """
    if days <= 0:
        return {"cases": 0, "events": 0, "by_status": {}}
    now = now or timezone.now()
    # Each delivered notification is logged at INFO; thousands of them would bury the demo's output.
    chatty = logging.getLogger("gridgov.notifications")
    level = chatty.level
    chatty.setLevel(max(level, logging.WARNING))
    try:
        return CitySimulation(days=days, seed=seed, now=now, progress=progress).run()
    finally:
        chatty.setLevel(level)
