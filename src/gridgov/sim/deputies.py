"""The demo city's deputies in the grids (演示人大代表进网格), through the services, in 柳湖街道 (FULL_STREET):

- levels: the street's 区人大代表 (`deputy-<street>`) and `deputy-district` district, `deputy-city` city, and a
  town-level deputy (乡镇人大代表, `deputy-town-<community>`, no password) posted on each community;
- a 联络站 per community with its town deputy and the street's district deputy attached; last month's
  reception days (the 9th and 10th) planned, with attendance and residents received;
- needs (需求单) from residents, visits and reception days in every state: waiting, claimed, settled by the
  deputy and rated, turned into cases that are open, closed, and closed and rated by the resident, and sent
  up one level (town → district) and two (→ city);
- 代表建议 to departments: replied (adopted / partly / not) and rated, one still waiting for its reply.

Deterministic for a seed and `now`; a few seconds.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from django.contrib.auth import get_user_model
from django.utils import timezone

from gridgov.cases.services.actions import perform
from gridgov.core.errors import GridgovError
from gridgov.deputies import receptions, services, suggestions
from gridgov.deputies.models import Need
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor
from gridgov.people.models import Unit
from gridgov.people.services import create_user
from gridgov.people.services.posts import assign_post
from gridgov.registry.models import Resident
from gridgov.sim.residents import FULL_STREET

SYSTEM = Actor.system("demo deputies")
NEEDS = (
    "小区路灯坏了好几盏，晚上出行不安全",
    "希望在小区增设老年人助餐点",
    "楼道堆放杂物多，存在消防隐患",
    "小区门口道路积水严重，请求修缮排水",
    "希望增设电动车集中充电桩",
    "老旧小区加装电梯，想了解政策",
    "社区健身器材损坏，请求维修",
    "希望开设四点半课堂照看放学孩子",
    "公交站台没有遮雨棚",
    "背街小巷垃圾清运不及时",
)
# what becomes of each need, in order (the rest stay waiting)
FATES = ("settled_rated", "settled", "case_open", "case_closed", "case_rated", "up_one", "up_two", "claimed")
SUGGESTIONS = (
    ("关于加快老旧小区改造的建议", "adopted"),
    ("关于增设社区养老服务设施的建议", "partly"),
    ("关于规范共享单车停放的建议", "not"),
    ("关于完善背街小巷路灯的建议", ""),
)


def _deputy(username: str, community: Grid) -> Actor:
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        user = create_user(username=username, password=None, full_name=f"{community.name}代表")
        assign_post(actor=SYSTEM, user=user, role="deputy", scope=community.code, title="乡镇人大代表")
    receptions.set_level(actor=SYSTEM, username=username, level="town")
    return Actor.of(user)


def _close(number: str, grid_code: str, platform: str, unit: str) -> None:
    """The case's loop through the case services: register, dispatch to the unit, accept, resolve, verify, close."""
    users = get_user_model().objects
    dispatcher = Actor.of(users.get(username=f"dispatcher-{platform}" if len(platform) > 6 else "dispatcher"))
    handler = Actor.of(users.get(username=f"handler-{unit}"))
    checker = Actor.of(users.get(username=f"worker-{grid_code}"))
    steps: list[tuple[str, Actor, dict]] = [
        ("register", dispatcher, {"complexity": "general"}),
        ("dispatch", dispatcher, {"unit": unit}),
        ("accept", handler, {}),
        ("resolve", handler, {"result": "已按代表转来的需求办理完毕"}),
        ("verify", checker, {"passed": True}),
        ("close", dispatcher, {"reply": "您通过人大代表反映的问题已办理完毕，感谢您的信任。"}),
    ]
    for action, actor, body in steps:
        perform(action, actor=actor, number=number, **body)


def build_demo_deputies(*, seed: int = 0, now: datetime | None = None) -> dict:
    """Stations, last month's reception days, needs in every state and suggestions; counts of what was made."""
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    rng = np.random.default_rng(seed + 1717)
    grids = list(Grid.objects.filter(code__startswith=FULL_STREET, level=3, valid_to__isnull=True).order_by("code"))
    users = get_user_model().objects
    street_deputy = users.filter(username=f"deputy-{FULL_STREET}").first()
    if not grids or street_deputy is None:
        return {"stations": 0, "receptions": 0, "needs": {}, "suggestions": 0}
    receptions.set_level(actor=SYSTEM, username=street_deputy.username, level="district")
    receptions.set_level(actor=SYSTEM, username="deputy-district", level="district")
    receptions.set_level(actor=SYSTEM, username="deputy-city", level="city")
    district, city = Actor.of(street_deputy), Actor.of(users.get(username="deputy-city"))
    communities = list(
        Grid.objects.filter(code__startswith=FULL_STREET, level=2, valid_to__isnull=True).order_by("code")
    )
    last_month = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    stations, days, town = [], [], {}
    for community in communities:
        deputy = _deputy(f"deputy-town-{community.code}", community)
        town[community.code] = deputy
        grid = next(g for g in grids if g.code.startswith(community.code))
        station = receptions.create_station(
            actor=SYSTEM,
            name=f"{community.name}人大代表联络站",
            grid_code=grid.code,
            address=f"{community.name}党群服务中心",
            deputies=(deputy.label, street_deputy.username),
        )
        stations.append(station)
        for day in receptions.plan_month(actor=SYSTEM, station_id=station.pk, month=last_month):
            came = [deputy.label] + ([street_deputy.username] if rng.random() < 0.5 else [])
            receptions.record_attendance(
                actor=SYSTEM, reception_id=day.pk, attended=came, residents_received=int(rng.integers(4, 16))
            )
            days.append((day, deputy))
    phones = list(
        Resident.objects.filter(grid__code__startswith=FULL_STREET, active=True)
        .exclude(phone_digest="")
        .order_by("id")[:40]
    )
    units = list(Unit.objects.filter(district=FULL_STREET[:6], active=True, kind="department").order_by("code")[:4])
    counts: dict[str, int] = {}
    made = 0
    for n in range(int(rng.integers(14, 19))):
        grid = grids[n % len(grids)]
        deputy = town[grid.code[:12]]
        resident = phones[n % len(phones)] if phones else None
        when = now - timedelta(days=int(rng.integers(1, 28)), hours=int(rng.integers(0, 8)))
        common = {
            "grid_code": grid.code,
            "text": NEEDS[n % len(NEEDS)],
            "name": resident.name if resident else "",
            "phone": resident.phone if resident else "",
        }
        try:
            if n % 3 == 1 and days:
                reception, host = days[n % len(days)]
                common["grid_code"] = ""  # the station's grid
                need = services.collect_need(actor=host, source="reception", reception=reception, at=when, **common)
            else:
                need = services.collect_need(actor=deputy, source="resident" if n % 3 else "visit", at=when, **common)
            deputy = town[need.grid.code[:12]]
            fate = FATES[n] if n < len(FATES) else "waiting"
            if fate != "waiting":
                services.claim(actor=deputy, number=need.number)
            if fate.startswith("settled"):
                services.settle(actor=deputy, number=need.number, result="已协调社区和物业解决")
            elif fate.startswith("case"):
                services.to_case(actor=deputy, number=need.number, title=need.text[:30])
                if fate != "case_open" and units:
                    case = Need.objects.select_related("case").get(pk=need.pk).case
                    _close(case.number, case.grid.code, case.platform, units[n % len(units)].code)
                    services.follow_cases(actor=SYSTEM)
            elif fate.startswith("up_"):
                services.escalate(actor=deputy, number=need.number, reason="涉及资金和跨部门协调，本级无法解决")
                if fate == "up_two":
                    services.claim(actor=district, number=need.number)
                    services.escalate(actor=district, number=need.number, reason="需市级统筹")
                    services.claim(actor=city, number=need.number)
            if fate.endswith("_rated"):
                if resident is not None:
                    services.rate(
                        actor=SYSTEM, number=need.number, rating="satisfied", resident_digest=need.phone_digest
                    )
                else:
                    services.rate(actor=deputy, number=need.number, rating="basically_satisfied")
        except GridgovError:
            continue
        made += 1
        counts[fate] = counts.get(fate, 0) + 1
    filed = 0
    for k, (title, adoption) in enumerate(SUGGESTIONS):
        if not units:
            break
        unit = units[k % len(units)]
        author = district if k % 2 else town[communities[k % len(communities)].code]
        try:
            s = suggestions.file(
                actor=author, unit_code=unit.code, title=title, text=f"{title}：建议有关部门统筹解决。"
            )
            filed += 1
            if adoption:
                handler = Actor.of(users.get(username=f"handler-{unit.code}"))
                suggestions.reply(actor=handler, number=s.number, reply="已研究办理，答复如下。", adoption=adoption)
                suggestions.rate(
                    actor=author, number=s.number, rating="satisfied" if adoption != "not" else "basically_satisfied"
                )
        except GridgovError:
            continue
    return {"stations": len(stations), "receptions": len(days), "needs": counts, "made": made, "suggestions": filed}
