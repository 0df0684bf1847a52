"""/api/v1/stations (public lists, staff work) and /api/v1/my/bookings (the resident signed in on the portal)."""

from datetime import timedelta

import pytest
from django.test import Client

from tests.cases import helpers as h
from tests.stations.conftest import DISPATCHER, LEADER, ON, OTHER_WORKER, PHONES, signed_in

pytestmark = pytest.mark.django_db


def test_public_lists(activity, api):
    anyone = api()
    stations = anyone.get("/stations", {"grid": h.STREET}).json()["items"]
    station = next(s for s in stations if s["name"] == "矩阵社区便民服务站")
    assert station["level"] == 2
    detail = anyone.get(f"/stations/{station['id']}").json()
    assert [i["name"] for i in detail["catalogue"]] == ["书法课"]
    offered = anyone.get("/stations/offerings", {"grid": h.COMMUNITY}).json()["items"]
    row = next(o for o in offered if o["id"] == activity.pk)
    assert (row["free"], row["waitlist"], row["open_for_sign_up"]) == (2, 0, True)
    assert anyone.get("/stations/offerings/999999999").status_code == 404


def test_a_resident_books_and_cancels_through_the_api(activity):
    url = "/api/v1/my/bookings"
    body = {"offering": activity.pk, "name": "王秀英", "client_id": "c0ffee00-0000-4000-8000-000000000001"}
    assert Client().post(url, body, content_type="application/json").status_code == 401  # not signed in
    c = signed_in(PHONES[0])
    first = c.post(url, body, content_type="application/json")
    assert first.status_code == 201 and first.json()["status"] == "confirmed"
    again = c.post(url, body, content_type="application/json")  # the resend
    assert again.json()["id"] == first.json()["id"]
    dup = c.post(url, {**body, "client_id": "another"}, content_type="application/json")
    assert dup.status_code == 409 and str(first.json()["id"]) in dup.json()["detail"]
    assert "已" in dup.json()["detail"]  # in Chinese
    for n in (1, 2):
        signed_in(PHONES[n]).post(url, {"offering": activity.pk, "name": "邻居"}, content_type="application/json")
    third = signed_in(PHONES[2]).get(url).json()["items"][0]
    assert (third["status"], third["waitlist_position"]) == ("waitlisted", 1)
    done = c.post(f"{url}/{first.json()['id']}/cancel")
    assert done.json()["status"] == "cancelled"
    assert signed_in(PHONES[2]).get(url).json()["items"][0]["status"] == "confirmed"
    assert signed_in(PHONES[3]).post(f"{url}/{first.json()['id']}/cancel").status_code == 404


def test_the_resident_api_checks_csrf(activity):
    c = signed_in(PHONES[0])
    c.handler.enforce_csrf_checks = True
    r = c.post("/api/v1/my/bookings", {"offering": activity.pk, "name": "王"}, content_type="application/json")
    assert r.status_code == 403


def test_staff_set_up_offer_and_count(station, api, clock):
    s, item = station
    leader = api(LEADER)
    start = (ON + timedelta(days=3)).isoformat()
    end = (ON + timedelta(days=3, hours=1)).isoformat()
    made = leader.post(
        "/stations/offerings", {"item": item.pk, "title": "义诊", "starts_at": start, "ends_at": end, "capacity": 1}
    )
    assert made.status_code == 201, made.json()
    oid = made.json()["id"]
    assert api(OTHER_WORKER).post(f"/stations/offerings/{oid}/capacity", {"capacity": 5}).status_code == 404
    assert api("leader").post(f"/stations/offerings/{oid}/capacity", {"capacity": 5}).status_code == 403
    assert api().post("/stations", {"name": "x", "grid": h.GRID}).status_code == 401
    signed_in(PHONES[0]).post("/api/v1/my/bookings", {"offering": oid, "name": "甲某"}, content_type="application/json")
    low = leader.post(f"/stations/offerings/{oid}/capacity", {"capacity": 1})
    assert low.status_code == 200
    listing = leader.get(f"/stations/offerings/{oid}/bookings").json()
    assert [b["name"] for b in listing["bookings"]] == ["甲*"]  # masked
    bad = api(DISPATCHER).post("/stations", {"name": "错层", "grid": h.COMMUNITY, "level": 1})
    assert bad.status_code == 400
    clock.move_to(ON + timedelta(days=3, hours=2))
    leader = api(LEADER)  # a fresh token at the new hour
    booking = listing["bookings"][0]["id"]
    marked = leader.post(f"/stations/offerings/{oid}/attendance", {"attended": [booking]})
    assert marked.status_code == 200 and marked.json()["person_times"] == 1
    logged = leader.post(
        "/stations/logs",
        {
            "station": s.pk,
            "service_type": "security",
            "day": (ON + timedelta(days=3)).date().isoformat(),
            "person_times": 4,
            "groups": ["released"],
        },
    )
    assert logged.status_code == 201
    f = leader.get("/stations/figures", {"grid": h.COMMUNITY}).json()
    assert f["person_times"] == 5 and f["by_target_group"]["released"] == 4 and f["attendance_rate"] == 1.0
    assert api(OTHER_WORKER).get("/stations/figures", {"grid": h.COMMUNITY}).status_code == 404
    assert len(leader.get("/stations/logs").json()["items"]) == 2
