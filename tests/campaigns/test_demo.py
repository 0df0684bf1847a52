"""The demo's campaign and covert findings (sim/campaigns.py) are built through the services, in time."""

import time

import pytest

from gridgov.campaigns import selectors
from gridgov.campaigns.models import Campaign, CovertFinding
from gridgov.sim.campaigns import build_demo_campaigns
from gridgov.sim.residents import FULL_STREET
from tests.campaigns.conftest import ON, at
from tests.cases import helpers as h

pytestmark = pytest.mark.django_db


def test_the_demo_campaign_and_ranking(clock):
    began = time.monotonic()
    counts = build_demo_campaigns(seed=0, now=at(ON))
    assert time.monotonic() - began < 10, counts
    assert counts["campaigns"] == 1 and 15 <= counts["findings"] <= 30 and counts["problems"] > 0, counts
    assert counts["rectified"] > 0 and counts["refused"] == 0, counts
    campaign = Campaign.objects.get()
    progress = selectors.progress(h.actor("leader"), campaign)
    full = next(s for s in progress["streets"] if s["grid"] == FULL_STREET)
    assert 0.6 <= full["rate"] <= 0.8, full
    assert any(s["done"] for s in progress["streets"] if s["grid"] != FULL_STREET)
    ranking = selectors.street_ranking(region="410102")
    assert sum(r["findings"] for r in ranking) == CovertFinding.objects.count() == counts["findings"]
    assert selectors.overdue(h.actor("leader"), on=ON)  # due a week ago, grids left behind
