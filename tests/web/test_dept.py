"""The department queue (/dept/) through Django's test client."""

import io
import re

from django.contrib.auth import get_user_model
from PIL import Image

from gridgov.cases import services
from gridgov.cases.models import Case, CaseEvent
from gridgov.people.actors import Actor
from gridgov.people.models import Post, Unit
from tests.cases.helpers import point_in

GRID = "410102001002001"
LEAD, HELPER = "D410102001", "D410102002"


def _user(username):
    return get_user_model().objects.get(username=username)


def _other_unit() -> str:
    return (
        Unit.objects.exclude(code__in=[LEAD, HELPER])
        .filter(code__in=Post.objects.filter(role="department_handler", active=True).values("scope"))
        .values_list("code", flat=True)
        .first()
    )


def _dispatched_case(title="路灯不亮（测试）") -> str:
    lon, lat = point_in(GRID)
    case = services.report_case(actor=Actor.anonymous(), title=title, lon=lon, lat=lat).case
    dispatcher = Actor.of(_user("dispatcher-410102001"))
    assert case.platform == "410102001"
    services.register_case(actor=dispatcher, number=case.number)
    services.dispatch_case(actor=dispatcher, number=case.number, unit=LEAD, assisting=[HELPER])
    return case.number


def _login(client, username):
    client.force_login(_user(username))
    return client


def _row(html: str, number: str) -> str | None:
    m = re.search(rf'<li class="case-row" data-number="{number}".*?</li>', html, re.S)
    return m.group(0) if m else None


def _section(html: str, key: str) -> str:
    return re.search(rf'<section class="card group" id="group-{key}".*?</section>', html, re.S).group(0)


def _no_inline_code(html: str) -> None:
    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, tag
    assert not re.search(r"\son[a-z]+=", html) and " style=" not in html


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 80, 40)).save(out, "JPEG")
    return out.getvalue()


def test_login_required(client, demo_city):
    r = client.get("/dept/")
    assert r.status_code == 302 and "/login/" in r["Location"]


def test_queue_lead_assisting_and_other_unit(client, demo_city):
    number = _dispatched_case()
    html = _login(client, f"handler-{LEAD}").get("/dept/", {"lang": "en"}).content.decode()
    assert _row(_section(html, "to_sign"), number), "the lead unit sees it under to sign"
    row = _row(html, number)
    assert 'data-role="lead"' in row and "We lead" in row
    names = dict(Unit.objects.filter(code__in=[LEAD, HELPER]).values_list("code", "name"))
    assert names[LEAD] in row and names[HELPER] in row, "a joint case names its lead and assisting units"
    assert re.search(r'class="light light-(green|yellow|red)"', row) and "Sign by" in row
    _no_inline_code(html)

    client.logout()
    html = _login(client, f"handler-{HELPER}").get("/dept/", {"lang": "en"}).content.decode()
    row = _row(html, number)
    assert row and 'data-role="assist"' in row and "We assist" in row
    page = client.get(f"/dept/cases/{number}/", {"lang": "en"})
    assert page.status_code == 200
    body = page.content.decode()
    assert 'id="our-role"' in body and "We assist" in body
    assert 'id="form-accept"' not in body and 'id="form-return"' not in body

    other = _other_unit()
    assert other
    client.logout()
    html = _login(client, f"handler-{other}").get("/dept/").content.decode()
    assert _row(html, number) is None
    refused, unknown = client.get(f"/dept/cases/{number}/"), client.get("/dept/cases/29991231999999/")
    assert refused.status_code == unknown.status_code == 404  # out of sight: like an unknown number
    assert "没有这个编号的案件" in refused.content.decode() and "没有这个编号的案件" in unknown.content.decode()


def test_chinese_by_default(client, demo_city):
    _dispatched_case()
    html = _login(client, f"handler-{LEAD}").get("/dept/").content.decode()
    for word in ("职能部门", "待签收", "办理中", "待核查", "主办"):
        assert word in html, word


def test_accept_then_resolve_with_photo(client, demo_city):
    number = _dispatched_case()
    _login(client, f"handler-{LEAD}")
    page = client.get(f"/dept/cases/{number}/", {"lang": "en"}).content.decode()
    assert 'id="form-accept"' in page and 'id="form-return"' in page
    assert 'id="form-resolve"' not in page, "only the actions staff_view allows now"
    _no_inline_code(page)

    r = client.post(f"/dept/cases/{number}/", {"action": "accept"}, follow=True)
    assert r.redirect_chain and r.status_code == 200
    assert Case.objects.get(number=number).status == "in_progress"
    body = r.content.decode()
    assert 'id="messages"' in body
    assert 'id="form-resolve"' in body and 'id="form-request_extension"' in body and 'id="form-accept"' not in body

    html = client.get("/dept/").content.decode()
    assert _row(_section(html, "in_hand"), number)

    photo = io.BytesIO(_jpeg())
    photo.name = "result.jpg"
    r = client.post(f"/dept/cases/{number}/", {"action": "resolve", "result": "已修复路灯", "photos": [photo]})
    assert r.status_code == 302
    case = Case.objects.get(number=number)
    assert case.status == "resolved" and case.result == "已修复路灯"
    event = CaseEvent.objects.filter(case=case, action="resolve").get()
    assert len(event.data["photos"]) == 1
    from gridgov.cases.models import Upload

    assert Upload.objects.filter(id=event.data["photos"][0]).exists()
    html = client.get("/dept/").content.decode()
    assert _row(_section(html, "to_check"), number)


def test_resolve_needs_a_result(client, demo_city):
    number = _dispatched_case()
    _login(client, f"handler-{LEAD}")
    client.post(f"/dept/cases/{number}/", {"action": "accept"})
    r = client.post(f"/dept/cases/{number}/", {"action": "resolve", "result": " "})
    assert r.status_code == 400 and 'id="action-error"' in r.content.decode()
    assert Case.objects.get(number=number).status == "in_progress"


def test_return_requires_a_reason(client, demo_city):
    number = _dispatched_case()
    _login(client, f"handler-{LEAD}")
    events = CaseEvent.objects.filter(case__number=number).count()
    r = client.post(f"/dept/cases/{number}/", {"action": "return", "reason": ""}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 400
    assert 'id="action-error"' in r.content.decode()
    case = Case.objects.get(number=number)
    assert case.status == "dispatched" and case.lead_unit == LEAD
    assert CaseEvent.objects.filter(case__number=number).count() == events

    r = client.post(f"/dept/cases/{number}/", {"action": "return", "reason": "不属于本单位职责"})
    assert r.status_code == 302
    case = Case.objects.get(number=number)
    assert case.status == "registered" and case.return_count == 1


def test_refused_action_shows_the_service_message(client, demo_city):
    number = _dispatched_case()
    _login(client, f"handler-{HELPER}")
    r = client.post(f"/dept/cases/{number}/", {"action": "accept"})
    assert r.status_code == 403 and 'id="action-error"' in r.content.decode()
    assert Case.objects.get(number=number).status == "dispatched"


def test_extension_request(client, demo_city):
    number = _dispatched_case()
    _login(client, f"handler-{LEAD}")
    client.post(f"/dept/cases/{number}/", {"action": "accept"})
    r = client.post(f"/dept/cases/{number}/", {"action": "request_extension", "days": "abc", "reason": "x"})
    assert r.status_code == 400
    r = client.post(f"/dept/cases/{number}/", {"action": "request_extension", "days": "3", "reason": "等待配件"})
    assert r.status_code == 302
    assert Case.objects.get(number=number).pending_extension_days == 3


def test_dispatcher_is_refused_unless_also_a_handler(client, demo_city):
    user = _user("dispatcher-410102001")
    _login(client, "dispatcher-410102001")
    r = client.get("/dept/")
    assert r.status_code == 403 and 'id="forbidden"' in r.content.decode()
    Post.objects.create(user=user, role="department_handler", scope=LEAD)
    assert client.get("/dept/").status_code == 200


def test_grid_worker_sees_cases_led_by_their_grid(client, demo_city):
    lon, lat = point_in(GRID)
    number = services.report_case(actor=Actor.anonymous(), title="井盖缺失", lon=lon, lat=lat).case.number
    dispatcher = Actor.of(_user("dispatcher-410102001"))
    services.register_case(actor=dispatcher, number=number)
    services.dispatch_case(actor=dispatcher, number=number, unit=GRID, assisting=[])
    html = _login(client, f"worker-{GRID}").get("/dept/").content.decode()
    row = _row(_section(html, "to_sign"), number)
    assert row and 'data-role="lead"' in row
