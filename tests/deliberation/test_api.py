"""/api/v1/deliberation: staff steps over JSON with their errors (400/401/403/404/409 saying what to do, in
Chinese by default), the public opinion endpoint (masked, 429 with Retry-After) and a grid's public matters."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gridgov.deliberation import services
from tests.deliberation.conftest import COMMUNITY, LEADER, OTHER_LEADER, step, vote

pytestmark = pytest.mark.django_db


def _round(key: str, **kw) -> dict:
    body = vote(**kw)
    body["held_on"] = body["held_on"].isoformat()
    return {"stage": key, **body}


def test_staff_walk_and_errors(api, clock):
    staff = api(LEADER)
    r = staff.post("/deliberation/matters", {"grid": COMMUNITY, "title": "加装电梯"})
    assert r.status_code == 201, r.json()
    m = r.json()
    assert m["procedure"] == "community" and m["stage"] == "solicit"
    pk = m["id"]
    # a later stage first: 409 naming the stage that comes first (in Chinese by default)
    r = staff.post(f"/deliberation/matters/{pk}/rounds", _round("propose"))
    assert r.status_code == 409 and "征求意见" in r.json()["detail"]
    assert (
        api(LEADER, language="en")
        .post(f"/deliberation/matters/{pk}/rounds", _round("decide"))
        .json()["detail"]
        .startswith("stages cannot be skipped")
    )
    until = (timezone.now() + timedelta(days=2)).isoformat()
    assert staff.post(f"/deliberation/matters/{pk}/opinions/open", {"until": until}).json()["opinions"]["open"]
    assert staff.post(f"/deliberation/matters/{pk}/opinions/close").json()["stage"] == "propose"
    r = staff.post(f"/deliberation/matters/{pk}/rounds", _round("propose", present=12))
    assert r.status_code == 400
    r = staff.post(f"/deliberation/matters/{pk}/rounds", _round("propose"))
    assert r.status_code == 201 and r.json()["round"]["passed"] and r.json()["stage"] == "discuss"
    assert staff.post(f"/deliberation/matters/{pk}/publications/decision", {"text": "x"}).status_code == 409
    assert staff.post(f"/deliberation/matters/{pk}/publications/other", {"text": "x"}).status_code == 404
    # outside the actor's grids: 404; a reader: 403; nobody: 401
    assert api(OTHER_LEADER).post(f"/deliberation/matters/{pk}/rounds", _round("discuss")).status_code == 404
    assert api("leader").post(f"/deliberation/matters/{pk}/rounds", _round("discuss")).status_code == 403
    assert api().post(f"/deliberation/matters/{pk}/rounds", _round("discuss")).status_code == 401
    assert api("leader").get(f"/deliberation/matters/{pk}").json()["rounds"][0]["minutes"]
    listed = staff.get("/deliberation/matters", {"grid": COMMUNITY}).json()
    assert pk in [i["id"] for i in listed["items"]]


def test_open_matter_errors(api, clock):
    staff = api(LEADER)
    assert staff.post("/deliberation/matters", {"grid": "410102999999", "title": "x"}).status_code == 404
    assert api("admin").post("/deliberation/matters", {"grid": COMMUNITY[:9], "title": "x"}).status_code == 400
    r = staff.post("/deliberation/matters", {"grid": COMMUNITY, "title": "x", "procedure": "other"})
    assert r.status_code == 400


def test_public_opinion_endpoint(api, leader, matter, settings):
    public = api()
    path = f"/deliberation/public/matters/{matter.pk}/opinions"
    assert public.post(path, {"text": "同意"}).status_code == 409  # the period is not open yet
    services.open_opinions(actor=leader, matter=matter, until=timezone.now() + timedelta(days=1))
    r = public.post(path, {"text": "建议增加充电桩", "name": "王建国", "phone": "13912345678"})
    assert r.status_code == 201 and r.json()["phone"] == "139****5678" and "建国" not in r.json()["name"]
    assert public.post(path, {"text": "x", "phone": "12345"}).status_code == 400
    for _ in range(services.OPINIONS_PER_CLIENT.failures - 1):
        assert public.post(path, {"text": "同意"}).status_code == 201
    r = public.post(path, {"text": "同意"})
    assert r.status_code == 429 and int(r["Retry-After"]) > 0 and "分钟" in r.json()["detail"]
    view = public.get(f"/deliberation/public/matters/{matter.pk}").json()
    assert view["opinions"]["open"] and "count" not in view["opinions"]
    assert public.get("/deliberation/public/matters/999999").status_code == 404


def test_public_list_shows_published_matters(api, leader, matter, clock):
    for key in ("solicit", "propose", "discuss", "decide"):
        step(leader, matter, key)
    public = api()
    assert matter.pk not in [
        i["id"] for i in public.get(f"/deliberation/public/grids/{COMMUNITY}/matters").json()["items"]
    ]
    step(leader, matter, "publish_decision")
    items = public.get(f"/deliberation/public/grids/{COMMUNITY}/matters").json()["items"]
    mine = next(i for i in items if i["id"] == matter.pk)
    assert [p["kind"] for p in mine["publications"]] == ["decision"]
    detail = public.get(f"/deliberation/public/matters/{matter.pk}").json()
    assert all("minutes" not in r and "present_names" not in r for r in detail["rounds"])
    assert public.get("/deliberation/public/grids/410102999999/matters").status_code == 404
