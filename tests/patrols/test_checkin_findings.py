"""Check-ins within a point's radius; findings that open a case with the patrol as its source."""

import uuid

import pytest

from gridgov.cases.models import Case, Status
from gridgov.core.geo import distance_m, wgs84_to_gcj02
from gridgov.patrols.models import CheckIn, PatrolFinding
from tests.cases import helpers as h
from tests.patrols.conftest import MONDAY, WORKER, local

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(api):
    return api(WORKER)


@pytest.fixture
def sid(plan, worker):
    sid = str(uuid.uuid4())
    worker.post("/patrols/sessions", {"id": sid, "plan": plan.pk, "started_at": local(MONDAY, 9).isoformat()})
    return sid


def test_check_in_within_the_radius_once(worker, sid, plan):
    gate = plan.points.get(name="东门")
    near = {"point": gate.pk, "lon": gate.lon + 0.0002, "lat": gate.lat, "at": local(MONDAY, 9, 10).isoformat()}
    assert 10 < distance_m(gate.lon, gate.lat, near["lon"], near["lat"]) < 50
    first = worker.post(f"/patrols/sessions/{sid}/checkins", near)
    again = worker.post(f"/patrols/sessions/{sid}/checkins", near)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["distance_m"] == pytest.approx(distance_m(gate.lon, gate.lat, near["lon"], near["lat"]))
    assert CheckIn.objects.filter(session__client_id=sid).count() == 1


def test_check_in_beyond_the_radius_is_refused_saying_how_far(worker, sid, plan):
    gate = plan.points.get(name="东门")
    far = {"point": gate.pk, "lon": gate.lon + 0.002, "lat": gate.lat}  # about 180 m east
    answer = worker.post(f"/patrols/sessions/{sid}/checkins", far)
    assert answer.status_code == 400
    detail = answer.json()["detail"]
    assert "东门" in detail and "50 米" in detail  # in Chinese, saying how far and within what
    assert str(round(distance_m(gate.lon, gate.lat, far["lon"], far["lat"]))) in detail
    assert not CheckIn.objects.exists()


def test_check_in_from_gcj02_is_measured_in_wgs84(worker, sid, plan):
    gate = plan.points.get(name="东门")
    ((lon, lat),) = wgs84_to_gcj02([[gate.lon, gate.lat]]).tolist()
    # taken as WGS-84 the GCJ-02 fix lies hundreds of metres off; as GCJ-02 it is the point itself
    assert (
        worker.post(f"/patrols/sessions/{sid}/checkins", {"point": gate.pk, "lon": lon, "lat": lat}).status_code == 400
    )
    answer = worker.post(
        f"/patrols/sessions/{sid}/checkins", {"point": gate.pk, "lon": lon, "lat": lat, "crs": "gcj02"}
    )
    assert answer.status_code == 201
    assert answer.json()["distance_m"] < 0.01


def test_a_finding_opens_a_patrol_case_recorded_with_its_patrol(worker, sid):
    lon, lat = h.point_in(h.GRID)
    body = {"title": "井盖缺失", "lon": lon, "lat": lat}
    answer = worker.post(f"/patrols/sessions/{sid}/findings", body, HTTP_IDEMPOTENCY_KEY="find-1")
    assert answer.status_code == 201, answer.content
    case = Case.objects.get(number=answer.json()["number"])
    assert (case.channel, case.status, case.grid.code) == ("patrol", Status.REPORTED, h.GRID)
    finding = PatrolFinding.objects.get(case=case)
    assert str(finding.session.client_id) == sid and not finding.on_spot
    # the phone sends it again (no answer came back): the same case, one finding
    again = worker.post(f"/patrols/sessions/{sid}/findings", body, HTTP_IDEMPOTENCY_KEY="find-1")
    assert again.status_code == 201 and again.json()["number"] == case.number and again.json()["replayed"]
    assert PatrolFinding.objects.count() == 1


def test_a_finding_solved_on_the_spot_in_the_same_step(worker, sid):
    lon, lat = h.point_in(h.GRID)
    body = {"title": "垃圾堆放", "lon": lon, "lat": lat, "resolved": {"result": "已清理"}}
    answer = worker.post(f"/patrols/sessions/{sid}/findings", body)
    assert answer.status_code == 201, answer.content
    assert answer.json()["on_spot"] is True
    case = Case.objects.get(number=answer.json()["number"])
    assert (case.channel, case.status, case.result, case.resolved_level) == (
        "patrol",
        Status.RESOLVED,
        "已清理",
        "grid",
    )
    assert case.patrol_finding.on_spot


def test_a_refused_case_leaves_no_finding(worker, sid):
    answer = worker.post(f"/patrols/sessions/{sid}/findings", {"title": "远处", "lon": 100.0, "lat": 30.0})
    assert answer.status_code == 400
    assert not PatrolFinding.objects.exists() and not Case.objects.filter(title="远处").exists()
