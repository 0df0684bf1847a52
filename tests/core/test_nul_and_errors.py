"""Issue 10, finding 7: U+0000 in any text field or path is refused with 400 (PostgreSQL cannot store it:
it was a 500 there), nothing written; an unexpected error in the API is logged with its traceback and
answered as JSON {"detail"}, not Django's HTML page."""

import io
import json
import logging

import pytest
from django.test import Client

from gridgov.cases.models import Case
from gridgov.core.models import AuditEvent
from gridgov.grids import selectors as grid_selectors

pytestmark = pytest.mark.django_db

NUL = "\x00"


def case_body(spot, **change):
    body = {
        "title": "井盖缺失",
        "description": "人行道上井盖丢了",
        "lon": spot["lon"],
        "lat": spot["lat"],
        "reporter": {"name": "王五", "phone": "13700001234"},
    }
    for key, value in change.items():
        if key == "name":
            body["reporter"]["name"] = value
        else:
            body[key] = value
    return body


def refused_json(response):
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert "U+0000" in response.json()["detail"]


@pytest.mark.parametrize("field", ["title", "description", "name"])
def test_api_intake_with_nul_is_400_and_writes_nothing(api, spot, field):
    cases, events = Case.objects.count(), AuditEvent.objects.count()
    refused_json(api().post("/cases", case_body(spot, **{field: f"井盖{NUL}缺失"})))
    assert Case.objects.count() == cases and AuditEvent.objects.count() == events
    assert api().post("/cases", case_body(spot)).status_code == 201  # the same without the NUL is fine


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/cases/2026%00",
        "/api/v1/grids/410102%00",
        "/api/v1/grids?parent=4101%00",
        "/api/v1/grids/locate?lon=113.6&lat=34.7&crs=wgs%0084",
    ],
)
def test_api_paths_and_queries_with_nul_are_400(demo_city, path):
    refused_json(Client().get(path))


def test_token_username_with_nul_is_400(demo_city):
    refused_json(
        Client().post(
            "/api/v1/auth/token", {"username": f"admin{NUL}", "password": "x"}, content_type="application/json"
        )
    )


def test_a_json_escape_deep_in_the_body_counts_too(api, spot):
    raw = json.dumps(case_body(spot, address="路口\u0000东侧"))
    assert "\\u0000" in raw
    refused_json(api().client.post("/api/v1/cases", raw, content_type="application/json"))


@pytest.mark.parametrize(
    ("url", "data"),
    [
        ("/login/", {"username": f"admin{NUL}", "password": "x"}),
        ("/report/", {"title": f"路灯{NUL}", "description": "不亮"}),
    ],
)
def test_web_forms_with_nul_are_a_plain_400(demo_city, url, data):
    cases = Case.objects.count()
    r = Client().post(url, data)
    assert r.status_code == 400 and r["Content-Type"].startswith("text/plain")
    assert "U+0000" in r.content.decode()
    assert Case.objects.count() == cases


def test_web_searches_and_multipart_with_nul_are_400(client, demo_city):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username="admin"))
    assert client.get("/console/pick/categories/", {"q": f"井盖{NUL}"}).status_code == 400
    assert client.get("/report/categories.json", {"q": NUL}).status_code == 400
    upload = io.BytesIO(b"\x89PNG\x00\x00binary is fine")
    upload.name = "a.png"
    r = client.post("/report/", {"title": f"路灯{NUL}", "photo": upload})  # multipart: the text field counts
    assert r.status_code == 400


def test_file_contents_may_hold_nul_bytes(client, demo_city):
    from django.test import RequestFactory

    from gridgov.core.middleware import request_has_nul

    upload = io.BytesIO(b"\x00\x00\x00")
    upload.name = "a.bin"
    assert not request_has_nul(RequestFactory().post("/report/", {"title": "路灯", "photo": upload}))
    assert not request_has_nul(RequestFactory().post("/api/v1/x", b"\x00raw", content_type="application/octet-stream"))


def test_an_unexpected_api_error_is_logged_json_500(demo_city, monkeypatch, caplog):
    def boom(code):
        raise RuntimeError("forced failure for the test")

    monkeypatch.setattr(grid_selectors, "grid_detail", boom)
    with caplog.at_level(logging.ERROR, logger="gridgov.api"):
        r = Client(raise_request_exception=False).get("/api/v1/grids/410102")
    assert r.status_code == 500 and r["Content-Type"].startswith("application/json")
    assert r.json()["detail"].startswith("服务器内部错误")
    record = next(rec for rec in caplog.records if rec.name == "gridgov.api")
    assert record.exc_info and "forced failure for the test" in caplog.text and "Traceback" in caplog.text
