"""The staff console (/stations/) and the resident pages (/my/services/)."""

from datetime import timedelta

import pytest
from django.test import Client

from tests.cases import helpers as h
from tests.stations.conftest import LEADER, ON, OTHER_WORKER, PHONES, signed_in

pytestmark = pytest.mark.django_db


def staff(username: str) -> Client:
    c = Client()
    c.force_login(h.user(username))
    return c


def test_staff_console(activity):
    c = staff(LEADER)
    page = c.get("/stations/")
    assert page.status_code == 200 and "矩阵社区便民服务站" in page.content.decode()
    station = c.get(f"/stations/{activity.station_id}/")
    assert "书法课" in station.content.decode() and "周三书法课" in station.content.decode()
    start = (ON + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    end = (ON + timedelta(days=5, hours=1)).strftime("%Y-%m-%dT%H:%M")
    made = c.post(
        f"/stations/{activity.station_id}/",
        {
            "what": "offering",
            "item": activity.item_id,
            "title": "理发",
            "kind": "appointment",
            "starts_at": start,
            "ends_at": end,
            "capacity": "3",
        },
    )
    assert made.status_code == 302
    bad = c.post(f"/stations/{activity.station_id}/", {"what": "offering", "item": activity.item_id, "capacity": "x"})
    assert bad.status_code == 400
    assert c.get(f"/stations/offerings/{activity.pk}/").status_code == 200
    assert staff(OTHER_WORKER).get(f"/stations/{activity.station_id}/").status_code == 404
    assert Client().get("/stations/").status_code == 302  # sign in first


def test_resident_pages(activity):
    anyone = Client().get("/my/services/", {"grid": h.COMMUNITY})
    assert anyone.status_code == 200 and "周三书法课" in anyone.content.decode()
    assert Client().post(f"/my/services/{activity.pk}/book/", {"name": "王"}).status_code == 302
    c = signed_in(PHONES[0])
    done = c.post(f"/my/services/{activity.pk}/book/", {"name": "王秀英", "request_id": "r1"}, follow=True)
    assert 'data-status="confirmed"' in done.content.decode()
    again = c.post(f"/my/services/{activity.pk}/book/", {"name": "王秀英", "request_id": "r2"}, follow=True)
    assert "flash card error" in again.content.decode()
