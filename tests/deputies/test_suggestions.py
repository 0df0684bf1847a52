"""代表建议: filed by a deputy to a unit, replied once by the unit's handler, the reply rated once by the deputy
and never before it (409); others' suggestions are not found."""

import pytest

from tests.cases import helpers as h
from tests.deputies.conftest import TOWN, WORKER

pytestmark = pytest.mark.django_db


def test_file_reply_rate(deputies, api):
    body = {"unit": h.UNIT, "title": "关于增设社区路灯的建议", "text": "建议在小区主干道增设路灯十盏"}
    assert api(WORKER).post("/deputies/suggestions", body).status_code == 403  # not a deputy
    assert api(TOWN).post("/deputies/suggestions", {**body, "unit": "D999"}).status_code == 404
    r = api(TOWN).post("/deputies/suggestions", body)
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    deputy, handler = api(TOWN), api(h.unit_actor(h.UNIT))
    assert deputy.post(f"/deputies/suggestions/{number}/rating", {"rating": "satisfied"}).status_code == 409
    assert (
        api(h.unit_actor(h.OTHER_UNIT))
        .post(f"/deputies/suggestions/{number}/reply", {"reply": "x", "adoption": "adopted"})
        .status_code
        == 404
    )
    assert (
        deputy.post(f"/deputies/suggestions/{number}/reply", {"reply": "x", "adoption": "adopted"}).status_code == 403
    )
    r = handler.post(f"/deputies/suggestions/{number}/reply", {"reply": "已列入明年计划", "adoption": "partly"})
    assert r.status_code == 200 and r.json()["adoption"] == "partly"
    again = handler.post(f"/deputies/suggestions/{number}/reply", {"reply": "再答", "adoption": "adopted"})
    assert again.status_code == 409
    assert handler.post(f"/deputies/suggestions/{number}/rating", {"rating": "satisfied"}).status_code == 403
    r = deputy.post(f"/deputies/suggestions/{number}/rating", {"rating": "basically_satisfied"})
    assert r.status_code == 200 and r.json()["rating"] == "basically_satisfied"
    assert deputy.post(f"/deputies/suggestions/{number}/rating", {"rating": "satisfied"}).status_code == 409
    assert [s["number"] for s in handler.get("/deputies/suggestions").json()["items"]] == [number]
    assert api(h.unit_actor(h.OTHER_UNIT)).get("/deputies/suggestions").json()["items"] == []
