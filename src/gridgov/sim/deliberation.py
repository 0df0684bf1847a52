"""The demo's deliberation (三段式决策) in 柳湖街道 (sim/residents.FULL_STREET), through the real services:

- 汇泉东社区 (一征三议两公开): an elevator matter fully done — opinions, three meetings, the decision and the result
  of its implementation made public — and a parking matter still collecting opinions;
- the villages 三王庄 and 桐树王 (四议两公开): a road matter mid-way (two of four meetings held) and a letting
  matter whose decision is public and whose result is awaited.

Opinions come from the community's registered residents (their phones link them, for points). Deterministic for
a seed and `now`; nothing is dated after `now`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from django.contrib.auth import get_user_model
from django.utils import timezone

from gridgov.deliberation import services
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor
from gridgov.registry.models import Resident
from gridgov.sim.residents import FULL_STREET

COMMUNITY = f"{FULL_STREET}001"  # 汇泉东社区
VILLAGES = (f"{FULL_STREET}207", f"{FULL_STREET}208")  # 三王庄, 桐树王
OPINIONS = (
    "赞成加装,希望施工期间注意安全。",
    "一楼住户的采光问题请一并考虑。",
    "费用分摊方案请提前公示。",
    "建议选用有资质的电梯公司。",
    "同意,老人上下楼太不方便了。",
    "停车位划线请留出消防通道。",
    "希望增加电动车充电桩。",
)
MINUTES = "会议通报了事项内容和前期征求的意见,与会人员逐一发表意见,经讨论形成表决。"


def _leader(code: str) -> Actor:
    return Actor.of(get_user_model().objects.get(username=f"leader-{code}"))


def _grid(code: str) -> Grid:
    return Grid.objects.get(code=code, valid_to__isnull=True)


def _rounds(actor: Actor, matter, keys: tuple[str, ...], first: datetime, rng) -> int:
    for n, key in enumerate(keys):
        expected = int(rng.integers(7, 31))
        present = max(expected - int(rng.integers(0, 3)), (expected * 2 + 2) // 3)
        against = int(rng.integers(0, 2))
        services.record_round(
            actor=actor,
            matter=matter,
            stage=key,
            held_on=timezone.localdate(first + timedelta(days=3 * n)),
            minutes=MINUTES,
            expected=expected,
            present=present,
            present_names=f"应到{expected}人,实到{present}人(名单存档)",
            votes_for=present - against,
            votes_against=against,
            votes_abstain=0,
        )
    return len(keys)


def _opinions(matter, start: datetime, n: int, rng) -> int:
    people = list(
        Resident.objects.filter(grid__code__startswith=matter.grid.code, active=True)
        .exclude(phone_digest="")
        .order_by("id")[:50]
    )
    for k in range(n):
        who = people[int(rng.integers(0, len(people)))] if people and k % 3 != 2 else None  # some anonymous
        services.record_opinion(
            matter=matter,
            text=OPINIONS[int(rng.integers(0, len(OPINIONS)))],
            name=who.name if who else "",
            phone=who.phone if who else "",
            at=start + timedelta(hours=6 + 7 * k),
        )
    return n


def build_demo_deliberation(*, seed: int = 0, now: datetime | None = None) -> dict:
    """Four matters in 柳湖街道 in different stages (module docstring); returns their counts."""
    rng = np.random.default_rng(seed + 7000)
    now = now or timezone.now()
    counts = {"matters": 0, "opinions": 0, "rounds": 0, "publications": 0}
    leader = _leader(COMMUNITY)

    def ago(days: float) -> datetime:
        return now - timedelta(days=days)

    # 1. done: 一征三议两公开 all the way
    done = services.open_matter(
        actor=leader,
        grid=_grid(COMMUNITY),
        title="汇泉东小区3号楼加装电梯",
        description="3号楼住户申请加装电梯,涉及费用分摊和低层住户采光。",
        at=ago(60),
    )
    services.open_opinions(actor=leader, matter=done, until=ago(50), at=ago(60))
    counts["opinions"] += _opinions(done, ago(60), 6, rng)
    services.close_opinions(actor=leader, matter=done, at=ago(50))
    counts["rounds"] += _rounds(leader, done, ("propose", "discuss", "decide"), ago(48), rng)
    services.publish_decision(
        actor=leader, matter=done, text="经居民代表会议表决通过:3号楼加装电梯,费用按楼层分摊。", published_at=ago(38)
    )
    services.publish_result(
        actor=leader, matter=done, text="电梯已安装完毕并通过特种设备检验,投入使用。", published_at=ago(5)
    )
    # 2. collecting opinions
    parking = services.open_matter(
        actor=leader,
        grid=_grid(COMMUNITY),
        title="汇泉东小区停车位规划",
        description="院内车多位少,拟重新划线并增设充电桩,征求居民意见。",
        at=ago(3),
    )
    services.open_opinions(actor=leader, matter=parking, until=now + timedelta(days=7), at=ago(3))
    counts["opinions"] += _opinions(parking, ago(3), 3, rng)
    # 3. a village mid-way: two of 四议 held
    road_leader = _leader(VILLAGES[0])
    road = services.open_matter(
        actor=road_leader, grid=_grid(VILLAGES[0]), title="村内主干道硬化及路灯安装", at=ago(20)
    )
    counts["rounds"] += _rounds(road_leader, road, ("propose", "discuss"), ago(18), rng)
    # 4. a village whose decision is public, the result awaited
    let_leader = _leader(VILLAGES[1])
    letting = services.open_matter(
        actor=let_leader, grid=_grid(VILLAGES[1]), title="村集体闲置用房对外出租", at=ago(30)
    )
    counts["rounds"] += _rounds(let_leader, letting, ("propose", "discuss", "review", "decide"), ago(28), rng)
    services.publish_decision(
        actor=let_leader,
        matter=letting,
        text="经村民代表会议表决通过:闲置用房公开招租,租金纳入村集体收入。",
        published_at=ago(15),
    )
    counts["matters"] = 4
    counts["publications"] = 3
    return counts
