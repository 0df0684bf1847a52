"""The grid worker's phone pages (/m/) through Django's test client, and the offline report in a browser."""

import json
import re

import pytest
from django.contrib.auth import get_user_model

from gridgov.cases import services
from gridgov.cases.models import Case
from gridgov.grids.selectors import current_geometries
from gridgov.people.actors import Actor

GRID = "410102001002001"
WORKER, LEADER, DISPATCHER = f"worker-{GRID}", "leader-410102001002", "dispatcher-410102001"


def _user(username):
    return get_user_model().objects.get(username=username)


def _point() -> tuple[float, float]:
    p = current_geometries([GRID])[GRID].point_on_surface()
    return p.x, p.y


def _dispatched_case(title="井盖缺失（移动端测试）") -> str:
    lon, lat = _point()
    case = services.report_case(actor=Actor.anonymous(), title=title, lon=lon, lat=lat).case
    dispatcher = Actor.of(_user(DISPATCHER))
    services.register_case(actor=dispatcher, number=case.number)
    services.dispatch_case(actor=dispatcher, number=case.number, unit=GRID)
    return case.number


def _login(client, username):
    client.force_login(_user(username))
    return client


def _row(html: str, number: str) -> str | None:
    m = re.search(rf'<li class="m-row" data-number="{number}".*?</li>', html, re.S)
    return m.group(0) if m else None


def _no_inline_code(html: str) -> None:
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+=", html) and " style=" not in html


def test_login_required(client, demo_city):
    r = client.get("/m/")
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_dispatcher_is_refused(client, demo_city):
    r = _login(client, DISPATCHER).get("/m/", {"lang": "en"})
    assert r.status_code == 403 and 'id="forbidden"' in r.content.decode()
    assert _login(client, DISPATCHER).get("/m/report/").status_code == 403


def test_home_accept_resolve(client, demo_city):
    number = _dispatched_case()
    _login(client, WORKER)
    html = client.get("/m/", {"lang": "en"}).content.decode()
    _no_inline_code(html)
    assert f'href="/board/{GRID}/"' in html, "my grid links to its public board"
    tasks = re.search(r'<section class="card" id="tasks".*?</section>', html, re.S).group(0)
    row = _row(tasks, number)
    assert row and 'data-status="dispatched"' in row
    assert re.search(r'class="light light-(green|yellow|red)".*?class="dot"', row, re.S), "light as dot + word"

    page = client.get(f"/m/cases/{number}/", {"lang": "en"}).content.decode()
    _no_inline_code(page)
    assert 'id="form-accept"' in page and 'id="form-resolve"' not in page
    r = client.post(f"/m/cases/{number}/", {"action": "accept"})
    assert r.status_code == 302 and r["Location"] == f"/m/cases/{number}/"
    assert Case.objects.get(number=number).status == "in_progress"

    # a refusal is shown with its status, nothing changes
    r = client.post(f"/m/cases/{number}/", {"action": "resolve", "result": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400 and 'id="action-error"' in r.content.decode()
    assert Case.objects.get(number=number).status == "in_progress"

    r = client.post(f"/m/cases/{number}/", {"action": "resolve", "result": "已补装井盖"})
    assert r.status_code == 302
    case = Case.objects.get(number=number)
    assert case.status == "resolved" and case.result == "已补装井盖"
    # the one who resolved it does not see it as waiting for their check
    html = client.get("/m/").content.decode()
    checks = re.search(r'<section class="card" id="checks".*?</section>', html, re.S).group(0)
    assert not _row(checks, number)


def test_leader_verifies(client, demo_city):
    number = _dispatched_case()
    worker = Actor.of(_user(WORKER))
    services.perform("accept", actor=worker, number=number)
    services.perform("resolve", actor=worker, number=number, result="已清理")
    _login(client, LEADER)
    html = client.get("/m/", {"lang": "en"}).content.decode()
    checks = re.search(r'<section class="card" id="checks".*?</section>', html, re.S).group(0)
    assert _row(checks, number), "the leader sees the fix waiting for the check"
    page = client.get(f"/m/cases/{number}/").content.decode()
    assert 'id="form-verify"' in page
    r = client.post(f"/m/cases/{number}/", {"action": "verify", "passed": "yes", "note": "现场已核实"})
    assert r.status_code == 302
    assert Case.objects.get(number=number).status == "verified"


def test_verify_needs_an_answer(client, demo_city):
    number = _dispatched_case()
    worker = Actor.of(_user(WORKER))
    services.perform("accept", actor=worker, number=number)
    services.perform("resolve", actor=worker, number=number, result="已清理")
    r = _login(client, LEADER).post(f"/m/cases/{number}/", {"action": "verify", "note": "?"})
    assert r.status_code == 400 and Case.objects.get(number=number).status == "resolved"


def test_report_page(client, demo_city):
    html = _login(client, WORKER).get("/m/report/", {"lang": "en"}).content.decode()
    _no_inline_code(html)
    assert 'id="on-spot"' in html and 'rel="manifest"' in html
    config = json.loads(
        re.search(r'<script id="report-config" type="application/json">(.*?)</script>', html, re.S).group(1)
    )
    assert config["cases"] == "/api/v1/cases" and config["sw"] == "/m/sw.js" and config["scope"] == "/m/"


def test_on_spot_report_through_api_with_session_and_csrf(demo_city):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(_user(WORKER))
    client.get("/m/report/")
    token = client.cookies["csrftoken"].value
    lon, lat = _point()
    body = {
        "title": "占道经营",
        "lon": lon,
        "lat": lat,
        "channel": "patrol",
        "resolved": {"result": "已劝离", "photos": []},
    }
    refused = client.post(
        "/api/v1/cases", json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY="m-test-1"
    )
    assert refused.status_code == 403, "a session call without the CSRF token is refused"
    r = client.post(
        "/api/v1/cases",
        json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="m-test-1",
        HTTP_X_CSRFTOKEN=token,
    )
    assert r.status_code == 201, r.content
    again = client.post(
        "/api/v1/cases",
        json.dumps(body),
        content_type="application/json",
        HTTP_IDEMPOTENCY_KEY="m-test-1",
        HTTP_X_CSRFTOKEN=token,
    )
    assert again.json()["number"] == r.json()["number"] and again.json()["replayed"]
    assert Case.objects.get(number=r.json()["number"]).status not in ("reported", "registered")


def test_manifest_and_service_worker(client, demo_city):
    r = client.get("/m/manifest.webmanifest")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/manifest+json")
    data = json.loads(r.content)
    assert data["start_url"] == "/m/" and data["scope"] == "/m/" and data["display"] == "standalone"
    assert data["icons"] and data["icons"][0]["src"].startswith("/static/")
    r = client.get("/m/sw.js")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/javascript")
    text = r.content.decode()
    assert "__SHELL__" not in text and '"/m/report/"' in text
    assert "web/report-form.js" in text and "web/m.js" in text, "the form's scripts work offline"


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_offline_report_is_sent_once(page, live_server, demo_city):
    user = _user(WORKER)
    user.set_password("mobile-pass-1")
    user.save()
    page.goto(f"{live_server.url}/login/?next=/m/report/")
    page.fill("input[name=username]", WORKER)
    page.fill("input[name=password]", "mobile-pass-1")
    page.click("button[type=submit], input[type=submit]")
    page.wait_for_url(f"{live_server.url}/m/report/")
    page.wait_for_selector("#report-map[data-ready]")
    before = Case.objects.count()

    lon, lat = _point()  # the phone stands in the worker's own grid
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": lat, "longitude": lon})
    page.click("#use-position")
    page.wait_for_selector(".report-marker")

    page.context.set_offline(True)
    page.fill("#title", "路灯不亮（离线）")
    page.check("#on-spot")
    page.fill("#result", "已更换灯泡")
    page.click("#submit")
    page.wait_for_selector('#outbox[data-pending="1"]')
    assert "1" in page.text_content("#outbox")
    assert Case.objects.count() == before, "nothing is sent without network"

    page.context.set_offline(False)
    page.wait_for_selector('#outbox[data-pending="0"]', state="attached")
    page.wait_for_selector("#sent-list .m-row")
    assert page.is_hidden("#form-error"), page.text_content("#form-error")
    assert Case.objects.count() == before + 1
    page.reload()
    page.wait_for_selector("#report-map[data-ready]")
    page.wait_for_timeout(500)
    assert Case.objects.count() == before + 1, "a kept report is sent exactly once"
    assert page.get_attribute("#outbox", "data-pending") == "0"
    assert not page.errors


@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_on_spot_fix_with_a_photo(page, live_server, demo_city, artifacts):
    """The shared report-form.js on the worker's page: a map point, a photo uploaded with the
    session's CSRF token, and the fix reported resolved on the spot."""
    from io import BytesIO

    from PIL import Image

    from gridgov.cases.models import CaseEvent, Upload

    user = _user(WORKER)
    user.set_password("mobile-pass-2")
    user.save()
    page.set_viewport_size({"width": 375, "height": 812})
    page.goto(f"{live_server.url}/login/?next=/m/report/")
    page.fill("input[name=username]", WORKER)
    page.fill("input[name=password]", "mobile-pass-2")
    page.click("button[type=submit]")
    page.wait_for_selector("#report-map[data-ready]")
    lon, lat = _point()
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": lat, "longitude": lon})
    page.click("#use-position")
    page.wait_for_selector(".report-marker")
    page.fill("#title", "占道堆物（就地解决）")
    page.fill("#category", "乱堆")
    page.wait_for_function("() => document.querySelectorAll('#category-options option').length > 0")
    page.fill("#category", page.eval_on_selector("#category-options option", "o => o.value"))
    page.check("#on-spot")
    page.fill("#result", "已清理堆物")
    out = BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 60)).save(out, "JPEG")
    uploads = Upload.objects.count()
    page.set_input_files(
        "#result-photos", files=[{"name": "fix.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}]
    )
    page.wait_for_selector("#result-upload-list li.uploaded")  # answered by the server, not only sent
    assert Upload.objects.count() == uploads + 1
    page.click("#submit")
    page.wait_for_selector("#sent-list .m-row")
    number = page.get_attribute("#sent-list .m-row", "data-number")
    case = Case.objects.get(number=number)
    assert (case.status, case.result, case.grid.code, case.channel) == ("resolved", "已清理堆物", GRID, "patrol")
    assert case.category is not None
    event = CaseEvent.objects.get(case=case)
    assert event.action == "resolve_on_spot" and len(event.data["result_photos"]) == 1
    assert case.photos == [], "the fix's photo is not a photo of the problem"
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.screenshot(path=artifacts / "m-report-on-spot-375.png", full_page=True)
    assert not page.errors
