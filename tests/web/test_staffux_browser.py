"""Signing in, out, and back in after the session ran out, in Chromium (issue 9):

- each role signs in on the styled /login/ and lands on its own page, which says who is signed in;
  the phone roles at 375 px, where the header and the page fit the screen;
- 退出登录 signs out and comes back to the sign-in page;
- an action form typed into when the session has run out: the text survives signing in again.

Screenshots go to test-artifacts/staffux-*.png.
"""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from django.contrib.auth import get_user_model

from gridgov.sim.models import DemoAccount
from tests.cases.helpers import GRID, UNIT, bring

pytestmark = pytest.mark.browser

PHONE = 375
LANDINGS = {
    "grid_worker": "/m/",
    "grid_leader": "/m/",
    "department_handler": "/dept/",
    "dispatcher": "/console/",
    "supervisor": "/home/",
    "leader": "/dashboard/",
    "admin": "/admin/",
    "deputy": "/home/",
    "mediator": "/home/",
}
ROLE_WORDS = {
    "grid_worker": "网格员",
    "grid_leader": "网格长",
    "department_handler": "部门承办人",
    "dispatcher": "受理员",
    "supervisor": "督导员",
    "leader": "领导",
    "admin": "管理员",
    "deputy": "代表",
    "mediator": "调解员",
}


def _page(browser, width: int):
    phone = width <= PHONE
    context = browser.new_context(
        viewport={"width": width, "height": 812 if phone else 900}, is_mobile=phone, has_touch=phone, locale="zh-CN"
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return page


def _name(username: str) -> str:
    user = get_user_model().objects.get(username=username)
    return user.get_full_name() or username


def _sign_in(page, account: DemoAccount) -> None:
    page.fill("#id_username", account.username)
    page.fill("#id_password", account.password)
    page.click("#sign-in-form button[type=submit]")
    page.wait_for_load_state()


def _fits(page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE, f"{what}: the page is {width} px wide at {PHONE} px"


def test_each_role_signs_in_and_lands_on_its_own_page(browser, live_server, demo_city, artifacts):
    base = live_server.url
    for role, landing in LANDINGS.items():
        account = DemoAccount.objects.filter(role=role).order_by("username").first()
        phone = role in ("grid_worker", "grid_leader", "department_handler")
        page = _page(browser, PHONE if phone else 1280)
        try:
            page.goto(f"{base}/login/")
            assert page.inner_text("#sign-in-title") == "登录"
            assert page.locator("#expired").count() == 0
            if role == "grid_worker":
                _fits(page, "sign-in page")
                page.screenshot(path=artifacts / "staffux-login-375.png", full_page=True)
            _sign_in(page, account)
            expected = landing.format(scope=account.scope)
            assert page.url == f"{base}{expected}", (role, page.url)
            if role == "admin":  # Django's admin has its own header
                assert page.locator("#site-name").count() == 1
                continue
            assert page.inner_text("#signed-in-who") == f"{ROLE_WORDS[role]} {_name(account.username)}", role
            assert page.is_visible("#sign-out button")
            if phone:
                _fits(page, f"{role} landing")
            page.screenshot(path=artifacts / f"staffux-landing-{role}.png", full_page=False)
            assert page.errors == [], (role, page.errors)
        finally:
            page.context.close()


def test_sign_out(browser, live_server, demo_city):
    base = live_server.url
    account = DemoAccount.objects.get(username=f"worker-{GRID}")
    page = _page(browser, PHONE)
    try:
        page.goto(f"{base}/login/")
        _sign_in(page, account)
        assert page.url == f"{base}/m/"
        page.click("#sign-out button")
        page.wait_for_url(f"{base}/login/")
        assert page.locator("#signed-in").count() == 0 and page.locator("#expired").count() == 0
        page.goto(f"{base}/m/")
        assert page.url.startswith(f"{base}/login/?next=/m/"), "signed out: the phone pages ask to sign in"
        assert page.errors == []
    finally:
        page.context.close()


def _drop_session(page) -> None:
    """The session runs out: its cookie is gone; the others (CSRF, language, signed-in marker) stay."""
    page.context.clear_cookies(name="sessionid")


def test_what_was_typed_survives_an_expired_session(browser, live_server, demo_city, artifacts):
    base = live_server.url
    number = bring("in_progress_unit").number
    handler = DemoAccount.objects.get(username=f"handler-{UNIT}")
    page = _page(browser, 1280)
    try:
        page.goto(f"{base}/login/?next=/dept/cases/{number}/")
        _sign_in(page, handler)
        assert page.url == f"{base}/dept/cases/{number}/"
        text = "已更换破损井盖，并设置警示标志\n第二行"
        page.fill("#resolve-result", text)
        _drop_session(page)
        page.click("#form-resolve button[type=submit]")
        page.wait_for_selector("#expired")
        assert page.url.startswith(f"{base}/login/?next=/dept/cases/{number}/")
        assert page.inner_text("#expired") == "登录已过期，请重新登录。"
        assert page.is_visible("#kept-hint"), "the page says the text is kept"
        page.screenshot(path=artifacts / "staffux-expired.png", full_page=True)
        page.fill("#id_username", handler.username)  # a wrong password first: still kept
        page.fill("#id_password", "wrong-password")
        page.click("#sign-in-form button[type=submit]")
        page.wait_for_selector("#sign-in-error")
        _sign_in(page, handler)
        assert page.url == f"{base}/dept/cases/{number}/"
        assert page.input_value("#resolve-result") == text
        assert page.evaluate("document.activeElement.id") == "resolve-result"
        # sent now, it goes through; the next visit of the page starts empty
        page.click("#form-resolve button[type=submit]")
        page.wait_for_selector("#result")
        assert page.inner_text("#result") == text
        page.goto(f"{base}/dept/cases/{number}/")
        assert page.locator("#resolve-result").count() == 0
        assert page.errors == []
    finally:
        page.context.close()


def test_the_phone_check_survives_an_expired_session(browser, live_server, demo_city):
    base = live_server.url
    number = bring("resolved_unit").number
    worker = DemoAccount.objects.get(username=f"worker-{GRID}")
    page = _page(browser, PHONE)
    try:
        page.goto(f"{base}/login/?next=/m/cases/{number}/")
        _sign_in(page, worker)
        assert page.inner_text('label[for="verify-yes"]') == "通过"
        assert page.inner_text('label[for="verify-no"]') == "不通过"
        page.check("#verify-no")
        page.fill("#verify-note", "井盖仍然松动")
        _drop_session(page)
        page.click("#form-verify button[type=submit]")
        page.wait_for_selector("#expired")
        _fits(page, "sign-in page after expiry")
        _sign_in(page, worker)
        assert page.url == f"{base}/m/cases/{number}/"
        assert page.is_checked("#verify-no") and not page.is_checked("#verify-yes")
        assert page.input_value("#verify-note") == "井盖仍然松动"
        assert page.errors == []
    finally:
        page.context.close()


def test_a_phone_report_waits_through_an_expired_session(browser, live_server, demo_city):
    """/m/report/ posts with fetch(): without a session it is refused (401), never filed as a resident's
    report; it waits in the phone's outbox and goes out, as the worker's, once they have signed in again."""
    from gridgov.cases.models import Case
    from tests.cases.helpers import point_in

    base = live_server.url
    worker = DemoAccount.objects.get(username=f"worker-{GRID}")
    page = _page(browser, PHONE)
    try:
        page.goto(f"{base}/login/?next=/m/report/")
        _sign_in(page, worker)
        page.wait_for_selector("#report-map[data-ready]")
        lon, lat = point_in(GRID)
        page.context.grant_permissions(["geolocation"])
        page.context.set_geolocation({"latitude": lat, "longitude": lon})
        page.click("#use-position")
        page.wait_for_selector(".report-marker")
        page.fill("#title", "楼道堆放杂物（会话过期）")
        before = Case.objects.count()
        _drop_session(page)
        page.click("#submit")
        page.wait_for_selector("#expired")
        assert unquote(page.url).startswith(f"{base}/login/?next=/m/report/")
        assert Case.objects.count() == before, "nothing was filed without the worker's session"
        _sign_in(page, worker)
        page.wait_for_selector("#sent-list .m-row")
        case = Case.objects.get(number=page.get_attribute("#sent-list .m-row", "data-number"))
        assert (case.title, case.channel, case.reporter.username) == (
            "楼道堆放杂物（会话过期）",
            "patrol",
            worker.username,
        )
        assert Case.objects.count() == before + 1
        assert page.errors == []
    finally:
        page.context.close()
