"""Issue 13's figures come out of the demo: one call of GET /api/v1/stats/participation gives 柳湖街道's
需求单/任务单/责任单 and their closure, the deputies' person-times, points, matters deliberated, disputes by class
and level and the 3671 stations' service figures — consistent with what each demo part says it made."""

from datetime import timedelta

import pytest

from gridgov.sim.deputies import build_demo_deputies
from gridgov.sim.residents import FULL_STREET, build_demo_registry
from gridgov.sim.stations import build_demo_stations
from tests.deputies.conftest import ON, clock  # noqa: F401 — the held clock

pytestmark = pytest.mark.django_db


def test_a_streets_participation_figures_come_out_of_the_demo(clock, api):  # noqa: F811
    # one community's residents registered (as tests/stations/test_demo.py does): the stations' sign-ups need them
    build_demo_registry(seed=0, full_street=FULL_STREET + "001", sample=0, at=ON - timedelta(days=40))
    deputies_made = build_demo_deputies(seed=0, now=ON)
    stations_made = build_demo_stations(seed=0, now=ON)
    window = {"start": (ON.date() - timedelta(days=62)).isoformat(), "end": ON.date().isoformat()}
    r = api("leader").get("/stats/participation", {"region": FULL_STREET, **window})
    assert r.status_code == 200, r.content
    out = r.json()

    d = out["deputies"]
    assert d["needs"] == deputies_made["made"]  # every need the demo collected, in the window
    assert d["needs"] >= d["tasks"] >= d["cases"] > 0  # 需求单 ≥ 任务单 ≥ 责任单
    assert 0 < d["closed"] <= d["needs"] and d["closure_rate"] == round(d["closed"] / d["needs"], 4)
    assert d["escalated"] >= 2 and d["satisfied"] <= d["rated"]
    assert d["receptions"] == deputies_made["receptions"] and d["residents_received"] > 0
    assert d["visit_person_times"] == d["household_visits"] + d["reception_attendances"] > 0

    s = out["stations"]
    assert s["person_times"] > 0 and sum(s["by_service_type"].values()) == s["person_times"]
    assert len(s["by_service_type"]) == 6 and len(s["by_target_group"]) == 7  # the 3671's six types, seven groups
    assert s["activities_held"] > 0 and s["bookings"] <= stations_made["bookings"]

    # the other sections are there, with their counts (this test builds only two demo parts)
    assert out["mediation"]["received"] == sum(
        sum(levels.values()) for levels in out["mediation"]["by_class_and_level"].values()
    )
    assert {"issued", "redeemed"} <= set(out["points"]) and {"deliberated", "decided"} <= set(out["deliberation"])
