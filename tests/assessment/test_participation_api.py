"""GET /api/v1/stats/participation: the seeds' participation figures of a region in one call, for the same
readers as the indicators (a leader, the street's dispatcher), 401/403/404 otherwise."""

import pytest

from tests.cases import helpers as h
from tests.mediation.conftest import ON, clock, open_walk_in, teams  # noqa: F401 — fixtures

pytestmark = pytest.mark.django_db
DAY = {"start": ON.date().isoformat(), "end": ON.date().isoformat()}
SECTIONS = {"deputies", "points", "deliberation", "mediation", "oversight", "party", "stations"}


def test_a_streets_figures_in_one_call(teams, api):  # noqa: F811
    open_walk_in(1)
    open_walk_in(2, grid=h.SIBLING_GRID)
    r = api("leader").get("/stats/participation", {"region": h.STREET, **DAY})
    assert r.status_code == 200, r.content
    out = r.json()
    assert set(out) >= SECTIONS
    assert (out["region"], out["start"], out["end"]) == (h.STREET, DAY["start"], DAY["end"])
    assert out["mediation"]["received"] == 2
    assert out["mediation"]["by_class_and_level"]["1"]["grid"] == 1
    assert out["mediation"]["by_class_and_level"]["2"]["community"] == 1
    # the street's own dispatcher reads the same figures
    assert api(f"dispatcher-{h.STREET}").get("/stats/participation", {"region": h.STREET, **DAY}).json() == out


def test_scope_and_bad_input(teams, api):  # noqa: F811
    r = api(f"dispatcher-{h.STREET}", language="en").get("/stats/participation", {"region": h.OTHER_STREET})
    assert r.status_code == 403 and "outside your scope" in r.json()["detail"]
    assert api().get("/stats/participation", {"region": h.STREET}).status_code == 401
    assert api("leader").get("/stats/participation", {"region": "999999"}).status_code == 404
    assert api("leader").get("/stats/participation", {"region": h.STREET, "start": "2026-13-01"}).status_code == 400
    assert api("leader").get("/stats/participation").status_code == 422  # region is required
