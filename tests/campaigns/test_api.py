"""The campaigns API: the round trip, its refusals (400/401/403/404/409) and the public ranking."""

from uuid import uuid4

import pytest

from gridgov.campaigns.models import Campaign
from tests.campaigns.conftest import DISPATCHER, GRID, ITEMS, ON, OTHER_STREET, SIBLING, STREET, WORKER
from tests.cases import helpers as h

pytestmark = pytest.mark.django_db


def body(**kw) -> dict:
    return {
        "id": str(uuid4()),
        "title": "安全隐患专项排查",
        "kind": "safety",
        "grid": STREET,
        "start_date": ON.isoformat(),
        "due_date": "2026-03-20",
        "items": ITEMS[:2],
        **kw,
    }


def test_round_trip(api, clock):
    boss = api(DISPATCHER, language="en")
    sent = body()
    r = boss.post("/campaigns", sent)
    assert r.status_code == 201, r.json()
    cid = r.json()["id"]
    assert boss.post("/campaigns", sent).status_code == 200  # a resend
    assert boss.post(f"/campaigns/{cid}/start").json()["status"] == "running"
    worker = api(WORKER, language="en")
    assert [i["text"] for i in worker.get(f"/campaigns/{cid}/grids/{GRID}").json()["items"]] == [
        ITEMS[0]["text"],
        ITEMS[1]["text"],
    ]
    tick = {"id": str(uuid4()), "grid": GRID, "item": 1, "outcome": "problem", "problem": {"title": "垃圾未清运"}}
    r = worker.post(f"/campaigns/{cid}/results", tick)
    assert r.status_code == 201 and r.json()["case"], r.json()
    assert worker.post(f"/campaigns/{cid}/results", tick).json()["replayed"] is True
    r = worker.post(f"/campaigns/{cid}/results", {**tick, "id": str(uuid4())})
    assert r.status_code == 409 and "recorded already" in r.json()["detail"]
    progress = boss.get(f"/campaigns/{cid}/progress").json()
    assert (progress["done"], progress["problems"]) == (1, 1)
    assert [r["id"] for r in worker.get("/campaigns").json()["items"]] == [cid]
    assert boss.post(f"/campaigns/{cid}/close").json()["status"] == "closed"


def test_refusals(api, clock):
    boss = api(DISPATCHER, language="en")
    assert api().get("/campaigns").status_code == 401
    assert boss.post("/campaigns", body(grid="999999")).status_code == 404
    assert boss.post("/campaigns", body(items=[])).status_code in (400, 422)
    r = boss.post("/campaigns", body(due_date="2026-03-01"))
    assert r.status_code == 400 and "due date" in r.json()["detail"]
    assert api(f"dispatcher-{OTHER_STREET}").post("/campaigns", body()).status_code == 403
    cid = boss.post("/campaigns", body()).json()["id"]
    assert boss.post(f"/campaigns/{cid}/close").status_code == 409  # a draft
    assert api(f"dispatcher-{OTHER_STREET}").get(f"/campaigns/{cid}").status_code == 404
    boss.post(f"/campaigns/{cid}/start")
    other = api(f"worker-{SIBLING}", language="en")
    r = other.post(f"/campaigns/{cid}/results", {"id": str(uuid4()), "grid": GRID, "item": 1, "outcome": "ok"})
    assert r.status_code == 403 and "grid workers" in r.json()["detail"]
    r = other.post(f"/campaigns/{cid}/results", {"id": str(uuid4()), "grid": SIBLING, "item": 9, "outcome": "ok"})
    assert r.status_code == 404
    r = api(WORKER, language="zh-hans").post(
        f"/campaigns/{cid}/results", {"id": str(uuid4()), "grid": GRID, "item": 2, "outcome": "ok"}
    )
    assert r.status_code == 400 and "备注" in r.json()["detail"]  # in Chinese: the item needs a note
    assert Campaign.objects.count() == 1


def test_covert_findings_are_private_and_the_ranking_is_public(api, clock):
    lon, lat = h.point_in(GRID)
    sup = api(f"supervisor-{STREET}", language="en")
    sent = {"id": str(uuid4()), "category": "占道经营", "title": "夜市占道", "lon": lon, "lat": lat}
    r = sup.post("/campaigns/covert", sent)
    assert r.status_code == 201 and r.json()["street"] == STREET, r.json()
    assert sup.post("/campaigns/covert", sent).status_code == 200
    assert api(WORKER).post("/campaigns/covert", {**sent, "id": str(uuid4())}).status_code == 403
    assert sup.get("/campaigns/covert").json()["count"] == 1
    assert api(WORKER).get("/campaigns/covert").json()["count"] == 0  # details are not for grid workers
    assert api(f"supervisor-{OTHER_STREET}").get("/campaigns/covert").json()["count"] == 0
    ranking = api().get("/campaigns/ranking", {"region": "410102"})
    assert ranking.status_code == 200
    row = next(r for r in ranking.json()["items"] if r["street"] == STREET)
    assert row["findings"] == 1 and "title" not in row
    assert api().get("/campaigns/ranking", {"region": "41x"}).status_code in (400, 422)
