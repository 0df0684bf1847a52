"""The demo's deputies (sim/deputies.py): 联络站 per community of 柳湖街道, last month's reception days with
attendance, needs in every state of the 三单制 loop, suggestions replied and rated — in a few seconds."""

import time

import pytest

from gridgov.deputies.models import Hop, LiaisonStation, Need, Reception, Suggestion
from gridgov.grids.models import Grid
from gridgov.sim.deputies import build_demo_deputies
from gridgov.sim.residents import FULL_STREET
from tests.deputies.conftest import ON

pytestmark = pytest.mark.django_db


def test_the_demo_builds_the_loop_in_every_state(clock):
    started = time.monotonic()
    made = build_demo_deputies(seed=0, now=ON)
    assert time.monotonic() - started < 15  # a few seconds; headroom for a busy machine
    communities = Grid.objects.filter(code__startswith=FULL_STREET, level=2, valid_to__isnull=True).count()
    assert made["stations"] == LiaisonStation.objects.count() == communities
    days = Reception.objects.all()
    assert {d.day.isoformat() for d in days} == {"2026-02-09", "2026-02-10"} and days.count() == 2 * communities
    assert all(d.attended.exists() and d.residents_received > 0 for d in days)
    needs = Need.objects.filter(grid__code__startswith=FULL_STREET)
    assert needs.count() == made["made"] >= 14
    assert set(made["needs"]) == {
        "settled_rated",
        "settled",
        "case_open",
        "case_closed",
        "case_rated",
        "up_one",
        "up_two",
        "claimed",
        "waiting",
    }
    assert {"collected", "claimed", "case", "closed", "rated"} <= set(needs.values_list("status", flat=True))
    assert needs.filter(case__status="closed", status="closed").exists()
    assert needs.filter(case__isnull=False, status="rated").exists()
    assert sorted(Hop.objects.values_list("to_level", flat=True)) == ["city", "district", "district"]
    assert {"reception", "resident", "visit"} == set(needs.values_list("source", flat=True))
    assert all(n.collected_at <= ON for n in needs)
    assert Suggestion.objects.filter(rating__gt="").count() == 3 and Suggestion.objects.filter(reply="").count() == 1
