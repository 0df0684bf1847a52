"""The demo's 一聘三督 (sim/oversight.py): supervisors of 柳湖街道 with terms and a month of findings."""

import time
from datetime import timedelta

from gridgov.grids.models import Grid
from gridgov.oversight.models import Appointment, Finding
from gridgov.people.models import Post, in_force
from gridgov.sim.oversight import build_demo_oversight
from gridgov.sim.residents import FULL_STREET
from tests.oversight.conftest import ON, at, patrol


def test_the_demo_appoints_supervisors_and_records_findings_quickly(clock):
    grids = Grid.objects.filter(code__startswith=FULL_STREET, level=3, valid_to__isnull=True).order_by("code")
    for n, grid in enumerate(grids[:6]):  # the test city has no patrol history: walk a few (fieldwork does in the demo)
        patrol(grid=grid.code, day=ON - timedelta(days=n + 1))
    started = time.monotonic()
    made = build_demo_oversight(seed=0, now=at(ON))
    assert time.monotonic() - started < 10  # budget 5 s; headroom for a busy machine
    assert 3 <= made["appointments"] <= 5
    appointments = Appointment.objects.filter(area__startswith=FULL_STREET)
    assert appointments.count() == made["appointments"]
    assert (
        Post.objects.filter(in_force(ON), role="supervisor", user__appointments__in=appointments).count()
        == made["appointments"]
    )
    findings = Finding.objects.filter(grid__code__startswith=FULL_STREET)
    assert 10 <= findings.count() == sum(made["findings"].values()) <= 20
    assert made["findings"]["missed"] >= 1 and made["findings"]["work_style"] >= 1
    assert all(f.day <= ON and f.case_id for f in findings)
