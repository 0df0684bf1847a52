"""The demo's points and 爱心超市 (演示积分), through points.services, in 柳湖街道 (sim/residents.FULL_STREET):

- the default rules again (a flush removes the migration's rows);
- a 爱心超市 in each community, opened by its 二级网格长 (`leader-<community>`), with 6–10 items and stock;
- over the 30 days before `now`, credits to about a quarter of 40 residents per community (志愿服务 hours,
  环境整治, 协助走访, 网格员奖励), by the community's leader;
- the accepted-report credits the demo's cases earn (points.sources.sync: the demo's reporters' phones are
  synthetic and rarely a resident's, so usually none) and the volunteer hours of 党员报到;
- a few redemptions at each counter, an hour before `now`.

Deterministic for a seed (the resident codes are random: they are secrets); nothing is written after `now`.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import numpy as np
from django.utils import timezone

from gridgov.grids.models import Grid
from gridgov.points import services, sources
from gridgov.points.models import Account
from gridgov.registry.models import Resident
from gridgov.sim.cast import Cast
from gridgov.sim.residents import FULL_STREET

ITEMS = (
    ("食用油 1.8L", 60),
    ("大米 5kg", 80),
    ("洗衣液 2kg", 40),
    ("抽纸 10包", 30),
    ("牙膏套装", 20),
    ("香皂 3块", 15),
    ("毛巾 2条", 25),
    ("保温杯", 70),
    ("雨伞", 45),
    ("理发券", 10),
)
DEEDS = (
    ("volunteer_hour", "楼道清理志愿服务", 2),
    ("environment", "参加小区环境整治", 1),
    ("visit_helped", "协助网格员入户走访", 1),
    ("manual", "劝导电动车规范停放", 5),
)
RESIDENTS_PER_COMMUNITY = 40


def build_demo_points(*, seed: int = 0, now: datetime | None = None, street: str = FULL_STREET) -> dict:
    """The street's supermarkets, credits and redemptions as the module docstring says; returns counts."""
    rng = np.random.default_rng(seed + 7000)
    now = now or timezone.now()
    services.install_default_rules()
    cast = Cast()
    counts = dict.fromkeys(("supermarkets", "items", "accounts", "credits", "redemptions"), 0)
    issued = redeemed = 0
    communities = Grid.objects.filter(code__startswith=street, level=2, valid_to__isnull=True).order_by("code")
    for community in communities:
        username = cast.holder("grid_leader", community.code)
        if username is None:
            continue
        actor = cast.actor(username)
        shop = services.open_supermarket(actor=actor, community=community, name=f"{community.name}爱心超市")
        counts["supermarkets"] += 1
        picks = rng.choice(len(ITEMS), size=int(rng.integers(6, 11)), replace=False)
        items = [
            services.stock_item(
                actor=actor, supermarket=shop, name=ITEMS[i][0], points=ITEMS[i][1], add=int(rng.integers(5, 30))
            )
            for i in sorted(picks)
        ]
        counts["items"] += len(items)
        residents = list(
            Resident.objects.filter(grid__code__startswith=community.code, active=True)
            .select_related("grid")
            .order_by("id")[:RESIDENTS_PER_COMMUNITY]
        )
        for resident in residents:
            if rng.random() > 0.25:
                continue
            counts["accounts"] += 1
            for n in range(int(rng.integers(2, 7))):
                kind, reason, units = DEEDS[int(rng.integers(0, len(DEEDS)))]
                at = now - timedelta(days=int(rng.integers(1, 30)), hours=int(rng.integers(0, 8)))
                posted = services.credit(
                    actor=actor,
                    resident=resident,
                    kind=kind,
                    ref=f"demo-{seed}-{resident.pk}-{n}",
                    reason=reason,
                    units=units,
                    at=at,
                )
                counts["credits"] += 1
                issued += posted.entry.amount
        for account in Account.objects.filter(resident__grid__code__startswith=community.code, balance__gte=40)[:3]:
            affordable = [i for i in items if i.points <= account.balance and i.stock > 0]
            if not affordable:
                continue
            posted = services.redeem(
                actor=actor,
                supermarket=shop,
                code=account.code,
                lines=[(affordable[0].pk, 1)],
                client_key=f"demo-{seed}-{account.pk}",
                at=now - timedelta(hours=1),
            )
            counts["redemptions"] += 1
            redeemed += -posted.entry.amount
    synced = sources.sync(within=street)
    return {**counts, "points_issued": issued, "points_redeemed": redeemed, "synced": synced, "street": street}
