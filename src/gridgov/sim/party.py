"""The demo city's party layer (演示网格党建): groups, members, 联户, 在职党员报到 and 网格吹哨 through the services.

In the fully built street only (sim/residents.FULL_STREET), where the registry holds every household:
- a party group (网格党小组) per 三级网格, made by the grid's 三级网格长, with 3–6 synthetic members (names from the
  registry's generator, phones synthetic) and the first member as its leader;
- each 联户党员 keeps in touch with 10–20 of the grid's households (so a grid's 联户覆盖率 lies near 10–25 %);
- two 在职党员 (employed elsewhere) register (报到) in their home community;
- a few whistle calls (网格吹哨) over the month, answered by members (recorded by the grid leader: they answered
  in the grid's group chat), hours recorded after the task and the call closed; and one open call for
  tomorrow in the first grid, which the demo's party member (`party-<grid>`, a 联户党员 post) may answer.

Deterministic for a seed and `now`; nothing is written after `now`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import numpy as np
from django.db import transaction
from django.utils import timezone

from gridgov.grids.models import Grid
from gridgov.party import services
from gridgov.party.models import PartyMember
from gridgov.people.models import PostKind, Role
from gridgov.people.services import create_user
from gridgov.people.services.posts import assign_post
from gridgov.registry.models import Household
from gridgov.sim.cast import Cast
from gridgov.sim.models import DemoAccount
from gridgov.sim.residents import FULL_STREET, _name
from gridgov.sim.staffing import _password, _phone

EMPLOYERS = ("市供水公司", "区人民医院", "市第三中学", "区市场监管局")
TASKS = (
    ("清理楼道杂物", "清理楼道堆放的杂物，消除消防隐患"),
    ("帮扶独居老人", "为独居老人打扫卫生、检查燃气"),
    ("文明创建志愿服务", "在小区门口劝导电动车规范停放"),
    ("防汛巡查", "雨后巡查低洼处积水和危墙"),
)
CALLS = 6  # closed calls over the month, in the street's first grids
DEMO_MEMBER = "party-{grid}"


def _at(day: date, hour: float) -> datetime:
    return timezone.make_aware(datetime.combine(day, time()) + timedelta(hours=hour))


@transaction.atomic
def build_demo_party(*, seed: int = 0, now: datetime | None = None, days: int = 30, street: str = FULL_STREET) -> dict:
    """The party layer of `street` (a street or a community of FULL_STREET, whose 三级网格长 exist) as the module
    docstring says; returns its counts and the demo account."""
    rng = np.random.default_rng(seed + 5000)
    now = now or timezone.now()
    today = timezone.localdate(now)
    first = today - timedelta(days=days)
    cast = Cast()
    grids = list(Grid.objects.filter(code__startswith=street, level=3, valid_to__isnull=True).order_by("code"))
    counts = dict.fromkeys(("groups", "members", "links", "registrations", "calls", "answers"), 0)
    hours_total = 0.0
    by_grid: dict[str, list[PartyMember]] = {}
    in_service_left = 2
    for grid in grids:
        leader = cast.actor(f"gridleader-{grid.code}")
        group = services.create_group(actor=leader, grid=grid, name=f"{grid.name}党小组", created_on=first)
        counts["groups"] += 1
        households = list(
            Household.objects.filter(grid=grid, active=True).select_related("grid", "address").order_by("id")
        )
        cursor = 0
        members = []
        for n in range(int(rng.integers(3, 7))):
            kind = "liaison" if n < 2 or rng.random() < 0.5 else "community"
            employer = ""
            if n == 2 and in_service_left:
                kind, employer = "in_service", EMPLOYERS[in_service_left % len(EMPLOYERS)]
                in_service_left -= 1
            member = services.add_member(
                actor=leader,
                name=_name(rng),
                grid=grid,
                kind=kind,
                employer=employer,
                phone=_phone(rng),
                group=group,
                joined_on=date(int(rng.integers(1980, 2020)), int(rng.integers(1, 13)), 1),
            )
            members.append(member)
            if kind == "liaison" and cursor < len(households):
                take = households[cursor : cursor + int(rng.integers(10, 21))]
                cursor += len(take)
                counts["links"] += len(services.link_households(actor=leader, member=member, households=take, on=first))
            if kind == "in_service":
                registered = min(_at(first + timedelta(days=2), 19), now)
                services.register_member(actor=leader, member=member, at=registered)
                counts["registrations"] += 1
        services.update_group(actor=leader, group=group, leader=members[0])
        counts["members"] += len(members)
        by_grid[grid.code] = members
    for k in range(min(CALLS, len(grids))):
        grid = grids[k]
        leader = cast.actor(f"gridleader-{grid.code}")
        # a past day, never today: its task, answers and hours all lie before `now`
        day = min(first + timedelta(days=int(rng.integers(1, max(days - 1, 2)))), today - timedelta(days=1))
        title, task = TASKS[k % len(TASKS)]
        opened = _at(day, 8)
        call = services.open_call(
            actor=leader,
            grid=grid,
            title=title,
            task=task,
            place=f"{grid.name}",
            starts_at=_at(day, 9),
            people_needed=3,
            at=opened,
        )
        counts["calls"] += 1
        answering = [m for m in by_grid[grid.code] if m.kind != "in_service"][:3]
        for m in answering:
            answer = services.answer_call(actor=leader, call=call, member=m, at=_at(day, 8.5)).answer
            hours = float(rng.choice([1.5, 2, 2.5, 3]))
            services.record_hours(actor=leader, answer=answer, hours=hours, at=_at(day, 12))
            counts["answers"] += 1
            hours_total += hours
        services.close_call(actor=leader, call=call, at=_at(day, 12.5))
    account = _demo_member(grids[0], by_grid[grids[0].code][1], cast, now) if grids else None
    return {**counts, "hours": f"{hours_total:.1f}", "account": account}


def _demo_member(grid: Grid, member: PartyMember, cast: Cast, now: datetime) -> str:
    """The demo's party member who signs in: a 联户党员 post over their grid, the member record linked to the
    account, and an open call of their grid for tomorrow to answer."""
    username = DEMO_MEMBER.format(grid=grid.code)
    password = _password(username, member.name)
    user = create_user(username=username, password=password, full_name=member.name, fast_hash=True)
    assign_post(
        user=user, role=Role.DEPUTY, scope=grid.code, title="联户党员", details={"kind": PostKind.PARTY_LIAISON}
    )
    leader = cast.actor(f"gridleader-{grid.code}")
    services.link_account(actor=leader, member=member, user=user)
    DemoAccount.objects.create(username=username, password=password, role=Role.DEPUTY, scope=grid.code)
    tomorrow = timezone.localdate(now) + timedelta(days=1)
    services.open_call(
        actor=leader,
        grid=grid,
        title="周末清理小区绿化带",
        task="清理绿化带内的垃圾和杂物",
        place=grid.name,
        starts_at=_at(tomorrow, 9),
        people_needed=5,
        at=now,
    )
    return username
