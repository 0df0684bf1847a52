"""/api/v1/party: the errors (400/403/404/409), idempotent answers, and members' phones masked."""

from datetime import timedelta

from django.utils import timezone

from tests.api_client import Api
from tests.cases import helpers as h
from tests.party.conftest import LEADER, OTHER_LEADER, PHONE, WORKER


def test_members_come_with_masked_phones(party, api):
    r = api(LEADER).get("/party/members", {"grid": h.COMMUNITY})
    assert r.status_code == 200, r.content
    assert r.json()["count"] == 4
    zhang = next(m for m in r.json()["items"] if m["name"] == "张建国")
    assert zhang["phone"] == "139****5678"
    assert PHONE not in r.content.decode()
    r = api(LEADER).get(f"/party/members/{zhang['id']}")
    assert r.status_code == 200 and PHONE not in r.content.decode()


def test_create_member_link_and_conflict(party, api):
    leader = api(LEADER)
    r = leader.post("/party/members", {"name": "孙立", "grid": h.GRID, "kind": "liaison", "phone": "13700001111"})
    assert r.status_code == 201, r.content
    assert r.json()["phone"] == "137****1111"
    new_id, homes = r.json()["id"], party["homes"]
    assert leader.post(f"/party/members/{new_id}/links", {"households": [homes[0].pk]}).status_code == 201
    r = leader.post(f"/party/members/{party['members']['zhao'].pk}/links", {"households": [homes[0].pk]})
    assert r.status_code == 409 and "孙立" in r.json()["detail"]
    r = leader.post("/party/members", {"name": "钱", "grid": h.GRID, "kind": "in_service"})
    assert r.status_code == 400  # no employer
    assert leader.post("/party/members", {"name": "钱", "grid": "410102999999999"}).status_code == 404
    assert api(OTHER_LEADER).post("/party/members", {"name": "钱", "grid": h.GRID}).status_code == 403
    assert api(WORKER).post("/party/members", {"name": "钱", "grid": h.GRID}).status_code == 403
    cov = leader.get("/party/coverage", {"grid": h.GRID}).json()
    assert (cov["households"], cov["linked"]) == (6, 1)
    assert api(OTHER_LEADER).get("/party/coverage", {"grid": h.GRID}).status_code == 404


def test_call_answer_hours_over_the_api(party, api, clock):
    leader = api(LEADER)
    starts = (timezone.localtime() + timedelta(minutes=30)).isoformat()  # API tokens last an hour
    body = {"grid": h.GRID, "title": "帮扶独居老人", "starts_at": starts, "people_needed": 2}
    r = leader.post("/party/calls", body)
    assert r.status_code == 201, r.content
    call = r.json()["id"]
    assert api(OTHER_LEADER).post("/party/calls", body).status_code == 403
    assert leader.post("/party/calls", {**body, "people_needed": 0}).status_code in (400, 422)
    member = Api(party["users"]["zhang"])
    mine = member.get("/party/calls/mine").json()
    assert [c["id"] for c in mine["items"]] == [call]
    first = member.post(f"/party/calls/{call}/answer")
    again = member.post(f"/party/calls/{call}/answer")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and again.json()["replayed"]
    assert api(WORKER).post(f"/party/calls/{call}/answer").status_code == 403
    assert member.post("/party/calls/999999/answer").status_code == 404
    answer = first.json()["id"]
    assert leader.post(f"/party/answers/{answer}/hours", {"hours": 2}).status_code == 409  # before the task
    clock.shift(timedelta(minutes=40))
    assert leader.post(f"/party/answers/{answer}/hours", {"hours": 25}).status_code == 400
    assert member.post(f"/party/answers/{answer}/hours", {"hours": 2}).status_code == 403
    r = leader.post(f"/party/answers/{answer}/hours", {"hours": "2.5"})
    assert r.status_code == 200 and r.json()["hours"] == "2.5"
    r = member.get(f"/party/members/{party['members']['zhang'].pk}/hours")
    assert r.status_code == 200 and r.json()["hours"] == "2.5"
    assert leader.post(f"/party/calls/{call}/close").status_code == 200
    assert leader.post(f"/party/calls/{call}/close").status_code == 409
    rows = leader.get("/party/hours", {"grid": h.COMMUNITY, "start": "2026-03-01", "end": "2026-03-31"}).json()
    assert rows["items"] == [{"grid": h.GRID, "calls": 1, "answers": 1, "hours": "2.5"}]
    assert (
        leader.get("/party/hours", {"grid": h.COMMUNITY, "start": "2026-03-31", "end": "2026-03-01"}).status_code == 400
    )


def test_groups_over_the_api(party, api):
    leader = api(LEADER)
    r = leader.post("/party/groups", {"grid": h.GRID, "name": "又一个"})
    assert r.status_code == 409
    r = leader.post("/party/groups", {"grid": h.SIBLING_GRID, "name": "第二网格党小组"})
    assert r.status_code == 201
    groups = leader.get("/party/groups", {"grid": h.COMMUNITY}).json()["items"]
    assert [(g["grid"], g["members"]) for g in groups] == [(h.GRID, 2), (h.SIBLING_GRID, 0)]
    group = groups[0]["id"]
    zhao = party["members"]["zhao"].pk  # of the sibling grid, not of this group
    r = leader.client.patch(
        f"/api/v1/party/groups/{group}", {"leader": zhao}, content_type="application/json", **leader.headers
    )
    assert r.status_code == 400
    assert api().get("/party/groups", {"grid": h.COMMUNITY}).status_code == 401


def test_registration_over_the_api(party, api):
    wang = party["members"]["wang"]
    assert api(OTHER_LEADER).post(f"/party/members/{wang.pk}/registration").status_code == 404
    assert Api(party["users"]["zhang"]).post(f"/party/members/{wang.pk}/registration").status_code == 404
    r = Api(party["users"]["wang"]).post(f"/party/members/{wang.pk}/registration")
    assert r.status_code == 201 and r.json()["community"] == h.COMMUNITY
    assert Api(party["users"]["wang"]).post(f"/party/members/{wang.pk}/registration").status_code == 409
    li = party["members"]["li"]
    assert api(LEADER).post(f"/party/members/{li.pk}/registration").status_code == 400  # not in-service
    assert api(OTHER_LEADER).post(f"/party/registrations/{r.json()['id']}/confirm").status_code == 403
    assert api(LEADER).post(f"/party/registrations/{r.json()['id']}/confirm").status_code == 200
