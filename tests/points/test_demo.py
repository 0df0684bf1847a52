"""The demo's points (sim/points.py) on one community of the fully built street, through the services: a
爱心超市 with 6–10 items, credits over the month, redemptions, every balance equal to its entries' sum."""

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Sum

from gridgov.points.models import Account, Entry, Item, Supermarket
from gridgov.sim.party import build_demo_party
from gridgov.sim.points import build_demo_points
from gridgov.sim.residents import build_demo_registry

NOW = datetime(2025, 6, 12, 18, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
COMMUNITY = "410102014001"


@pytest.mark.django_db
def test_the_demo_points(demo_city):
    build_demo_registry(seed=0, full_street=COMMUNITY, sample=0, at=NOW - timedelta(days=40))
    build_demo_party(seed=0, now=NOW, street=COMMUNITY)
    started = time.monotonic()
    result = build_demo_points(seed=0, now=NOW, street=COMMUNITY)
    assert time.monotonic() - started < 5
    assert Supermarket.objects.count() == result["supermarkets"] == 1
    assert 6 <= Item.objects.count() == result["items"] <= 10
    assert (
        Entry.objects.filter(
            amount__gt=0, source_kind__in=["volunteer_hour", "environment", "visit_helped", "manual"]
        ).count()
        == result["credits"]
        > 0
    )
    assert result["redemptions"] > 0 and result["points_redeemed"] > 0
    assert not Entry.objects.filter(at__gt=NOW).exists()
    for account in Account.objects.all():
        assert account.balance == account.entries.aggregate(s=Sum("amount"))["s"] >= 0
        assert len(account.code) == 8
