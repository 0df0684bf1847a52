"""Bad input through the JSON API: every refusal has the status docs/architecture.md §4 names and a
{"detail": "…"} body that says what to do; a refused request changes nothing.

These tests read the English wording, so they ask in English (the language cookie, as after ?lang=en);
tests/cases/test_messages_zh.py checks that the default answer is Chinese."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from gridgov.cases import services
from gridgov.cases.models import Case, CaseEvent
from gridgov.core.models import AuditEvent
from gridgov.people.actors import Actor
from gridgov.people.models import ApiToken
from gridgov.people.services import token_hash
from gridgov.sim.models import DemoAccount

STREET_DISPATCHER = "dispatcher-410102001"  # the platform of cases filed in 林山寨街道 (the `spot` grid)
OTHER_STREET_DISPATCHER = "dispatcher-410102002"


@pytest.fixture
def api(api):
    def english(username=None):
        return api(username, language="en")

    return english


def english(client: Client) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def problem(response, status: int) -> str:
    """Assert the status and the {"detail": "<message>"} body; return the message."""
    assert response.status_code == status, (response.status_code, response.content)
    body = response.json()
    assert set(body) == {"detail"}, body
    assert isinstance(body["detail"], str) and body["detail"].strip(), body
    return body["detail"]


def report_body(spot, **extra) -> dict:
    return {"title": "井盖缺失", "description": "人行道上井盖丢了", "lon": spot["lon"], "lat": spot["lat"], **extra}


@pytest.fixture
def reported(api, spot):
    """A case reported by a resident: (number, tracking_code)."""
    r = api().post("/cases", report_body(spot, reporter={"name": "李四", "phone": "13900001111"}))
    assert r.status_code == 201, r.content
    return r.json()["number"], r.json()["tracking_code"]


def state(number: str) -> tuple:
    case = Case.objects.get(number=number)
    return (
        case.status,
        case.version,
        case.event_count,
        case.last_hash,
        case.resolve_by,
        case.pending_extension_days,
        CaseEvent.objects.filter(case=case).count(),
    )


@pytest.fixture
def in_progress(account, reported):
    """The reported case registered, dispatched to its own grid and accepted by the grid worker."""
    number, _ = reported
    dispatcher = Actor.of(account(STREET_DISPATCHER))
    services.register_case(actor=dispatcher, number=number)
    case = services.dispatch_case(actor=dispatcher, number=number, unit="410102001002001")
    services.accept_case(actor=Actor.of(account(f"worker-{case.lead_unit}")), number=number)
    return number


# ---- intake --------------------------------------------------------------------------------------


def test_missing_title_is_refused(api, spot):
    before = Case.objects.count()
    body = report_body(spot)
    del body["title"]
    r = api().post("/cases", body)
    # a body that does not fit the declared schema is a 422, with {"detail": …} like every error
    assert r.status_code == 422, r.content
    assert "detail" in r.json() and "title" in str(r.json()["detail"])
    r = api().post("/cases", report_body(spot, title="   "))
    assert "title" in problem(r, 400)
    assert Case.objects.count() == before


@pytest.mark.parametrize("lon, lat", [(200.0, 34.75), (113.6, 95.0), (-181.0, 0.0)])
def test_coordinates_out_of_range(api, lon, lat):
    before = Case.objects.count()
    message = problem(api().post("/cases", {"title": "路灯不亮", "lon": lon, "lat": lat}), 400)
    assert "outside" in message
    assert Case.objects.count() == before


def test_point_outside_every_grid(api):
    before = Case.objects.count()
    message = problem(api().post("/cases", {"title": "路灯不亮", "lon": 116.397, "lat": 39.909}), 400)  # 北京
    assert "outside every grid" in message
    assert Case.objects.count() == before


@pytest.mark.parametrize(
    "field, value, status, words",
    [
        ("category", "Z9999", 400, "unknown category"),
        ("category", "C01", 400, "unknown category"),  # a branch, not a leaf of the tree
        ("photos", ["0" * 32], 400, "unknown photo"),
        ("channel", "carrier-pigeon", 400, "unknown channel"),
        ("channel", "hotline", 403, "hotline"),  # a resident cannot pose as the 12345 hotline
        ("channel", "patrol", 403, "patrol"),
    ],
)
def test_report_field_refused(api, spot, field, value, status, words):
    before = Case.objects.count()
    message = problem(api().post("/cases", report_body(spot, **{field: value})), status)
    assert words in message
    assert Case.objects.count() == before


def test_dispatcher_may_use_hotline(api, spot):
    r = api("dispatcher").post("/cases", report_body(spot, channel="hotline", address="建设路12号院门口"))
    assert r.status_code == 201, r.content
    assert r.json()["channel"] == "hotline"
    assert r.json()["address"] == "建设路12号院门口"


def test_hotline_case_needs_a_location_description(api, spot):
    before = Case.objects.count()
    message = problem(api("dispatcher").post("/cases", report_body(spot, channel="hotline")), 400)
    assert "location description" in message or "位置描述" in message
    assert Case.objects.count() == before


# ---- authentication ------------------------------------------------------------------------------


def test_wrong_or_expired_token_is_401(account, reported):
    number, _ = reported
    user = account(STREET_DISPATCHER)
    ApiToken.objects.create(
        user=user, key_hash=token_hash("expired-key"), expires_at=timezone.now() - timedelta(seconds=1)
    )
    for header in ("Bearer not-a-token", "Bearer expired-key", "Bearer ", "Basic abc"):
        client = english(Client(HTTP_AUTHORIZATION=header))
        assert "token" in problem(client.get(f"/api/v1/cases/{number}"), 401)
        assert "token" in problem(client.get("/api/v1/cases"), 401)
    # a bad token is refused even where no token is needed: it is not silently treated as a resident
    r = english(Client(HTTP_AUTHORIZATION="Bearer not-a-token")).post(
        "/api/v1/cases", {"title": "x", "lon": 113.6, "lat": 34.7}, content_type="application/json"
    )
    problem(r, 401)


def test_no_token_on_staff_endpoints_is_401(api, reported):
    number, _ = reported
    before = state(number)
    anonymous = api()
    problem(anonymous.get("/cases"), 401)
    problem(anonymous.get(f"/cases/{number}"), 401)
    problem(anonymous.act(number, "register", {}), 401)
    problem(anonymous.act(number, "supervise", {"note": "快办"}), 401)
    assert state(number) == before


def test_token_endpoint(api, demo_city):
    demo = DemoAccount.objects.get(username=STREET_DISPATCHER)
    client = english(Client())
    r = client.post(
        "/api/v1/auth/token", {"username": demo.username, "password": demo.password}, content_type="application/json"
    )
    assert r.status_code == 200, r.content
    token = r.json()["token"]
    assert token and set(r.json()) == {"token", "expires_at"}
    r = client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert r.status_code == 200, r.content

    for username, password in ((demo.username, demo.password + "x"), ("nobody", demo.password), (demo.username, "")):
        r = client.post(
            "/api/v1/auth/token", {"username": username, "password": password}, content_type="application/json"
        )
        assert "wrong username or password" in problem(r, 401)


# ---- unknown things ------------------------------------------------------------------------------


def test_unknown_case_is_404(api):
    dispatcher = api("dispatcher")
    assert "no case" in problem(dispatcher.get("/cases/19990101000001"), 404)
    assert "no case" in problem(dispatcher.act("19990101000001", "register", {}), 404)
    assert "no case" in problem(api().get("/cases/19990101000001", {"tracking_code": "ABCDEFGHJK"}), 404)


def test_unknown_action_is_404(api, reported):
    number, _ = reported
    before = state(number)
    assert "unknown action" in problem(api(STREET_DISPATCHER).act(number, "teleport", {}), 404)
    assert "unknown action" in problem(api(STREET_DISPATCHER).act(number, "report", {}), 404)
    assert state(number) == before


@pytest.mark.parametrize(
    "action, body",
    [
        ("register", {"complexity": "weird"}),
        ("register", {"category": 12}),
        ("register", {"note": "x", "priority": "high"}),  # extra field
        ("reject", {}),  # reason missing
        ("reject", {"reason": ["no"]}),
        ("dispatch", {"unit": 410102001002001}),
        ("dispatch", {"assisting": "D410102001"}),
        ("merge", {"into": None}),
        ("supervise", {"note": "快办", "urgent": True}),
    ],
)
def test_action_body_with_wrong_types_or_extra_fields(api, reported, action, body):
    number, _ = reported
    before = state(number)
    message = problem(api(STREET_DISPATCHER).act(number, action, body), 400)
    assert message.startswith(f"{action}:")
    assert state(number) == before


@pytest.mark.parametrize(
    "action, body",
    [
        ("accept", {"force": True}),
        ("resolve", {"result": "已修好", "photos": "abc"}),
        ("resolve", {"result": 5}),
        ("request_extension", {"days": "three", "reason": "等配件"}),
        ("request_extension", {"days": 2.5, "reason": "等配件"}),
        ("request_extension", {"days": 0, "reason": "等配件"}),
        ("request_extension", {"days": 99, "reason": "等配件"}),
        ("request_extension", {"days": 3, "reason": "   "}),
        ("escalate", {}),
    ],
)
def test_lead_unit_action_bad_body(api, in_progress, action, body):
    before = state(in_progress)
    problem(api("worker-410102001002001").act(in_progress, action, body), 400)
    assert state(in_progress) == before


@pytest.mark.parametrize("days", [0, 99, -1])
def test_request_extension_days_out_of_range(api, in_progress, days):
    before = state(in_progress)
    message = problem(
        api("worker-410102001002001").act(in_progress, "request_extension", {"days": days, "reason": "等配件"}), 400
    )
    assert "days" in message
    assert state(in_progress) == before
    r = api("worker-410102001002001").act(in_progress, "request_extension", {"days": 3, "reason": "等配件"})
    assert r.status_code == 200 and r.json()["pending_extension_days"] == 3


@pytest.mark.parametrize("when", [-1, 0])
@pytest.mark.usefixtures("tomorrow_at_ten")  # "tomorrow" must still be tomorrow when the server reads it
def test_suspend_review_on_not_in_the_future(api, in_progress, when):
    before = state(in_progress)
    review_on = (timezone.localdate() + timedelta(days=when)).isoformat()
    message = problem(
        api(STREET_DISPATCHER).act(in_progress, "suspend", {"reason": "等待资金", "review_on": review_on}), 400
    )
    assert "review_on" in message
    problem(api(STREET_DISPATCHER).act(in_progress, "suspend", {"reason": "等待资金", "review_on": "tomorrow"}), 400)
    assert state(in_progress) == before
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    r = api(STREET_DISPATCHER).act(in_progress, "suspend", {"reason": "等待资金", "review_on": tomorrow})
    assert r.status_code == 200 and r.json()["status"] == "suspended"


# ---- scope and personal data ---------------------------------------------------------------------


def test_case_outside_scope_answers_like_an_unknown_number(api, reported):
    """Finding 11: out of sight is 404 with the very answer an unknown number gets (status, message,
    headers), for reads and actions alike; whoever sees the case but may not act gets 403."""
    number, _ = reported
    unknown = "29991231999999"
    assert len(unknown) == len(number)
    outsider = api(OTHER_STREET_DISPATCHER)

    def answer(response, asked):
        headers = {k: v for k, v in response.headers.items() if k.lower() not in ("date",)}
        return response.status_code, response.content.decode().replace(asked, "<n>"), headers

    before = state(number)
    for send in (
        lambda n: outsider.get(f"/cases/{n}"),
        lambda n: outsider.act(n, "register", {}),
        lambda n: outsider.act(n, "supervise", {"note": "x"}),
        lambda n: outsider.post(f"/cases/{n}/assist", {"result": "x"}),
        lambda n: outsider.post(f"/cases/{n}/consultations", {"participants": ["甲"], "decision": "x"}),
        lambda n: outsider.get(f"/cases/{n}", {"reveal": "reporter"}),
    ):
        seen, missing = answer(send(number), number), answer(send(unknown), unknown)
        assert seen == missing and seen[0] == 404, (seen, missing)
    assert state(number) == before
    # in sight but not theirs to do: 403, and the reason may say so
    assert "dispatcher" in problem(api("worker-410102001002001").act(number, "register", {}), 403)
    assert api(STREET_DISPATCHER).get(f"/cases/{number}").status_code == 200
    assert api("dispatcher").get(f"/cases/{number}").status_code == 200  # the district sees its streets


def test_public_view_with_wrong_tracking_code_is_403(api, reported):
    number, code = reported
    wrong = "ABCDEFGHJK" if code != "ABCDEFGHJK" else "KJHGFEDCBA"
    assert "tracking code" in problem(api().get(f"/cases/{number}", {"tracking_code": wrong}), 403)
    assert "tracking code" in problem(api().get(f"/cases/{number}", {"tracking_code": ""}), 403)
    r = api().get(f"/cases/{number}", {"tracking_code": code.lower()})  # read out over the phone: case-blind
    assert r.status_code == 200 and r.json()["number"] == number


def test_reveal_reporter(api, reported):
    number, _ = reported
    reads = AuditEvent.objects.filter(action="personal_data.read", object_id=number)
    worker = api("worker-410102001002001")
    assert worker.get(f"/cases/{number}").json()["reporter"]["masked"] is True  # in scope, masked
    assert "reporter" in problem(worker.get(f"/cases/{number}", {"reveal": "reporter"}), 403)
    assert not reads.exists()

    r = api(STREET_DISPATCHER).get(f"/cases/{number}")
    assert r.json()["reporter"] == {"name": "李*", "phone": "139****1111", "masked": True}
    assert not reads.exists()
    r = api(STREET_DISPATCHER).get(f"/cases/{number}", {"reveal": "reporter"})
    assert r.status_code == 200, r.content
    assert r.json()["reporter"] == {"name": "李四", "phone": "13900001111", "masked": False}
    read = reads.get()
    assert read.actor.username == STREET_DISPATCHER and read.object_type == "case"
    assert set(read.data["fields"]) == {"reporter_name", "reporter_phone"}


def test_a_signed_in_session_needs_the_csrf_token_for_actions(account, spot):
    """Pages share the API through the session cookie; a cross-site POST must not act for the user."""
    from django.test import Client

    from gridgov.cases.services import report_case
    from gridgov.people.actors import Actor

    case = report_case(actor=Actor.anonymous(), title="路灯不亮", lon=spot["lon"], lat=spot["lat"]).case
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(account(f"dispatcher-{case.platform}"))
    r = browser.post(f"/api/v1/cases/{case.number}/actions/register", {}, content_type="application/json")
    assert r.status_code == 403 and "CSRF" in r.json()["detail"]
    case.refresh_from_db()
    assert case.status == "reported"
    browser.get("/track/")  # a page with a form sets the csrftoken cookie
    token = browser.cookies["csrftoken"].value
    r = browser.post(
        f"/api/v1/cases/{case.number}/actions/register", {}, content_type="application/json", HTTP_X_CSRFTOKEN=token
    )
    assert r.status_code == 200 and r.json()["status"] == "registered"
