"""The inbox (通知) and its badge on every staff page; joint handling (联合执法) on /dept/ — through
Django's test client."""

import io
import re

import pytest
from django.contrib.auth import get_user_model
from PIL import Image

from gridgov.cases import services
from gridgov.cases.models import Case, CaseEvent
from gridgov.notifications import services as notifications
from gridgov.notifications.models import Notification
from gridgov.people.actors import Actor
from gridgov.people.models import Post, Unit
from tests.cases.helpers import point_in

GRID = "410102001002001"
LEAD, HELPER = "D410102001", "D410102002"
DISPATCHER, HANDLER, WORKER, LEADER = "dispatcher-410102001", f"handler-{LEAD}", f"worker-{GRID}", "leader"


def _user(username):
    return get_user_model().objects.get(username=username)


def _login(client, username):
    client.force_login(_user(username))
    return client


def _notify(username, n=2, link="/console/cases/20261201000001/", prefix="t"):
    for i in range(n):
        notifications.notify(
            recipients=[_user(username)],
            kind="case.dispatch",
            title=f"派遣：测试案件{i}",
            body=f"案件 20261201000001 派遣。{i}",
            link=link,
            subject="20261201000001",
            dedupe_key=f"{prefix}:{username}:{i}",
        )
    return list(Notification.objects.filter(recipient__username=username).order_by("id"))


def _badge(html: str) -> str | None:
    m = re.search(r'<a href="/inbox/" id="inbox-badge"[^>]*data-unread="(\d+)"', html)
    return m.group(1) if m else None


def _joint_case(title="占道堆放建筑垃圾（测试）") -> str:
    lon, lat = point_in(GRID)
    case = services.report_case(actor=Actor.anonymous(), title=title, lon=lon, lat=lat).case
    dispatcher = Actor.of(_user(DISPATCHER))
    services.register_case(actor=dispatcher, number=case.number)
    services.dispatch_case(actor=dispatcher, number=case.number, unit=LEAD, assisting=[HELPER])
    return case.number


def _jpeg(name="part.jpg"):
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (40, 120, 200)).save(out, "JPEG")
    out.seek(0)
    out.name = name
    return out


# ---- the badge -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "username, path",
    [
        (DISPATCHER, "/console/"),
        (HANDLER, "/dept/"),
        (WORKER, "/m/"),
        (WORKER, "/m/report/"),
        (LEADER, "/dashboard/"),
        (HANDLER, "/inbox/"),
    ],
    ids=["console", "dept", "m", "m-report", "dashboard", "inbox"],
)
def test_the_badge_on_every_staff_page_kind_counts_my_unread(client, demo_city, username, path):
    mine = _notify(username, 3)
    _notify(DISPATCHER if username != DISPATCHER else HANDLER, 5, prefix="other")  # someone else's
    notifications.mark_read(user=_user(username), ids=[mine[0].pk])
    html = _login(client, username).get(path).content.decode()
    assert _badge(html) == "2", path
    assert 'hx-get="/inbox/badge/"' in html and 'hx-trigger="every 60s"' in html
    notifications.mark_read(user=_user(username))
    assert _badge(client.get(path).content.decode()) == "0"


def test_the_badge_on_case_pages(client, demo_city):
    number = _joint_case()
    _notify(HANDLER, 1)
    html = _login(client, HANDLER).get(f"/dept/cases/{number}/").content.decode()
    assert _badge(html) == "1"
    client.logout()
    _notify(DISPATCHER, 4)
    assert _badge(_login(client, DISPATCHER).get(f"/console/cases/{number}/").content.decode()) == "4"


def test_no_badge_for_visitors(client, demo_city):
    for path in ("/", "/report/", "/track/", f"/board/{GRID}/", "/login/"):
        html = client.get(path).content.decode()
        assert 'id="inbox-badge"' not in html, path


def test_the_badge_refreshes_alone(client, demo_city):
    _notify(HANDLER, 2)
    r = _login(client, HANDLER).get("/inbox/badge/", HTTP_HX_REQUEST="true")
    html = r.content.decode().strip()
    assert r.status_code == 200 and html.startswith("<a") and html.endswith("</a>") and _badge(html) == "2"
    client.logout()
    r = client.get("/inbox/badge/", HTTP_HX_REQUEST="true")
    assert r.status_code == 401 and "/login/" in r["HX-Redirect"], "a session that ended sends the page to sign in"


# ---- the list --------------------------------------------------------------------------------------


def test_inbox_needs_a_sign_in(client, demo_city):
    r = client.get("/inbox/")
    assert r.status_code == 302 and "/login/" in r["Location"]
    assert client.post("/inbox/read/", {"all": "1"}).status_code == 302


def test_the_list_in_chinese_newest_first(client, demo_city):
    _notify(HANDLER, 3)
    html = _login(client, HANDLER).get("/inbox/").content.decode()
    assert '<html lang="zh-hans">' in html
    for word in ("通知", "全部标为已读", "标为已读", "3 条未读"):
        assert word in html, word
    titles = re.findall(r'class="inbox-title"[^>]*>([^<]+)<', html)
    assert titles == ["派遣：测试案件2", "派遣：测试案件1", "派遣：测试案件0"]


@pytest.mark.parametrize(
    "username, expected",
    [
        (DISPATCHER, "/console/cases/20261201000001/"),
        (HANDLER, "/dept/cases/20261201000001/"),
        (WORKER, "/m/cases/20261201000001/"),
        (f"leader-{GRID[:12]}", "/m/cases/20261201000001/"),
    ],
)
def test_each_reader_goes_to_the_case_on_their_own_pages(client, demo_city, username, expected):
    _notify(username, 1)
    html = _login(client, username).get("/inbox/").content.decode()
    assert f'<a class="inbox-title" href="{expected}">' in html


def test_a_link_off_the_site_is_not_shown(client, demo_city):
    _notify(HANDLER, 1, link="https://example.com/x")
    _notify(HANDLER, 1, link="//example.com/x", prefix="u")
    html = _login(client, HANDLER).get("/inbox/").content.decode()
    assert "example.com" not in html


def test_mark_one_then_all(client, demo_city):
    mine = _notify(HANDLER, 3)
    theirs = _notify(DISPATCHER, 1, prefix="d")
    _login(client, HANDLER)
    r = client.post("/inbox/read/", {"id": [str(mine[1].pk), str(theirs[0].pk)]})
    assert r.status_code == 302 and r["Location"] == "/inbox/"
    assert Notification.objects.get(pk=mine[1].pk).read_at is not None
    assert Notification.objects.get(pk=theirs[0].pk).read_at is None, "only my own"
    html = client.get("/inbox/").content.decode()
    assert _badge(html) == "2"
    assert re.search(rf'id="notification-{mine[1].pk}" data-id="{mine[1].pk}" data-read="true"', html)
    unread = client.get("/inbox/", {"show": "unread"}).content.decode()
    assert f'id="notification-{mine[1].pk}"' not in unread and f'id="notification-{mine[0].pk}"' in unread

    r = client.post("/inbox/read/", {"all": "1", "show": "unread"})
    assert r["Location"] == "/inbox/?show=unread"
    assert not Notification.objects.filter(recipient__username=HANDLER, read_at__isnull=True).exists()
    assert Notification.objects.get(pk=theirs[0].pk).read_at is None
    html = client.get("/inbox/?show=unread").content.decode()
    assert _badge(html) == "0" and 'id="inbox-empty"' in html and 'id="read-all"' not in html
    assert client.get("/inbox/read/").status_code == 405


def test_paging(client, demo_city):
    _notify(HANDLER, 23)
    _login(client, HANDLER)
    first = client.get("/inbox/").content.decode()
    assert first.count('class="inbox-item') == 20 and 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/inbox/", {"page": "2"}).content.decode()
    assert second.count('class="inbox-item') == 3 and 'rel="prev"' in second
    assert client.get("/inbox/", {"page": "x"}).status_code == 200


def test_a_dispatch_reaches_the_handlers_inbox(client, demo_city, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        number = _joint_case()
    for username, page in ((HANDLER, "dept"), (f"handler-{HELPER}", "dept")):
        client.force_login(_user(username))
        html = client.get("/inbox/").content.decode()
        assert _badge(html) == "1", username
        assert f'href="/{page}/cases/{number}/"' in html


# ---- joint handling on /dept/ ----------------------------------------------------------------------


def test_the_assisting_unit_reports_its_part_and_the_lead_sees_it(client, demo_city):
    number = _joint_case()
    helper_name, lead_name = (Unit.objects.get(code=c).name for c in (HELPER, LEAD))

    html = _login(client, f"handler-{HELPER}").get("/dept/").content.decode()
    assert f'data-number="{number}"' in html, "the assisting unit has the case in its queue"
    page = client.get(f"/dept/cases/{number}/").content.decode()
    assert 'id="form-assist"' in page and "上报协办结果" in page
    r = client.post(f"/dept/cases/{number}/", {"action": "assist", "result": " "})
    assert r.status_code == 400 and 'id="action-error"' in r.content.decode()
    r = client.post(
        f"/dept/cases/{number}/", {"action": "assist", "result": "已清运建筑垃圾 3 车", "photos": [_jpeg()]}
    )
    assert r.status_code == 302 and r["Location"] == f"/dept/cases/{number}/"
    event = CaseEvent.objects.get(case__number=number, action="assist")
    assert event.unit == HELPER and len(event.data["photos"]) == 1
    assert Case.objects.get(number=number).status == "dispatched"

    client.logout()
    page = _login(client, HANDLER).get(f"/dept/cases/{number}/").content.decode()
    part = re.search(
        rf'<li class="case-row assist-part" data-unit="{HELPER}" data-reported="true">.*?</li>', page, re.S
    ).group(0)
    assert helper_name in part and "已清运建筑垃圾 3 车" in part and "<img" in part
    assert 'id="form-assist"' not in page, "the lead unit reports the whole result, not a part"
    assert 'data-missing="0"' in page
    assert page.index('id="assist-parts"') < page.index('id="form-accept"')
    assert lead_name in page


def test_the_lead_sees_who_has_not_reported(client, demo_city):
    number = _joint_case()
    Case.objects.filter(number=number).update(assisting_units=[HELPER, GRID])  # two assisting units
    services.report_assist_part(actor=Actor.of(_user(f"handler-{HELPER}")), number=number, result="已配合")
    page = _login(client, HANDLER).get(f"/dept/cases/{number}/", {"lang": "en"}).content.decode()
    missing = re.search(r'<p id="assist-missing" data-missing="1">(.*?)</p>', page, re.S).group(1)
    from gridgov.grids.models import Grid

    assert "Not reported yet:" in missing and Grid.objects.get(code=GRID, valid_to__isnull=True).name in missing
    assert re.search(rf'data-unit="{GRID}" data-reported="false"', page)


def test_no_assist_form_for_others_or_after_the_result(client, demo_city):
    number = _joint_case()
    _login(client, HANDLER)
    r = client.post(f"/dept/cases/{number}/", {"action": "assist", "result": "我们也做了"})
    assert r.status_code == 403 and 'id="action-error"' in r.content.decode()
    client.post(f"/dept/cases/{number}/", {"action": "accept"})
    client.post(f"/dept/cases/{number}/", {"action": "resolve", "result": "已处理"})
    client.logout()
    _login(client, f"handler-{HELPER}")
    page = client.get(f"/dept/cases/{number}/").content.decode()
    assert 'id="form-assist"' not in page
    r = client.post(f"/dept/cases/{number}/", {"action": "assist", "result": "补充", "photos": [_jpeg()]})
    assert r.status_code == 409
    assert not CaseEvent.objects.filter(case__number=number, action="assist").exists()
    from gridgov.cases.models import Upload

    assert not Upload.objects.filter(uploaded_by=_user(f"handler-{HELPER}")).exists(), "no orphan photos"


def test_a_case_without_assisting_units_shows_no_parts(client, demo_city):
    lon, lat = point_in(GRID)
    number = services.report_case(actor=Actor.anonymous(), title="路灯不亮", lon=lon, lat=lat).case.number
    dispatcher = Actor.of(_user(DISPATCHER))
    services.register_case(actor=dispatcher, number=number)
    services.dispatch_case(actor=dispatcher, number=number, unit=LEAD, assisting=[])
    page = _login(client, HANDLER).get(f"/dept/cases/{number}/").content.decode()
    assert 'id="assist-parts"' not in page and 'id="form-assist"' not in page
    assert Post.objects.filter(user__username=HANDLER, role="department_handler").exists()
