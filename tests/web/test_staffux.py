"""Words people understand on the staff pages (issue 9), through Django's test client:

- after signing in, each of the 9 demo roles lands on its own page (and a safe `next` wins);
- every staff page says who is signed in ("网格员 张三") and has 退出登录; signing out works;
- an expired session says 登录已过期 on the sign-in page; a stale form gets a page in words (403);
- timelines name people by role and name, with their own unit or grid, in one order on every page;
  the public /track/ timeline names 居民 and units, never staff;
- /m/ 核查 reads 通过 / 不通过; /dept/ shows 挂账 with the review date instead of a light, and the
  签收 hint gives the sign-by time that runs from dispatch.
"""

from __future__ import annotations

import html as htmllib
import re

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from gridgov.cases.models import Case, CaseEvent
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor
from gridgov.people.models import Post, Unit
from gridgov.sim.models import DemoAccount
from gridgov.web.signin import SIGNED_IN_COOKIE
from tests.cases.helpers import GRID, STREET, UNIT, bring

ROLES = [
    "grid_worker",
    "grid_leader",
    "dispatcher",
    "department_handler",
    "deputy",
    "supervisor",
    "mediator",
    "leader",
    "admin",
]
ROLE_WORDS = {
    "grid_worker": "网格员",
    "grid_leader": "网格长",
    "dispatcher": "受理员",
    "department_handler": "部门承办人",
    "leader": "领导",
    "supervisor": "督导员",
    "admin": "管理员",
}


def _user(username):
    return get_user_model().objects.get(username=username)


def _name(username) -> str:
    user = _user(username)
    return user.get_full_name() or username


def _expected_landing(account: DemoAccount) -> str:
    return {
        "grid_worker": "/m/",
        "grid_leader": "/m/",
        "department_handler": "/dept/",
        "dispatcher": "/console/",
        "supervisor": "/home/",
        "leader": "/dashboard/",
        "admin": "/admin/",
        "deputy": "/home/",
        "mediator": "/home/",
    }[account.role]


def _text(fragment: str) -> str:
    return re.sub(r"\s+", " ", htmllib.unescape(re.sub(r"<[^>]+>", " ", fragment))).strip()


@pytest.mark.django_db
def test_every_demo_role_lands_on_its_own_page():
    accounts = {role: DemoAccount.objects.filter(role=role).order_by("username").first() for role in ROLES}
    assert all(accounts.values()), "the demo city has every role"
    landed = {}
    for role, account in accounts.items():
        c = Client()
        r = c.post("/login/", {"username": account.username, "password": account.password})
        assert r.status_code == 302, (role, r.status_code)
        landed[role] = r["Location"]
        page = c.get(r["Location"])
        assert page.status_code == 200, f"{role} lands on {r['Location']} and gets {page.status_code}"
        assert r.cookies[SIGNED_IN_COOKIE].value == "1"
    assert landed == {role: _expected_landing(a) for role, a in accounts.items()}
    # five distinct pages, none of them the console for those who may not use it
    assert landed["grid_worker"] == landed["grid_leader"] == "/m/" and landed["department_handler"] == "/dept/"


@pytest.mark.django_db
def test_a_safe_next_wins_and_an_unsafe_one_is_ignored():
    account = DemoAccount.objects.get(username=f"handler-{UNIT}")
    c = Client()
    r = c.post("/login/", {"username": account.username, "password": account.password, "next": "/m/"})
    assert r["Location"] == "/m/"
    c = Client()
    r = c.post(
        "/login/", {"username": account.username, "password": account.password, "next": "https://evil.example/steal"}
    )
    assert r["Location"] == "/dept/"


@pytest.mark.django_db
def test_sign_in_page_is_styled_and_in_chinese(client):
    html = client.get("/login/").content.decode()
    assert 'href="/static/web/pages.css"' in html and 'href="/static/web/account.css"' in html
    assert 'class="card sign-in-card"' in html and '<h2 id="sign-in-title">登录</h2>' in html
    assert "登录已过期" not in html, "a first visit is not an expired session"
    assert 'id="signed-in"' not in html


@pytest.mark.django_db
def test_every_staff_page_says_who_is_signed_in_and_offers_sign_out(client):
    pages = {
        f"worker-{GRID}": "/m/",
        f"handler-{UNIT}": "/dept/",
        f"dispatcher-{STREET}": "/console/",
        "leader": "/dashboard/",
        f"leader-{GRID[:12]}": "/m/report/",
    }
    for username, path in pages.items():
        client.force_login(_user(username))
        r = client.get(path)
        assert r.status_code == 200, (username, path)
        html = r.content.decode()
        block = re.search(r'<div class="signed-in" id="signed-in">.*?</div>', html, re.S)
        assert block, (username, path)
        role = Post.objects.filter(user__username=username).values_list("role", flat=True).first()
        assert (
            _text(re.search(r'id="signed-in-who">(.*?)</span>', block.group(0)).group(1))
            == f"{ROLE_WORDS[role]} {_name(username)}"
        )
        assert re.search(
            r'<form method="post" action="/logout/"[^>]*>\s*'
            r'<input type="hidden" name="csrfmiddlewaretoken"',
            block.group(0),
        )
        assert "退出登录" in block.group(0)
        client.logout()


@pytest.mark.django_db
def test_sign_out_ends_the_session_and_forgets_the_sign_in():
    account = DemoAccount.objects.get(username=f"worker-{GRID}")
    c = Client()
    c.post("/login/", {"username": account.username, "password": account.password})
    assert c.get("/m/").status_code == 200
    r = c.post("/logout/")
    assert r.status_code == 302 and r["Location"] == "/login/"
    assert r.cookies[SIGNED_IN_COOKIE].value == "" and r.cookies[SIGNED_IN_COOKIE]["max-age"] == 0
    assert c.get("/m/").status_code == 302
    assert "登录已过期" not in c.get("/login/").content.decode(), "signed out on purpose: nothing expired"


@pytest.mark.django_db
def test_an_expired_session_says_so_on_the_sign_in_page():
    account = DemoAccount.objects.get(username=f"worker-{GRID}")
    c = Client()
    c.post("/login/", {"username": account.username, "password": account.password})
    c.cookies.pop("sessionid")  # the session ran out; the browser still remembers having signed in
    r = c.get("/m/")
    assert r.status_code == 302 and r["Location"].startswith("/login/?next=/m/")
    html = c.get(r["Location"]).content.decode()
    assert re.search(r'<p class="warning" role="alert" id="expired">登录已过期，请重新登录。</p>', html)
    assert 'data-keep-typed="wait"' in html and "/static/web/keep-typed.js" in html


@pytest.mark.django_db
def test_a_stale_form_gets_a_page_in_words_with_the_way_back():
    made = bring("dispatched_unit")
    c = Client(enforce_csrf_checks=True)
    c.force_login(_user(f"handler-{UNIT}"))
    page = f"/dept/cases/{made.number}/"
    r = c.post(page, {"action": "accept"}, HTTP_REFERER=f"http://testserver{page}")
    assert r.status_code == 403
    html = r.content.decode()
    assert '<html lang="zh-hans">' in html and "页面已过期" in html and "CSRF" not in html
    assert f'id="stale-back" href="http://testserver{page}"' in html
    assert 'data-keep-typed="wait"' in html
    assert Case.objects.get(number=made.number).status == "dispatched", "nothing changed"
    # a referer from elsewhere is not a way back
    r = c.post(page, {"action": "accept"}, HTTP_REFERER="https://evil.example/")
    assert r.status_code == 403 and 'id="stale-back" href="/"' in r.content.decode()


# ---- timelines -----------------------------------------------------------------------------------


def _who(html: str) -> list[tuple[str, str]]:
    out = []
    for action, body in re.findall(r'<li data-action="([a-z_]+)"[^>]*>(.*?)</li>', html, re.S):
        m = re.search(r'<span class="who">(.*?)</span>(?:\s*<(?:span class="(?:move|note)|ul)|\s*$)', body, re.S)
        out.append((action, _text(m.group(1)) if m else ""))
    return out


@pytest.mark.django_db
def test_timelines_name_people_by_role_and_own_unit_in_one_order(client):
    made = bring("closed")
    case = made.case()
    street, grid = Grid.objects.get(code=STREET).name, Grid.objects.get(code=GRID).name
    unit = Unit.objects.get(code=UNIT).name
    dispatcher, handler, worker = f"dispatcher-{STREET}", f"handler-{UNIT}", f"worker-{GRID}"
    expected = [
        ("report", "居民"),
        ("register", f"受理员 {_name(dispatcher)} · {street}"),
        ("dispatch", f"受理员 {_name(dispatcher)} · {street}"),
        ("accept", f"部门承办人 {_name(handler)} · {unit}"),
        ("resolve", f"部门承办人 {_name(handler)} · {unit}"),
        ("verify", f"网格员 {_name(worker)} · {grid}"),  # the worker's own grid, not the lead unit
        ("close", f"受理员 {_name(dispatcher)} · {street}"),
    ]
    pages = {
        dispatcher: f"/console/cases/{case.number}/",
        handler: f"/dept/cases/{case.number}/",
        worker: f"/m/cases/{case.number}/",
    }
    for username, path in pages.items():
        client.force_login(_user(username))
        html = client.get(path).content.decode()
        timeline = re.search(r'id="timeline">(.*?)</ol>', html, re.S).group(1)
        assert _who(timeline) == expected, path
        # the dispatch says where the case went
        dispatch = re.search(r'<li data-action="dispatch".*?</li>', timeline, re.S).group(0)
        assert f"→ {unit}" in _text(dispatch), path
        client.logout()

    # the public timeline: the same order, 居民 and units — no staff names, no usernames
    r = client.post("/track/", {"number": case.number, "code": made.tracking_code})
    timeline = re.search(r'id="timeline">(.*?)</ol>', r.content.decode(), re.S).group(1)
    assert _who(timeline) == [
        ("report", "居民"),
        ("register", street),
        ("dispatch", street),
        ("accept", unit),
        ("resolve", unit),
        ("verify", grid),
        ("close", street),
    ]
    for username in (dispatcher, handler, worker):
        assert _name(username) not in timeline and username not in timeline


@pytest.mark.django_db
def test_older_events_fall_back_to_the_actors_post_and_the_api_gains_the_fields():
    made = bring("resolved_unit")
    CaseEvent.objects.filter(case__number=made.number).update(actor_unit="")  # recorded before the field
    handler = Actor.of(_user(f"handler-{UNIT}"))
    from gridgov.cases.selectors import staff_view

    events = staff_view(made.case(), handler)["events"]
    assert [(e["action"], e["actor_unit"], e["actor_name"]) for e in events] == [
        ("report", None, ""),
        ("register", STREET, _name(f"dispatcher-{STREET}")),
        ("dispatch", STREET, _name(f"dispatcher-{STREET}")),
        ("accept", UNIT, _name(f"handler-{UNIT}")),
        ("resolve", UNIT, _name(f"handler-{UNIT}")),
    ]
    assert {"actor", "role", "unit", "seq"} <= set(events[0]), "the existing keys stay"


@pytest.mark.django_db
def test_system_steps_are_the_system():
    from gridgov.web.casefile import who

    event = {
        "role": "system",
        "actor": "deadline sweep",
        "actor_name": "",
        "actor_unit": None,
        "action": "supervise",
        "unit": None,
    }
    assert who(event, {}) == {"who": "系统", "actor_unit_name": "", "target_name": ""}


# ---- /m/ and /dept/ words ------------------------------------------------------------------------


@pytest.mark.django_db
def test_the_check_on_the_phone_reads_passed_or_not_passed(client):
    made = bring("resolved_unit")
    client.force_login(_user(f"worker-{GRID}"))
    html = client.get(f"/m/cases/{made.number}/").content.decode()
    form = re.search(r'<form[^>]*id="form-verify".*?</form>', html, re.S).group(0)
    assert re.search(r'<label for="verify-yes">通过</label>', form)
    assert re.search(r'<label for="verify-no">不通过</label>', form)
    assert "是否通过" not in re.search(r"<fieldset.*?</fieldset>", form, re.S).group(0).split("</legend>")[1]
    # and a 不通过 is a failed check (返工)
    r = client.post(f"/m/cases/{made.number}/", {"action": "verify", "passed": "no", "note": "没修好"})
    assert r.status_code == 302
    assert Case.objects.get(number=made.number).status == "in_progress"


@pytest.mark.django_db
def test_a_suspended_case_shows_suspended_and_its_review_date_not_a_light(client):
    made = bring("suspended")
    case = made.case()
    assert case.review_on and case.light, "a suspended case keeps the light it had when suspended"
    client.force_login(_user(f"handler-{UNIT}"))
    html = client.get("/dept/").content.decode()
    row = re.search(rf'<li class="case-row" data-number="{case.number}".*?</li>', html, re.S).group(0)
    light = re.search(r'<span class="light light-suspended" data-light="suspended">.*?</span></span>', row, re.S)
    assert light and _text(light.group(0)) == f"挂账 · {case.review_on.isoformat()} 复查"
    assert not re.search(r"light-(green|yellow|red)", row)
    assert "挂账期间暂停计时，恢复办理后顺延" in row  # the shown time to resolve is not the one that will count
    page = client.get(f"/dept/cases/{case.number}/").content.decode()
    status = re.search(r'<p class="status-line">.*?</p>', page, re.S).group(0)
    assert "light-suspended" in status and case.review_on.isoformat() in status
    assert not re.search(r"light-(green|yellow|red)", status)
    assert "挂账期间暂停计时，恢复办理后顺延" in page


@pytest.mark.django_db
def test_the_sign_for_hint_agrees_with_the_deadline_from_dispatch(client):
    made = bring("dispatched_unit")
    case = made.case()
    client.force_login(_user(f"handler-{UNIT}"))
    html = client.get(f"/dept/cases/{case.number}/").content.decode()
    hint = _text(re.search(r'<p class="hint" id="sign-hint">(.*?)</p>', html, re.S).group(1))
    sign_by = timezone.localtime(case.sign_by).strftime("%Y-%m-%d %H:%M")
    resolve_by = timezone.localtime(case.resolve_by).strftime("%Y-%m-%d %H:%M")
    assert hint == f"请在 {sign_by} 前签收。处置时限自派遣时起算，须在 {resolve_by} 前办结。"
    assert "签收后即开始计算" not in html


@pytest.mark.django_db
def test_a_staff_page_without_its_session_is_refused_not_taken_for_a_resident(client):
    from tests.cases.helpers import point_in

    lon, lat = point_in(GRID)
    body = {"title": "楼道堆物", "lon": lon, "lat": lat}
    before = Case.objects.count()
    r = client.post("/api/v1/cases", body, content_type="application/json", HTTP_X_GRIDGOV_STAFF_PAGE="1")
    assert r.status_code == 401 and r.json()["detail"] == "登录已过期，请重新登录。"
    assert Case.objects.count() == before
    r = client.post("/api/v1/cases", body, content_type="application/json")  # a resident's own report
    assert r.status_code == 201 and Case.objects.count() == before + 1


@pytest.mark.django_db
def test_a_photo_from_a_staff_page_without_its_session_is_refused_not_stored_as_a_residents(client):
    import io

    from PIL import Image

    from gridgov.cases.models import Upload

    def photo():
        out = io.BytesIO()
        Image.new("RGB", (40, 30), "red").save(out, "JPEG")
        out.seek(0)
        out.name = "photo.jpg"
        return out

    before = Upload.objects.count()
    r = client.post("/api/v1/uploads", {"file": photo()}, HTTP_X_GRIDGOV_STAFF_PAGE="1")
    assert r.status_code == 401 and r.json()["detail"] == "登录已过期，请重新登录。"
    assert Upload.objects.count() == before
    r = client.post("/api/v1/uploads", {"file": photo()})  # a resident's own photo
    assert r.status_code == 201 and Upload.objects.count() == before + 1
