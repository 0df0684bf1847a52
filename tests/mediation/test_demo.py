"""The demo's mediation (sim/mediation.py): teams of 柳湖街道 and a month of disputes in every class and state."""

import time

import pytest

from gridgov.mediation.models import Agreement, Dispute, MediationTeam
from gridgov.sim.mediation import build_demo_mediation
from gridgov.sim.residents import FULL_STREET
from tests.mediation.conftest import ON

pytestmark = pytest.mark.django_db


def test_the_demo_builds_teams_and_disputes_quickly(clock):
    started = time.monotonic()
    made = build_demo_mediation(seed=0, now=ON)
    assert time.monotonic() - started < 10  # budget 5 s (about 2.5 s alone on PostgreSQL); headroom for a busy machine
    assert 20 <= made["disputes"] <= 40
    disputes = Dispute.objects.filter(grid__code__startswith=FULL_STREET)
    assert disputes.count() == made["disputes"]
    assert set(disputes.values_list("dispute_class", flat=True)) == {1, 2, 3}
    assert {"mediating", "agreed", "failed", "court_hearing"} <= set(made["statuses"])
    assert set(MediationTeam.objects.filter(code__startswith=FULL_STREET).values_list("kind", flat=True)) == {
        "grid",
        "joint",
        "professional",
    }
    assert Agreement.objects.filter(dispute__in=disputes).count() >= 1
    assert disputes.filter(team__isnull=True).count() == 0
    assert all(d.received_at <= ON for d in disputes)
