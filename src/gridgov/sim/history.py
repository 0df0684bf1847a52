"""Simulated history of the demo city (演示数据): `days` of cases driven through the real services.

A discrete-event simulation on a clock that only moves forward: reports arrive by channel and time of
day (about 40 on a working day, fewer at weekends), and every case then takes its next step when the
person responsible would get to it — in working hours, or on the clock for urgent classes — through
`gridgov.cases.services`, each call with `at=` the simulated moment. Nothing is written in the future:
steps that would fall after `now` are left undone, so the cases of the last days stay open at every
step of the loop, with green, yellow and red lights. The deadline sweep runs every simulated hour
(every three at night and on rest days), so automatic 督办 appears where a case ran late.

The loop follows the seeds (../seeds): most small problems are solved in the grid, many on the spot
(小事不出网格); cases two weeks old are ~99 % closed (办结率) and ~98 % of evaluations are satisfied or
basically satisfied (满意率). Texts come from `data/` (see its README): 12345 messages from the 2020
泰迪杯 problem C data, and patrol findings.

Deterministic for a seed and `now`: one random.Random drives every choice, events of equal time are
taken in the order they were planned, and nothing depends on set order or the wall clock.
"""

from __future__ import annotations

import csv
import heapq
import logging
import math
import random
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np
import shapely
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from gridgov.cases import services
from gridgov.cases.models import Case, CaseEvent, Status
from gridgov.cases.transitions import OPEN_STATUSES
from gridgov.core.errors import GridgovError
from gridgov.grids.locator import current_locator
from gridgov.grids.models import Grid
from gridgov.grids.selectors import current_geometries
from gridgov.people.actors import Actor, covers
from gridgov.people.models import Post
from gridgov.routing import selectors as routing
from gridgov.routing.models import Category, Tree
from gridgov.worktime.calendar import current_calendar

logger = logging.getLogger("gridgov.sim")

DATA = Path(__file__).parent / "data"
HOUR = 3600.0

# Reports per day by channel (Poisson means): a working day sums to 40, a rest day to about 15.
# Patrol ~45 %, 12345 ~25 %, residents (web, WeChat, Open311) ~20 %, deputies, supervisors and sensors the rest.
DAILY_REPORTS = {  # channel: (working day, rest day)
    "patrol": (18.0, 4.5), "hotline": (10.0, 6.0), "resident": (3.2, 1.6), "wechat": (3.2, 1.8),
    "open311": (1.6, 0.6), "deputy": (1.2, 0.2), "supervisor": (1.6, 0.3), "sensor": (1.2, 0.8),
}
# When reports come in, by local hour (relative weights).
DAYTIME = [0] * 8 + [3, 5, 5, 4, 1, 1, 3, 5, 5, 4, 0, 0, 0, 0, 0, 0]  # patrols, deputies, supervisors
HOTLINE_HOURS = [1, 1, 0, 0, 0, 1, 1, 3, 6, 8, 8, 7, 5, 5, 6, 7, 7, 6, 5, 5, 4, 4, 3, 2]
RESIDENT_HOURS = [1, 0, 0, 0, 0, 0, 1, 3, 5, 6, 6, 5, 4, 4, 5, 5, 5, 5, 6, 7, 7, 6, 4, 2]
SENSOR_HOURS = [1] * 24
CHANNEL_HOURS = {"patrol": DAYTIME, "deputy": DAYTIME, "supervisor": DAYTIME, "hotline": HOTLINE_HOURS,
                 "resident": RESIDENT_HOURS, "wechat": RESIDENT_HOURS, "open311": RESIDENT_HOURS,
                 "sensor": SENSOR_HOURS}

# Shares along the loop.
ON_SPOT = 0.8  # of patrol findings a worker can fix (findings.csv on_spot=1)
DUPLICATE = 0.04  # of public and hotline reports: the same problem as an open case nearby
REJECT = {"hotline": 0.04, "resident": 0.06, "wechat": 0.06, "open311": 0.05}  # else 0.01
CONSULTATION_ANSWERED = 0.5  # of hotline 咨询 calls: answered on the phone, not made a case
RETURN = {"unit": 0.08, "grid": 0.03}  # 退单, once per case, by units with somewhere to send it
ESCALATE = 0.2  # of grid-led cases the grid cannot finish (逐级上报)
EXTENSION, SUSPEND = 0.08, 0.02
SECOND_EXTENSION, GRANT = 0.2, 0.75
LATE_SIGN = 0.06
REWORK = 0.07  # of first checks that fail (返工)
EVALUATED = {"hotline": 0.92, "resident": 0.8, "wechat": 0.8, "open311": 0.7, "deputy": 0.7, "supervisor": 0.5,
             "patrol": 0.35, "sensor": 0.2}
SATISFACTION = [("satisfied", 0.86), ("basically_satisfied", 0.105), ("dissatisfied", 0.035)]
REOPEN = 0.6  # of dissatisfied evaluations
SUPERVISE_SLOW = 0.4  # of cases that run into yellow: a supervisor presses (督办)

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志红玉海燕文俊晓东雪梅春花卫鹏辉斌宇浩凯秀英婷欣怡佳琪子涵梓萱雨晨"
PLACES = ["{c}{n}号院门口", "{c}{n}号楼东侧", "{c}{n}号院内", "{c}沿街商铺门前", "{c}{n}号楼北侧路边", "{c}{n}号院西门",
          "{c}便民市场旁", "{c}{n}号楼前空地", "{c}{n}号院南侧人行道"]  # {place} in findings.csv
BUILDING = "{c}{n}号楼{u}单元"  # {building}: problems inside a building

REJECT_REASONS = [
    "反映事项属民事纠纷，已告知通过人民调解或司法途径解决",
    "经核实不在本辖区，已告知向所在地反映",
    "反映内容不具体，多次回拨无法联系，无法核实",
    "属于已进入司法程序的事项，不予受理",
    "经现场核实问题不存在",
]
RESULTS = {
    "城乡建设": ["经现场核实，已协调物业及相关单位整改完毕，并电话告知市民", "已组织人员现场处置，问题已解决，市民表示认可",
             "已约谈相关责任单位，限期整改，现已整改到位"],
    "环境保护": ["经现场检查，已责令相关单位停止排放并限期整改，复查已达标", "已对涉事商户下达整改通知，现场复查已整改"],
    "劳动和社会保障": ["已向来电人详细解释相关政策，并协助办理", "已督促用人单位依法支付，来电人已收到款项"],
    "教育文体": ["已向来电人解释相关政策规定，并责成学校整改", "已核实并督促相关机构规范办理"],
    "商贸旅游": ["已立案调查，对经营者依法处理，并告知来电人结果", "已约谈经营者，督促退还多收费用"],
    "卫生计生": ["已核查并督促医疗机构改进，向来电人解释说明", "已对涉事单位进行检查并依法处理"],
    "交通运输": ["已转交通执法部门依法查处，并告知来电人", "已协调运营单位整改，并回复来电人"],
}
ANSWERED = ["已电话联系来电人，详细解答了相关政策规定，来电人表示理解", "已向来电人解释相关政策及办理流程，并告知咨询电话"]
RETURN_REASONS = {  # units that send cases back (退单) → (why, where the dispatcher sends it next)
    "001": ("该问题位于小区内部，属物业服务企业管理范围", "101"),
    "002": ("经核实属物业服务范围，非住建部门职责", "101"),
    "004": ("经核实不属于市场监管职责，属占道经营，建议城管执法处理", "001"),
    "010": ("生活噪声、油烟属城管执法管理范围", "001"),
    "024": ("人行道停车属城管执法管理范围", "001"),
    "101": ("问题位于市政道路，不在物业管理区域内", "001"),
    "grid": ("需执法部门处理，网格无执法权限", "001"),
}


# ---- data ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    code: str
    title: str
    description: str
    result: str
    on_spot: bool
    weight: float
    channels: str


@dataclass(frozen=True)
class Message:
    path: tuple[str, str, str]
    title: str
    description: str


@lru_cache(maxsize=1)
def findings() -> tuple[Finding, ...]:
    with open(DATA / "findings.csv", encoding="utf-8", newline="") as f:
        return tuple(Finding(r["code"], r["title"], r["description"], r["result"], r["on_spot"] == "1",
                             float(r["weight"]), r["channels"]) for r in csv.DictReader(f))


@lru_cache(maxsize=1)
def messages() -> tuple[Message, ...]:
    with open(DATA / "hotline_messages.csv", encoding="utf-8", newline="") as f:
        return tuple(Message((r["level1"], r["level2"], r["level3"]), r["title"], r["description"])
                     for r in csv.DictReader(f))


# ---- the cast --------------------------------------------------------------------------------------

class People:
    """The demo accounts as actors, read once (two queries), looked up by scope."""

    def __init__(self):
        posts = (Post.objects.filter(active=True).select_related("user").order_by("scope", "role", "id"))
        self.by_user: dict[str, tuple[object, list[tuple[str, str]]]] = {}
        self.by_role: dict[str, dict[str, list[str]]] = {}
        for post in posts:
            name = post.user.get_username()
            self.by_user.setdefault(name, (post.user, []))[1].append((post.role, post.scope))
            self.by_role.setdefault(post.role, {}).setdefault(post.scope, []).append(name)
        self._actors: dict[str, Actor] = {}

    def actor(self, username: str) -> Actor:
        found = self._actors.get(username)
        if found is None:
            user, posts = self.by_user[username]
            found = self._actors[username] = Actor(user=user, posts=tuple(posts), label=username)
        return found

    def holder(self, role: str, code: str) -> str | None:
        """The account holding `role` nearest to `code`: the code's own post, else the nearest ancestor's."""
        scopes = self.by_role.get(role, {})
        if code.startswith("D"):
            return scopes.get(code, [None])[0]
        for n in range(len(code), 5, -3):
            if code[:n] in scopes:
                return scopes[code[:n]][0]
        return None

    def unit_handler(self, unit: str) -> str | None:
        """Who signs for a lead unit: the department's handler, or the grid's worker or leader."""
        if unit.startswith("D"):
            return self.holder("department_handler", unit)
        for role in ("grid_worker", "grid_leader"):
            name = self.scoped(role, unit)
            if name:
                return name
        return None

    def scoped(self, role: str, code: str) -> str | None:
        """An account with `role` whose scope covers `code` (its own grid first)."""
        name = self.holder(role, code)
        if name and any(r == role and covers(s, code) for r, s in self.by_user[name][1]):
            return name
        return None

    def dispatcher(self, platform: str) -> str:
        return self.holder("dispatcher", platform) or self.holder("dispatcher", platform[:6])

    def checker(self, grid: str, not_user) -> str | None:
        """A grid worker or leader of the case's grid who did not resolve it (核查)."""
        for role in ("grid_worker", "grid_leader"):
            name = self.scoped(role, grid)
            if name and self.by_user[name][0] != not_user:
                return name
        return None


@dataclass
class Place:
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


@dataclass(order=True)
class Step:
    at: datetime
    seq: int
    action: str = field(compare=False)
    case: SimCase | None = field(compare=False, default=None)


# ---- the simulation --------------------------------------------------------------------------------

class CitySimulation:
    def __init__(self, *, days: int, seed: int, now: datetime, progress=None):
        self.days, self.now = days, now
        self.start = now - timedelta(days=days)
        self.rng = random.Random(seed)
        # places in words (位置描述) draw from their own stream, so that adding them left the rest of
        # the simulated history as it was
        self.address_rng = random.Random(seed + 1)
        self.say = progress or (lambda message: None)
        self.cal = current_calendar()
        self.people = People()
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
        self.district = (Grid.objects.filter(level=0, valid_to__isnull=True).order_by("code")
                         .values_list("code", flat=True).first())
        if self.district is None:
            raise RuntimeError("no district grid: build the demo city's grid tree first")
        rows = list(Grid.objects.filter(level=3, valid_to__isnull=True, code__startswith=self.district)
                    .order_by("code").values_list("code", "name", "households", "parent__name"))
        geoms = current_geometries([r[0] for r in rows])
        self.places = [Place(code, name, community or "", max(1, households or 1), geoms[code],
                             tuple(shapely.bounds(geoms[code]))) for code, name, households, community in rows
                       if code in geoms]
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
            logger.warning("no account can sign for the default unit of %d classes (left out of the history): %s",
                           len(self.unroutable), "; ".join(self.unroutable))

    def routable(self, code: str) -> bool:
        """Whether someone can sign for the unit the catalogue sends a case of this class to."""
        if code not in self._routable:
            cat, sample = self.categories.get(code), self.places[0].code
            ok = False
            if cat is not None:
                route = routing.responsible_unit(category=cat, grid_code=sample, district=self.district)
                ok = self.people.unit_handler(route.unit) is not None
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
        if self._urgent(sc):
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

    def _urgent(self, sc: SimCase) -> bool:
        cat = self.categories.get(sc.category or "")
        return bool(cat and cat.urgent)

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
            elif step.action == "arrive":
                self._arrive(step.at, step.case)
            else:
                self._step(step.at, step.action, step.case)

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

    # -- intake ------------------------------------------------------------------------------------

    def _place(self) -> Place:
        r = self.rng.uniform(0, self.place_weights[-1])
        return self.places[min(int(np.searchsorted(self.place_weights, r, side="right")), len(self.places) - 1)]

    def _point(self, place: Place) -> tuple[float, float]:
        x0, y0, x1, y1 = place.bounds
        for _ in range(200):
            x, y = round(self.rng.uniform(x0, x1), 6), round(self.rng.uniform(y0, y1), 6)
            if shapely.contains_xy(place.geometry, x, y) and self.locator.locate(x, y) == place.code:
                return x, y
        point = shapely.point_on_surface(place.geometry)
        return point.x, point.y

    def _where(self, place: Place, template: str | None = None) -> str:
        template = template or self.rng.choice(PLACES)
        return template.format(c=place.community or place.name, n=self.rng.randint(1, 60), u=self.rng.randint(1, 6))

    def _finding(self, flag: str) -> Finding:
        pool = [f for f in self.findings if flag in f.channels]
        return self.rng.choices(pool, weights=[f.weight for f in pool])[0]

    def _new_case(self, channel: str) -> SimCase:
        place = self._place()
        sc = SimCase(idx=len(self.cases), channel=channel, grid=place, title="", category=None)
        self.cases.append(sc)
        return sc

    def _texts(self, sc: SimCase) -> dict:
        """Title, description, category and reporter of a new report, by channel."""
        place, channel, rng = sc.grid, sc.channel, self.rng
        public = channel in ("resident", "wechat", "open311")
        if channel == "hotline" or (public and rng.random() < 0.5):
            message, code = rng.choice(self.messages)
            sc.title, sc.category, sc.label = message.title, code, message.path[0]
            sc.consultation = sc.title.startswith(("咨询", "请问")) or "？" in sc.title[-2:]
            sc.result = rng.choice(ANSWERED if sc.consultation else RESULTS.get(message.path[0], RESULTS["城乡建设"]))
            sc.body = message.description or message.title
            description = f"市民来电反映：{sc.body}" if channel == "hotline" else sc.body
            given = code if channel == "open311" else None
        else:
            flag = {"patrol": "p", "deputy": "d", "supervisor": "s", "sensor": "i"}.get(channel, "r")
            f = self._finding(flag)
            sc.title, sc.category, sc.result = f.title, f.code, f.result
            sc.body = description = f.description.format(place=self._where(place),
                                                         building=self._where(place, BUILDING))
            prefix = {"patrol": "巡查发现：", "sensor": "物联感知设备告警：", "deputy": "人大代表接待群众时了解到：",
                      "supervisor": "督导员巡查发现："}.get(channel, "")
            description = prefix + description + ("，希望尽快处理。" if public else "")
            given = f.code if channel in ("patrol", "deputy", "supervisor", "sensor", "open311") or rng.random() < 0.3 \
                else None
            sc.on_spot_ok = f.on_spot
        name = phone = ""
        if channel in ("hotline", "resident", "wechat", "open311") and rng.random() < 0.85:
            name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))
            phone = f"1{rng.choice(['38', '39', '50', '58', '86', '87'])}{rng.randint(0, 99_999_999):08d}"
        return {"title": sc.title, "description": description, "category": given, "reporter_name": name,
                "reporter_phone": phone}

    def _reporter(self, sc: SimCase) -> Actor:
        street = sc.grid.code[:9]
        if sc.channel == "patrol":
            return self.people.actor(self.people.scoped("grid_worker", sc.grid.code))
        if sc.channel == "hotline":
            return self.people.actor(self.people.holder("dispatcher", sc.grid.code[:6]))
        if sc.channel == "deputy":
            return self.people.actor(self.people.scoped("deputy", street))
        if sc.channel == "supervisor":
            local = self.people.scoped("supervisor", street)
            return self.people.actor(local if local and self.rng.random() < 0.7
                                     else self.people.holder("supervisor", street[:6]))
        if sc.channel == "sensor":
            return self.iot
        return Actor.anonymous("open311" if sc.channel == "open311" else "resident")

    def _arrive(self, t: datetime, sc: SimCase) -> None:
        open_nearby = [c for c in self.cases[max(0, sc.idx - 150):sc.idx]
                       if c.case is not None and c.status in (Status.REGISTERED, Status.DISPATCHED, Status.IN_PROGRESS)
                       and c.channel != "patrol"]
        if sc.channel in ("hotline", "resident", "wechat") and open_nearby and self.rng.random() < DUPLICATE:
            master = self.rng.choice(open_nearby)
            sc.duplicate_of, sc.grid = master, master.grid
            sc.title, sc.category, sc.label, sc.result = master.title, master.category, master.label, master.result
            sc.body = master.body
            lead_in = "市民来电反映：" if sc.channel == "hotline" else ""
            fields = {"title": master.title, "description": f"{lead_in}{master.body}", "category": None,
                      "reporter_name": "", "reporter_phone": ""}
        else:
            fields = self._texts(sc)
        template = self.address_rng.choice(PLACES)
        fields["address"] = template.format(c=sc.grid.community or sc.grid.name, n=self.address_rng.randint(1, 60),
                                            u=self.address_rng.randint(1, 6))
        lon, lat = self._point(sc.grid)
        actor = self._reporter(sc)
        on_spot = sc.channel == "patrol" and sc.on_spot_ok and self.rng.random() < ON_SPOT
        resolved = {"result": sc.result, "photos": []} if on_spot else None
        intake = self._call("report", lambda: services.report_case(
            actor=actor, lon=lon, lat=lat, channel=sc.channel, resolved=resolved, at=t, **fields), sc)
        if intake is None:
            return
        sc.case, sc.number, sc.tracking_code = intake.case, intake.case.number, intake.tracking_code
        self.stats["reported"] += 1
        self.stats[f"channel:{sc.channel}"] += 1
        if on_spot:
            self.stats["on_spot"] += 1
            sc.resolver = actor.label
            self.plan(self.work(t, 0.5, 6), "verify", sc)
        elif self._urgent(sc) or sc.channel == "sensor":
            self.plan(self.clock(t, 0.05, 0.3), "register", sc)
        else:
            self.plan(self.work(t, 0.1, 1.5), "register", sc)

    # -- the loop ----------------------------------------------------------------------------------

    def _call(self, action: str, fn, sc: SimCase | None):
        try:
            return fn()
        except GridgovError as exc:
            self._refuse(action, sc, exc.message)
            return None

    def _refuse(self, action: str, sc: SimCase | None, why: str) -> None:
        self.stats["refused"] += 1
        message = f"{action} on {sc.number if sc else '?'}: {why}"
        if len(self.refusals) < 50:
            self.refusals.append(message)
        logger.warning("simulated %s refused: %s", action, message)

    def _do(self, sc: SimCase, action: str, username: str | Actor | None, at: datetime, **body) -> bool:
        if username is None:
            self._refuse(action, sc, "no demo account may do this")
            return False
        actor = username if isinstance(username, Actor) else self.people.actor(username)
        case = self._call(action, lambda: services.perform(action, actor=actor, number=sc.number, at=at, **body), sc)
        if case is None:
            return False
        sc.case = case
        self.stats[action] += 1
        return True

    def _step(self, t: datetime, action: str, sc: SimCase) -> None:
        getattr(self, f"_{action}")(t, sc)

    def _dispatcher(self, sc: SimCase) -> str:
        return self.people.dispatcher(sc.case.platform)

    def _register(self, t: datetime, sc: SimCase) -> None:
        rng, dispatcher = self.rng, self._dispatcher(sc)
        master = sc.duplicate_of
        if master is not None and master.status in (Status.REGISTERED, Status.DISPATCHED, Status.IN_PROGRESS,
                                                     Status.SUSPENDED, Status.RESOLVED):
            self._do(sc, "merge", dispatcher, t, into=master.number)
            return
        if sc.channel == "hotline" and sc.consultation and rng.random() < CONSULTATION_ANSWERED:
            self._do(sc, "reject", dispatcher, t, reason="政策咨询类诉求，已由12345话务员当场答复，不再派单")
            return
        if rng.random() < REJECT.get(sc.channel, 0.01):
            self._do(sc, "reject", dispatcher, t, reason=rng.choice(REJECT_REASONS))
            return
        cat = self.categories[sc.category]
        complexity = cat.complexity
        if rng.random() < 0.1:
            ladder = ["simple", "general", "complex"]
            complexity = ladder[min(2, ladder.index(complexity) + 1)] if complexity in ladder else complexity
        if self._do(sc, "register", dispatcher, t, category=sc.category, complexity=complexity):
            alarm = sc.channel == "sensor"  # the platform's duty officer passes alarms on at once, day or night
            self.plan(self.clock(t, 0.02, 0.2) if alarm else self.soon(sc, t, 0.02, 0.5), "dispatch", sc)

    def _dispatch(self, t: datetime, sc: SimCase) -> None:
        unit, sc.redirect = sc.redirect, None
        if not self._do(sc, "dispatch", self._dispatcher(sc), t, **({"unit": unit} if unit else {})):
            return
        case, rng = sc.case, self.rng
        handler = self.people.unit_handler(case.lead_unit)
        if handler is None:
            self._refuse("accept", sc, f"no account can sign for lead unit {case.lead_unit}")
            return
        kind = "unit" if case.lead_unit.startswith("D") else "grid"
        sign = self._span(case.dispatched_at, case.sign_by, case.urgent)
        # A unit sends back what is plausibly someone else's (RETURN_REASONS), once per case.
        returnable = (case.lead_unit[-3:] if kind == "unit" else "grid") in RETURN_REASONS
        if returnable and case.return_count == 0 and case.escalation_count == 0 and case.reopen_count == 0 \
                and rng.random() < RETURN[kind]:
            self.plan(self._after(case.dispatched_at, sign * rng.uniform(0.1, 0.8), case.urgent), "return", sc)
            return
        share = rng.uniform(1.1, 3.0) if rng.random() < LATE_SIGN else rng.uniform(0.05, 0.9)
        self.plan(self._after(case.dispatched_at, sign * share, case.urgent), "accept", sc)

    def _span(self, start: datetime, end: datetime, urgent: bool) -> float:
        if urgent:
            return max(60.0, (end - start).total_seconds())
        return max(60.0, self.cal.working_seconds_between(start, end))

    def _after(self, start: datetime, seconds: float, urgent: bool) -> datetime:
        if urgent:
            return start + timedelta(seconds=seconds)
        return self.cal.add_working_seconds(start, seconds)

    def _return(self, t: datetime, sc: SimCase) -> None:
        unit = sc.case.lead_unit
        reason, target = RETURN_REASONS[unit[-3:] if unit.startswith("D") else "grid"]
        if self._do(sc, "return", self.people.unit_handler(unit), t, reason=reason):
            sc.redirect = f"D{sc.grid.code[:6]}{target}"
            self.plan(self.work(t, 0.2, 3), "dispatch", sc)

    def _accept(self, t: datetime, sc: SimCase) -> None:
        if not self._do(sc, "accept", self.people.unit_handler(sc.case.lead_unit), t):
            return
        case, rng = sc.case, self.rng
        grid_led = not case.lead_unit.startswith("D")
        first = case.escalation_count == 0 and case.reopen_count == 0
        escalate = ESCALATE if grid_led and first and len(case.platform) > 6 else 0.0
        extend = EXTENSION if first and not case.urgent else 0.0
        suspend = SUSPEND if first and not case.urgent else 0.0
        roll = rng.random()
        if roll < escalate:
            self.plan(self.work(t, 0.3, 6), "escalate", sc)
        elif roll < escalate + extend:
            total = self._span(case.dispatched_at, case.resolve_by, False)
            when = self._after(case.dispatched_at, total * rng.uniform(0.45, 0.75), False)
            self.plan(max(when, self.work(t, 0.2, 1)), "request_extension", sc)
        elif roll < escalate + extend + suspend:
            self.plan(self.work(t, 1, 12), "suspend", sc)
        else:
            self._plan_resolution(t, sc)

    def _plan_resolution(self, t: datetime, sc: SimCase, *, late_ok: bool = True) -> None:
        """When the unit reports back: mostly well in time, some near the deadline, some late."""
        case, rng = sc.case, self.rng
        total = self._span(case.dispatched_at, case.resolve_by, case.urgent)
        roll = rng.random()
        if roll < 0.8:
            share = rng.triangular(0.03, 0.75, 0.15)  # most well in time
        elif roll < 0.93 or not late_ok:
            share = rng.uniform(0.8, 0.99)  # into the yellow
        else:
            share = rng.uniform(1.05, 1.5)  # late: red, and the sweep files 督办
        when = self._after(case.dispatched_at, total * share, case.urgent)
        when = max(when, self.soon(sc, t, 0.2, 1.5))
        if share >= 0.8 and rng.random() < SUPERVISE_SLOW:
            self.plan(self._after(case.dispatched_at, total * 0.82, case.urgent), "supervise", sc)
        self.plan(when, "resolve", sc)

    def _escalate(self, t: datetime, sc: SimCase) -> None:
        unit = sc.case.lead_unit
        if self._do(sc, "escalate", self.people.unit_handler(unit), t,
                    note="问题超出网格处置能力，需上级平台协调职能部门处理"):
            sc.redirect = self._escalation_target(sc)
            self.plan(self.work(t, 0.2, 2), "dispatch", sc)

    def _escalation_target(self, sc: SimCase) -> str:
        """The unit the platform above sends an escalated case to: the nearest ancestor class's department."""
        district = sc.grid.code[:6]
        cat = self.categories[sc.category]
        parent_id = cat.parent_id
        while parent_id is not None:
            parent = Category.objects.get(pk=parent_id)
            route = routing.responsible_unit(category=parent, grid_code=sc.grid.code, district=district)
            if route.unit.startswith("D") or (len(route.unit) == 12 and route.unit != sc.case.lead_unit):
                if self.people.unit_handler(route.unit):
                    return route.unit
            parent_id = parent.parent_id
        return f"D{district}{'011' if cat.code.startswith('S02') else '001'}"

    def _request_extension(self, t: datetime, sc: SimCase) -> None:
        if sc.status != Status.IN_PROGRESS:
            return
        days = self.rng.choice([2, 3, 3, 5, 5, 7, 10])
        reason = self.rng.choice(["需协调多个部门联合处置，申请延期", "需采购材料、安排施工，申请延期",
                                  "涉及产权单位确认，需时核实", "当事人外出，暂无法联系处理"])
        if self._do(sc, "request_extension", self.people.unit_handler(sc.case.lead_unit), t, days=days,
                    reason=reason):
            self.plan(self.work(t, 0.3, 4), "decide_extension", sc)

    def _decide_extension(self, t: datetime, sc: SimCase) -> None:
        case = sc.case
        second = case.extension_count >= 1 and len(case.platform) > 6
        dispatcher = self.people.dispatcher(case.platform[:6] if second else case.platform)
        if self.rng.random() < GRANT or second:
            if not self._do(sc, "grant_extension", dispatcher, t):
                return
            if sc.case.extension_count == 1 and self.rng.random() < SECOND_EXTENSION:
                total = self._span(t, sc.case.resolve_by, False)
                self.plan(self._after(t, total * self.rng.uniform(0.6, 0.9), False), "request_extension", sc)
                return
            self._plan_resolution(t, sc, late_ok=False)
        elif self._do(sc, "deny_extension", dispatcher, t, reason="现有时限可以完成，请抓紧办理"):
            self._plan_resolution(t, sc)

    def _suspend(self, t: datetime, sc: SimCase) -> None:
        if sc.status != Status.IN_PROGRESS:
            return
        review_on = timezone.localtime(t).date() + timedelta(days=self.rng.randint(3, 8))
        reason = self.rng.choice(["等待专项资金拨付", "涉及产权纠纷，等待法院判决", "需待天气条件允许后施工"])
        if self._do(sc, "suspend", self._dispatcher(sc), t, reason=reason, review_on=review_on):
            zone = timezone.get_default_timezone()
            morning = datetime(review_on.year, review_on.month, review_on.day, 9, tzinfo=zone)
            self.plan(self.work(morning, 0, 2), "resume", sc)

    def _resume(self, t: datetime, sc: SimCase) -> None:
        if self._do(sc, "resume", self._dispatcher(sc), t):
            self._plan_resolution(t, sc, late_ok=False)

    def _supervise(self, t: datetime, sc: SimCase) -> None:
        if sc.status not in (Status.DISPATCHED, Status.IN_PROGRESS):
            return
        street = sc.grid.code[:9]
        local = self.people.scoped("supervisor", street)
        who = local if local and self.rng.random() < 0.7 else self.people.holder("supervisor", street[:6])
        self._do(sc, "supervise", who, t, note=self.rng.choice(["临近办结时限，请加快办理进度", "群众反映强烈，请尽快处置到位",
                                                                "请按时限要求办结并反馈"]))

    def _resolve(self, t: datetime, sc: SimCase) -> None:
        if sc.status != Status.IN_PROGRESS:
            return
        handler = self.people.unit_handler(sc.case.lead_unit)
        if self._do(sc, "resolve", handler, t, result=sc.result or "已处置完毕"):
            sc.resolver = handler
            self.plan(self.soon(sc, t, 0.5, 8), "verify", sc)

    def _verify(self, t: datetime, sc: SimCase) -> None:
        checker = self.people.checker(sc.grid.code, self.people.by_user[sc.resolver][0] if sc.resolver else None)
        failed = sc.case.rework_count == 0 and self.rng.random() < (REWORK if sc.case.dispatched_at else REWORK / 2)
        if failed:
            if self._do(sc, "verify", checker, t, passed=False, note="现场核查未整改到位，请返工"):
                self.stats["rework"] += 1
                if sc.case.lead_unit:
                    self.plan(self.work(t, 1, 12), "resolve", sc)
            return
        checked = "经回访核实，已办理到位" if sc.label else "现场核查已整改到位"
        if self._do(sc, "verify", checker, t, passed=True, note=checked):
            self.plan(self.soon(sc, t, 0.1, 4), "close", sc)

    def _close(self, t: datetime, sc: SimCase) -> None:
        if not self._do(sc, "close", self._dispatcher(sc), t):
            return
        if self.rng.random() < EVALUATED.get(sc.channel, 0.3):
            if sc.channel in ("resident", "wechat", "open311"):
                self.plan(self.awake(self.clock(t, 1, 60)), "evaluate", sc)
            else:
                self.plan(self.work(t, 0.5, 16), "evaluate", sc)

    def _evaluate(self, t: datetime, sc: SimCase) -> None:
        rng = self.rng
        words, weights = zip(*SATISFACTION)
        satisfaction = rng.choices(words, weights=weights)[0]
        if sc.case.reopen_count and satisfaction == "dissatisfied" and rng.random() < 0.7:
            satisfaction = "basically_satisfied"
        solved = satisfaction != "dissatisfied" or rng.random() < 0.2
        note = {"satisfied": "满意", "basically_satisfied": "基本满意，希望长效管理",
                "dissatisfied": "问题没有彻底解决"}[satisfaction]
        if sc.channel in ("resident", "wechat", "open311") and sc.tracking_code:
            ok = self._do(sc, "evaluate", Actor.anonymous("reporter"), t, satisfaction=satisfaction, solved=solved,
                          note=note, tracking_code=sc.tracking_code)
        else:
            ok = self._do(sc, "evaluate", self._dispatcher(sc), t, satisfaction=satisfaction, solved=solved,
                          note=f"回访：{note}")
        if ok and satisfaction == "dissatisfied" and sc.case.reopen_count == 0 and sc.case.lead_unit \
                and rng.random() < REOPEN:
            self.plan(self.work(t, 0.3, 4), "reopen", sc)

    def _reopen(self, t: datetime, sc: SimCase) -> None:
        if self._do(sc, "reopen", self._dispatcher(sc), t, reason="群众评价不满意，重新办理"):
            self.plan(self.work(t, 0.1, 2), "dispatch", sc)

    # -- the report --------------------------------------------------------------------------------

    def _summary(self, seconds: float) -> dict:
        ids = [sc.case.pk for sc in self.cases if sc.case is not None]
        by_status = dict(sorted(Case.objects.filter(pk__in=ids).values_list("status").annotate(n=Count("id"))))
        lights = dict(sorted(Case.objects.filter(pk__in=ids, status__in=OPEN_STATUSES).exclude(light="")
                             .values_list("light").annotate(n=Count("id"))))
        events = CaseEvent.objects.filter(case_id__in=ids).count() if ids else 0
        s = self.stats
        return {
            "cases": len(ids), "events": events, "by_status": by_status,
            "by_channel": {k.split(":")[1]: v for k, v in sorted(s.items()) if k.startswith("channel:")},
            "lights": lights, "on_spot": s["on_spot"], "rejected": s["reject"], "merged": s["merge"],
            "returns": s["return"], "escalations": s["escalate"], "extensions_requested": s["request_extension"],
            "extensions_granted": s["grant_extension"], "extensions_denied": s["deny_extension"],
            "suspensions": s["suspend"], "reworks": s["rework"],
            "supervised": s["supervise"], "auto_supervised": s["auto_supervised"], "evaluated": s["evaluate"],
            "reopened": s["reopen"], "refused": s["refused"], "refusals": self.refusals,
            "unroutable_categories": self.unroutable, "seconds": round(seconds, 1),
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
