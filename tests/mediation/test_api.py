"""/api/v1/mediation: scope (404 outside, 403 for readers who may not act), errors 400/409, parties masked."""

import pytest

from tests.cases import helpers as h
from tests.mediation.conftest import GRID_MEDIATOR, OTHER_MEDIATOR, PARTIES, STREET_MEDIATOR, open_walk_in

pytestmark = pytest.mark.django_db
WORKER = f"worker-{h.GRID}"
LEADER = f"leader-{h.COMMUNITY}"


def body(**extra):
    return {"class": 1, "title": "楼上漏水", "grid": h.GRID, "parties": PARTIES, **extra}


def test_take_in_and_read_with_parties_masked(teams, api):
    r = api(WORKER).post("/mediation/disputes", body())
    assert r.status_code == 201, r.content
    d = r.json()
    assert (d["class"], d["team"]["id"], d["status"], d["source"]) == (1, teams["grid"].pk, "open", "walk_in")
    assert {p["phone"] for p in d["parties"]} == {"138****5678", "037*****8888"}
    assert "13812345678" not in r.content.decode() and "张三丰" not in r.content.decode()
    listed = api(GRID_MEDIATOR).get("/mediation/disputes", {"mine": True}).json()
    assert [x["number"] for x in listed["items"]] == [d["number"]]


def test_errors(teams, api):
    assert api(WORKER).post("/mediation/disputes", body(domain="wages")).status_code == 400
    assert api(WORKER).post("/mediation/disputes", body(title="电话13812345678")).status_code == 400
    assert api(WORKER).post("/mediation/disputes", body(grid=h.SIBLING_GRID)).status_code == 404
    assert api().post("/mediation/disputes", body()).status_code == 401
    number = open_walk_in(1).number
    mediator = api(GRID_MEDIATOR)
    path = f"/mediation/disputes/{number}"
    assert (
        mediator.post(f"{path}/extension", {"applicant_consents": True, "respondent_consents": False}).status_code
        == 400
    )
    assert mediator.post(f"{path}/accept").status_code == 200
    assert mediator.post(f"{path}/accept").status_code == 409
    r = mediator.post(f"{path}/agreement", {"terms": "修缮并赔偿", "signed_on": "2026-03-12"})
    assert r.status_code == 201 and r.json()["agreement"]["number"] == "矩阵调〔2026〕第001号"
    assert mediator.post(f"{path}/sessions", {"at": "2026-03-11T09:00:00+08:00", "place": "社区"}).status_code == 409
    assert mediator.get("/mediation/disputes/TJ000").status_code == 404


def test_overdue_filter(teams, api, clock):
    from datetime import timedelta

    from tests.mediation.conftest import ON

    number = open_walk_in(1).number
    mediator = api(GRID_MEDIATOR)
    assert mediator.get("/mediation/disputes", {"overdue": True}).json()["count"] == 0
    clock.move_to(ON + timedelta(days=31))
    listed = api(GRID_MEDIATOR).get("/mediation/disputes", {"overdue": True}).json()  # a fresh token: now later
    assert [x["number"] for x in listed["items"]] == [number] and listed["items"][0]["overdue"] is True


def test_scope(teams, api):
    number = open_walk_in(1).number
    path = f"/mediation/disputes/{number}"
    session = {"at": "2026-03-11T09:00:00+08:00", "place": "社区调解室", "attendees": "双方"}
    assert api(OTHER_MEDIATOR).get(path).status_code == 404  # another street's: no such dispute
    assert api(f"worker-{h.SIBLING_GRID}").get(path).status_code == 404
    assert api(OTHER_MEDIATOR).post(f"{path}/sessions", session).status_code == 404
    assert api(LEADER).get(path).status_code == 200  # the community's grid leader reads
    assert api(LEADER).post(f"{path}/sessions", session).status_code == 403  # and does not act
    assert api(STREET_MEDIATOR).post(f"{path}/sessions", session).status_code == 201  # the street's mediators act
    r = api(GRID_MEDIATOR).post(f"{path}/sessions", session)
    assert r.status_code == 201 and len(r.json()["sessions"]) == 2 and r.json()["status"] == "mediating"


def test_referral_and_hearing(teams, api):
    number = open_walk_in(1).number
    path = f"/mediation/disputes/{number}"
    mediator = api(GRID_MEDIATOR)
    r = mediator.post(f"{path}/referral", {"reason": "涉及多户，升级处理", "to_team": teams["joint"].pk})
    assert r.status_code == 200 and r.json()["team"]["id"] == teams["joint"].pk
    assert mediator.get(path).status_code == 200  # in his grid: he reads it
    assert mediator.post(f"{path}/accept").status_code == 403  # the community's team acts now, not he
    street = api(STREET_MEDIATOR)
    assert street.post(f"{path}/fail", {"reason": "双方分歧过大"}).json()["status"] == "failed"
    r = street.post(
        f"{path}/hearing", {"at": "2026-03-20T09:00:00+08:00", "place": "社区巡回法庭", "court": "中原区人民法院"}
    )
    assert r.status_code == 200 and r.json()["status"] == "court_hearing" and r.json()["hearings"][0]["court"]
    assert street.post(f"{path}/close", {}).json()["status"] == "closed"
