"""Track points recorded offline are written exactly once (issue 12 item 4), GCJ-02 converted on the way in."""

import uuid

import pytest

from gridgov.core.geo import wgs84_to_gcj02
from gridgov.patrols.models import PatrolSession, TrackPoint
from tests.cases import helpers as h
from tests.patrols.conftest import LEADER, MONDAY, OTHER_WORKER, WORKER, local

pytestmark = pytest.mark.django_db


def points(n, start=0, lon=113.6, lat=34.75):
    """n fixes with stable ids (the same call gives the same ids), one a minute from Monday 09:00."""
    return [
        {
            "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"fix-{i}")),
            "lon": lon + i * 1e-4,
            "lat": lat,
            "at": local(MONDAY, 9, i % 60).isoformat(),
            "accuracy": 8.0,
        }
        for i in range(start, start + n)
    ]


@pytest.fixture
def session_id(plan, api):
    sid = str(uuid.uuid4())
    answer = api(WORKER).post(
        "/patrols/sessions", {"id": sid, "plan": plan.pk, "started_at": local(MONDAY, 9).isoformat()}
    )
    assert answer.status_code == 201, answer.content
    return sid


def test_same_batch_twice_writes_once(api, session_id):
    client = api(WORKER)
    first = client.post(f"/patrols/sessions/{session_id}/track", {"points": points(5)})
    again = client.post(f"/patrols/sessions/{session_id}/track", {"points": points(5)})
    assert first.status_code == again.status_code == 200
    assert first.json() == {"received": 5, "new": 5}
    assert again.json() == {"received": 5, "new": 0}
    assert TrackPoint.objects.filter(session__client_id=session_id).count() == 5


def test_overlapping_batch_writes_only_the_new_points(api, session_id):
    client = api(WORKER)
    client.post(f"/patrols/sessions/{session_id}/track", {"points": points(5)})
    # 3..7 overlaps 0..4 on 3 and 4; a point twice in one batch counts once
    answer = client.post(f"/patrols/sessions/{session_id}/track", {"points": points(5, start=3) + points(1, start=7)})
    assert answer.json() == {"received": 6, "new": 3}
    stored = TrackPoint.objects.filter(session__client_id=session_id)
    assert stored.count() == 8
    assert len(set(stored.values_list("client_id", flat=True))) == 8


def test_a_bad_point_refuses_the_whole_batch(api, session_id):
    batch = points(3)
    batch[1]["lat"] = 123.0  # swapped coordinates
    answer = api(WORKER).post(f"/patrols/sessions/{session_id}/track", {"points": batch})
    assert answer.status_code == 400
    assert "2" in answer.json()["detail"]
    assert not TrackPoint.objects.filter(session__client_id=session_id).exists()


def test_gcj02_points_are_stored_in_wgs84(api, session_id):
    wgs = points(2)
    gcj = [dict(p) for p in wgs]
    for p in gcj:
        ((p["lon"], p["lat"]),) = wgs84_to_gcj02([[p["lon"], p["lat"]]]).tolist()
    assert abs(gcj[0]["lon"] - wgs[0]["lon"]) > 1e-3  # the offset is hundreds of metres: a real test
    answer = api(WORKER).post(f"/patrols/sessions/{session_id}/track", {"crs": "gcj02", "points": gcj})
    assert answer.json()["new"] == 2
    for p in wgs:
        row = TrackPoint.objects.get(client_id=p["id"])
        assert row.lon == pytest.approx(p["lon"], abs=1e-7) and row.lat == pytest.approx(p["lat"], abs=1e-7)


def test_a_resent_start_and_end_give_the_same_session(api, plan):
    client = api(WORKER)
    sid = str(uuid.uuid4())
    body = {"id": sid, "plan": plan.pk, "started_at": local(MONDAY, 9).isoformat()}
    assert client.post("/patrols/sessions", body).status_code == 201
    assert client.post("/patrols/sessions", body).status_code == 200
    end = {"ended_at": local(MONDAY, 10).isoformat()}
    first, again = client.post(f"/patrols/sessions/{sid}/end", end), client.post(f"/patrols/sessions/{sid}/end", end)
    assert first.status_code == again.status_code == 200
    assert first.json()["ended_at"] == again.json()["ended_at"] == "2026-03-02T10:00:00+08:00"
    assert PatrolSession.objects.filter(client_id=sid).count() == 1


def test_points_may_arrive_after_the_end(api, session_id):
    """Offline: the phone ends the patrol and syncs the track when the network comes back."""
    client = api(WORKER)
    client.post(f"/patrols/sessions/{session_id}/end", {"ended_at": local(MONDAY, 11).isoformat()})
    assert client.post(f"/patrols/sessions/{session_id}/track", {"points": points(4)}).json()["new"] == 4


def test_another_workers_session_is_404(api, session_id, plan):
    other = api(OTHER_WORKER)
    assert other.post(f"/patrols/sessions/{session_id}/track", {"points": points(1)}).status_code == 404
    assert other.get(f"/patrols/sessions/{session_id}").status_code == 404
    # nor may they start one on a plan of a grid that is not theirs
    answer = other.post("/patrols/sessions", {"id": str(uuid.uuid4()), "plan": plan.pk})
    assert answer.status_code == 404
    assert h.GRID not in str(other.get("/patrols/plans").json())
    assert api(WORKER).get("/patrols/plans").json()["plans"][0]["id"] == plan.pk


def test_a_grid_leader_makes_a_plan_over_the_api_and_a_worker_may_not(api, clock):
    lon, lat = h.point_in(h.GRID)
    body = {
        "grid": h.GRID,
        "name": "工作日巡查",
        "frequency": "workdays",
        "window_start": "08:30",
        "window_end": "17:30",
        "min_checkins": 1,
        "valid_from": "2026-03-02",
        "crs": "gcj02",
        "points": [{"name": "小区北门", "lon": lon, "lat": lat, "radius_m": 30}],
    }
    made = api(LEADER).post("/patrols/plans", body)
    assert made.status_code == 201, made.content
    point = made.json()["points"][0]
    assert point["lon"] != pytest.approx(lon, abs=1e-4)  # taken as GCJ-02, stored in WGS-84
    assert made.json()["window"] == ["08:30", "17:30"]
    assert api(WORKER).post("/patrols/plans", body).status_code == 404
    assert api(LEADER).post("/patrols/plans", {**body, "min_checkins": 2}).status_code == 400
