"""三单制 end to end through the API: 需求单 → 任务单 → 责任单 (a case on the deputy channel) → the case handled and
closed through the case actions API → the need closed → the resident rates it on their page (/my/needs/)."""

import pytest

from gridgov.cases.models import Case
from gridgov.cases.phones import search_key
from gridgov.deputies import services
from gridgov.deputies.models import Need
from gridgov.portal.services import Identity
from gridgov.portal.session import SESSION_KEY
from gridgov.registry.personal import digest, mask_phone
from tests.cases import helpers as h
from tests.deputies.conftest import PHONE, TOWN, WORKER, need_body

pytestmark = pytest.mark.django_db


def sign_in_resident(client, phone=PHONE):
    session = client.session
    identity = Identity(case_key=search_key(phone), registry_digest=digest("phone", phone), masked=mask_phone(phone))
    session[SESSION_KEY] = {
        "case_key": identity.case_key,
        "registry_digest": identity.registry_digest,
        "masked": identity.masked,
        "until": 4102444800,  # 2100
    }
    session.save()
    return identity


def test_the_three_lists_loop_through_the_api(deputies, api, client):
    r = api(WORKER).post("/deputies/needs", need_body())
    assert r.status_code == 201, r.content
    need = r.json()
    number = need["number"]
    assert (need["status"], need["level"], need["source"], need["phone"], need["name"]) == (
        "collected",
        "town",
        "resident",
        "138****5678",
        "张**",
    )
    assert PHONE not in r.content.decode() and "张三丰" not in r.content.decode()
    deputy = api(TOWN)
    assert [n["number"] for n in deputy.get("/deputies/needs", {"status": "collected"}).json()["items"]] == [number]
    r = deputy.post(f"/deputies/needs/{number}/claim")
    assert r.status_code == 200 and r.json()["status"] == "claimed" and r.json()["may_work"] is True
    r = deputy.post(f"/deputies/needs/{number}/case", {"title": "小区路灯损坏"})
    assert r.status_code == 200, r.content
    case_number = r.json()["case"]
    case = Case.objects.get(number=case_number)
    assert (case.channel, case.grid.code, r.json()["status"]) == ("deputy", h.GRID, "case")
    assert list(case.needs.values_list("number", flat=True)) == [number]  # linked both ways
    assert deputy.post(f"/deputies/needs/{number}/case", {}).status_code == 409  # a task no more
    # the case runs its loop through the case actions API
    platform = api(h.dispatcher_for(case.platform))
    assert platform.act(case_number, "register", {"complexity": "general"}).status_code == 200
    assert platform.act(case_number, "dispatch", {"unit": h.UNIT}).status_code == 200
    handler = api(h.unit_actor(h.UNIT))
    assert handler.act(case_number, "accept").status_code == 200
    assert handler.act(case_number, "resolve", {"result": "已更换路灯"}).status_code == 200
    assert api(WORKER).act(case_number, "verify", {"passed": True}).status_code == 200
    assert deputy.get(f"/deputies/needs/{number}").json()["status"] == "case"
    assert platform.act(case_number, "close", {"reply": "路灯已更换，感谢您的反映"}).status_code == 200  # 句号管理
    shown = deputy.get(f"/deputies/needs/{number}").json()
    assert (shown["status"], shown["case_status"]) == ("closed", "closed")  # the need follows its case
    # the resident, signed in on /my/ with the same phone, sees it and rates it
    sign_in_resident(client)
    page = client.get("/my/needs/")
    assert page.status_code == 200 and number in page.content.decode()
    r = client.post("/my/needs/", {"action": "rate", "number": number, "rating": "satisfied"})
    assert r.status_code == 302
    n = Need.objects.get(number=number)
    assert (n.status, n.rating, n.rated_by) == ("rated", "satisfied", "resident")
    assert client.post("/my/needs/", {"action": "rate", "number": number, "rating": "satisfied"}).status_code == 409
    assert deputy.get(f"/deputies/needs/{number}").json()["rating"] == "satisfied"
    assert services.follow_cases() == 0  # rated already: nothing left to follow


def test_settled_by_the_deputy_and_the_rating_recorded_after_a_call_back(deputies, api):
    number = api(WORKER).post("/deputies/needs", need_body(phone="")).json()["number"]
    deputy = api(TOWN)
    assert deputy.post(f"/deputies/needs/{number}/rating", {"rating": "satisfied"}).status_code == 403  # not theirs
    deputy.post(f"/deputies/needs/{number}/claim")
    assert deputy.post(f"/deputies/needs/{number}/rating", {"rating": "satisfied"}).status_code == 409  # not closed
    assert deputy.post(f"/deputies/needs/{number}/settle", {"result": ""}).status_code == 400
    r = deputy.post(f"/deputies/needs/{number}/settle", {"result": "已联系物业修好"})
    assert r.status_code == 200 and r.json()["status"] == "closed"
    assert api(WORKER).post(f"/deputies/needs/{number}/rating", {"rating": "satisfied"}).status_code == 403
    r = deputy.post(f"/deputies/needs/{number}/rating", {"rating": "basically_satisfied"})
    assert r.status_code == 200 and r.json()["status"] == "rated"
    assert Need.objects.get(number=number).rated_by == "deputy"


def test_follow_cases_writes_the_closing(deputies, api):
    deputy = api(TOWN)
    number = api(WORKER).post("/deputies/needs", need_body()).json()["number"]
    deputy.post(f"/deputies/needs/{number}/claim")
    case_number = deputy.post(f"/deputies/needs/{number}/case", {}).json()["case"]
    platform = api(h.dispatcher_for(Case.objects.get(number=case_number).platform))
    assert platform.act(case_number, "reject", {"reason": "不属于受理范围"}).status_code == 200
    assert Need.objects.get(number=number).status == "case"
    assert services.follow_cases() == 1
    n = Need.objects.get(number=number)
    assert n.status == "closed" and n.closed_at is not None


def test_a_resent_need_is_written_once(deputies, api):
    body = need_body(client_id="0b6c1f3e-8a4e-4c59-9f0e-0b7d7f2f9a11")
    first = api(WORKER).post("/deputies/needs", body)
    again = api(WORKER).post("/deputies/needs", body)
    assert first.status_code == again.status_code == 201
    assert first.json()["number"] == again.json()["number"]
    assert Need.objects.count() == 1
    assert api(TOWN).post("/deputies/needs", body).status_code == 409  # another sender, the same id
    assert api(WORKER).post("/deputies/needs", {**body, "grid": h.SIBLING_GRID}).status_code == 409
    assert api(WORKER).post("/deputies/needs", need_body(client_id="not-a-uuid")).status_code == 400
    assert Need.objects.count() == 1
