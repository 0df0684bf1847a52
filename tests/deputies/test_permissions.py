"""Scope: a deputy outside the grid gets 404, staff who may read but not act 403, nobody signed in 401; a
resident without a sign-in is sent to sign in; a resident sees and rates only their own needs."""

import pytest

from gridgov.deputies.models import Need
from gridgov.registry import residents
from tests.cases import helpers as h
from tests.deputies.conftest import OUTSIDE, PHONE, SYSTEM, TOWN, WORKER, need_body
from tests.deputies.test_loop import sign_in_resident
from tests.visits.conftest import make_households

pytestmark = pytest.mark.django_db


def test_scope_of_needs(deputies, api):
    number = api(WORKER).post("/deputies/needs", need_body()).json()["number"]
    outside = api(OUTSIDE)
    assert outside.get(f"/deputies/needs/{number}").status_code == 404
    assert outside.post(f"/deputies/needs/{number}/claim").status_code == 404
    assert outside.get("/deputies/needs").json()["count"] == 0
    assert outside.post("/deputies/needs", need_body()).status_code == 403  # not a grid of theirs
    assert api(WORKER).post(f"/deputies/needs/{number}/claim").status_code == 403  # reads, is no deputy
    assert api().get("/deputies/needs").status_code == 401
    assert api(WORKER).post("/deputies/needs", need_body(grid="999")).status_code == 404
    assert api(WORKER).post("/deputies/needs", need_body(text="")).status_code == 400
    api(TOWN).post(f"/deputies/needs/{number}/claim")
    assert api(f"deputy-{h.STREET}").post(f"/deputies/needs/{number}/settle", {"result": "x"}).status_code == 403


def test_a_resident_without_identity_and_another_residents_need(deputies, api, client):
    assert client.get("/my/needs/").status_code == 302
    r = client.post("/my/needs/", {"action": "file", "grid": h.GRID, "text": "路灯坏了"})
    assert r.status_code == 302 and r["Location"].startswith("/my/signin/")
    number = api(WORKER).post("/deputies/needs", need_body()).json()["number"]
    sign_in_resident(client, phone="13900001111")  # another phone
    page = client.get("/my/needs/")
    assert number not in page.content.decode()
    r = client.post("/my/needs/", {"action": "rate", "number": number, "rating": "satisfied"})
    assert r.status_code == 404
    assert Need.objects.get(number=number).rating == ""


def test_a_registered_resident_files_a_need_with_the_phone_they_signed_in_with(deputies, client):
    (home,) = make_households(h.GRID, "需求花园", 1)
    residents.record_resident(actor=SYSTEM, household=home, name="王秀兰", phone=PHONE)
    sign_in_resident(client, phone=PHONE)
    page = client.get("/my/needs/")
    assert f'value="{h.GRID}"' in page.content.decode()
    body = {"action": "file", "grid": h.GRID, "text": "想要一个健身器材"}
    assert client.post("/my/needs/", {**body, "phone": "13900009999"}).status_code == 400  # not the signed-in phone
    assert client.post("/my/needs/", {**body, "grid": h.SIBLING_GRID, "phone": PHONE}).status_code == 400
    assert client.post("/my/needs/", {**body, "phone": PHONE}).status_code == 302
    need = Need.objects.get()
    assert (need.grid.code, need.source, need.collected_by, need.phone_masked) == (
        h.GRID,
        "resident",
        None,
        "138****5678",
    )
    assert need.number in client.get("/my/needs/").content.decode()
