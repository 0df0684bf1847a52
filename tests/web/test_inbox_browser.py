"""The inbox and joint handling in Chromium (375 px, as on a handler's phone):

- a notification arrives while a staff page is open: the badge counts it (its refresh every minute,
  run with Playwright's clock instead of waiting), the list opens from it, marking read lowers it;
- an assisting unit's handler records its part (协办反馈) on /dept/, and the lead unit's handler sees
  it on its case page before reporting the whole result.

Screenshots: test-artifacts/inbox-*.png.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image

from gridgov.cases import services
from gridgov.cases.models import Case, CaseEvent
from gridgov.notifications.services import notify
from gridgov.people.actors import Actor
from gridgov.people.models import Unit
from gridgov.sim.models import DemoAccount
from tests.cases.helpers import GRID, actor, point_in, user

pytestmark = pytest.mark.browser

WIDTH = 375
LEAD, HELPER = "D410102001", "D410102002"
DISPATCHER = "dispatcher-410102001"


def _phone(browser):
    context = browser.new_context(
        viewport={"width": WIDTH, "height": 812}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return page


def _sign_in(page, base: str, username: str, then: str) -> None:
    account = DemoAccount.objects.get(username=username)
    page.goto(f"{base}/login/?next={then}")
    page.fill("#id_username", account.username)
    page.fill("#id_password", account.password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{then}")


def _jpeg() -> dict:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (30, 140, 90)).save(out, "JPEG")
    return {"name": "part.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def _joint_case(title: str) -> str:
    """A case dispatched to LEAD with HELPER assisting (the dispatch notifies both units)."""
    lon, lat = point_in(GRID)
    number = services.report_case(actor=Actor.anonymous(), title=title, lon=lon, lat=lat).case.number
    dispatcher = actor(DISPATCHER)
    services.register_case(actor=dispatcher, number=number)
    services.dispatch_case(actor=dispatcher, number=number, unit=LEAD, assisting=[HELPER])
    return number


def _badge(page) -> int:
    return int(page.get_attribute("#inbox-badge", "data-unread"))


def _fits(page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{what}: the page is {width} px wide at {WIDTH} px"


def test_a_notification_arrives_the_badge_counts_it_and_reading_lowers_it(browser, live_server, demo_city, artifacts):
    base = live_server.url
    number = _joint_case("占道经营（通知测试）")
    page = _phone(browser)
    try:
        page.clock.install()  # the badge's refresh every minute runs on this clock
        _sign_in(page, base, f"handler-{LEAD}", "/dept/")
        assert _badge(page) == 1, "the dispatch is in the lead unit's inbox"
        assert page.inner_text("#inbox-badge .badge-count") == "1"
        _fits(page, "department queue with the badge")

        # while the page is open, the assisting unit reports its part (the lead unit is told), and a
        # reminder comes
        services.report_assist_part(actor=actor(f"handler-{HELPER}"), number=number, result="已配合清理占道摊点")
        notify(
            recipients=[user(f"handler-{LEAD}")],
            kind="case.light.yellow",
            title="即将超期（黄灯）：占道经营（通知测试）",
            link=f"/console/cases/{number}/",
            subject=number,
            dedupe_key=f"test-light:{number}",
        )
        assert _badge(page) == 1, "not before the badge asks again"
        with page.expect_response(lambda r: r.url.endswith("/inbox/badge/")):
            page.clock.run_for(61_000)
        page.wait_for_function("() => document.querySelector('#inbox-badge').dataset.unread === '3'")
        assert page.get_attribute("#inbox-badge", "aria-label") == "通知：3 条未读"
        page.screenshot(path=artifacts / "inbox-1-badge.png", full_page=True)

        page.click("#inbox-badge")
        page.wait_for_url(f"{base}/inbox/")
        titles = page.eval_on_selector_all("#inbox-list .inbox-title", "ts => ts.map(t => t.textContent.trim())")
        assert titles == [
            "即将超期（黄灯）：占道经营（通知测试）",
            "协办反馈：占道经营（通知测试）",
            "派遣：占道经营（通知测试）",
        ]
        assert page.locator("#inbox-list > li.unread").count() == 3 and _badge(page) == 3
        _fits(page, "inbox")
        page.screenshot(path=artifacts / "inbox-2-list.png", full_page=True)

        # mark one as read with its button
        page.locator("#inbox-list > li").first.locator("form.read-one button").click()
        page.wait_for_selector("#messages")
        assert _badge(page) == 2 and page.inner_text("#inbox-badge .badge-count") == "2"
        assert page.locator("#inbox-list > li.unread").count() == 2
        assert page.inner_text("#inbox-unread") == "2 条未读"

        # open one: it is read on the way to the case, on the handler's own pages
        page.locator("#inbox-list > li").nth(1).locator(".inbox-title").click()
        page.wait_for_url(f"{base}/dept/cases/{number}/")
        assert _badge(page) == 1 and page.locator("#messages").count() == 0
        assert page.locator("#assist-parts").is_visible()

        page.click("#inbox-badge")
        page.wait_for_url(f"{base}/inbox/")
        assert page.locator("#inbox-list > li.unread").count() == 1
        page.click("#read-all button")
        page.wait_for_selector("#read-all", state="detached")
        assert _badge(page) == 0 and page.locator("#inbox-list > li.unread").count() == 0
        page.screenshot(path=artifacts / "inbox-3-read.png", full_page=True)
        assert page.errors == [], page.errors
    finally:
        page.context.close()


def test_an_assisting_unit_records_its_part_and_the_lead_sees_it_before_resolving(
    browser, live_server, demo_city, artifacts
):
    base = live_server.url
    number = _joint_case("人行道违规堆放建材（联合执法）")
    helper_name = Unit.objects.get(code=HELPER).name
    pages = []
    try:
        helper = _phone(browser)
        pages.append(helper)
        _sign_in(helper, base, f"handler-{HELPER}", "/dept/")
        row = helper.locator(f'li.case-row[data-number="{number}"]')
        assert row.get_attribute("data-role") == "assist" and "协办" in row.inner_text()
        row.locator("a.case-title").click()
        helper.wait_for_selector("#form-assist")
        assert helper.inner_text("#form-assist h2") == "上报协办结果"
        assert helper.locator("#form-accept").count() == 0 and helper.locator("#form-resolve").count() == 0
        helper.fill("#assist-result", "已协助清运建材 2 车，现场恢复通行")
        helper.set_input_files("#assist-photos", files=[_jpeg()])
        helper.click("#form-assist button[type=submit]")
        helper.wait_for_selector("#messages")
        assert helper.inner_text("#messages") == "本单位的协办结果已报送主办单位。"
        part = helper.locator(f'#assist-parts li[data-unit="{HELPER}"]')
        assert part.get_attribute("data-reported") == "true"
        assert helper.eval_on_selector_all("#timeline > li", "ls => ls.map(l => l.dataset.action)")[-1] == "assist"
        _fits(helper, "assisting unit's case page")
        helper.screenshot(path=artifacts / "inbox-4-assist-part.png", full_page=True)
        event = CaseEvent.objects.get(case__number=number, action="assist")
        assert event.unit == HELPER and len(event.data["photos"]) == 1

        lead = _phone(browser)
        pages.append(lead)
        _sign_in(lead, base, f"handler-{LEAD}", f"/dept/cases/{number}/")
        part = lead.locator(f'#assist-parts li[data-unit="{HELPER}"]')
        assert part.get_attribute("data-reported") == "true"
        text = part.inner_text()
        assert helper_name in text and "已协助清运建材 2 车，现场恢复通行" in text
        assert part.locator("img").count() == 1
        assert lead.inner_text("#assist-missing") == "各协办单位均已反馈。"
        assert lead.locator("#form-assist").count() == 0
        lead.click("#form-accept button[type=submit]")
        lead.wait_for_selector("#form-resolve")
        # the parts stand next to the form for the whole result
        assert lead.evaluate("""() => {
          const parts = document.querySelector('#assist-parts'), form = document.querySelector('#form-resolve');
          return !!(parts.compareDocumentPosition(form) & Node.DOCUMENT_POSITION_FOLLOWING);
        }""")
        _fits(lead, "lead unit's case page")
        lead.screenshot(path=artifacts / "inbox-5-lead-sees-parts.png", full_page=True)
        lead.fill("#resolve-result", "会同协办单位清理完毕，人行道恢复通行")
        lead.click("#form-resolve button[type=submit]")
        lead.wait_for_function("() => document.querySelector('#case').dataset.status === 'resolved'")
        assert Case.objects.get(number=number).status == "resolved"
        for p in pages:
            assert p.errors == [], p.errors
    finally:
        for p in pages:
            p.context.close()


def test_the_inbox_and_the_joint_case_page_in_english(browser, live_server, demo_city):
    """?lang=en: no Chinese but data (notifications are stored once, in Chinese, for everyone: data too)."""
    from gridgov.notifications.models import Notification
    from tests.web.test_english import VISIBLE, _leftovers
    from tests.web.test_english import _data as english_data

    base = live_server.url
    number = _joint_case("井盖破损（英文）")
    services.report_assist_part(actor=actor(f"handler-{HELPER}"), number=number, result="已配合")
    stored = {text for pair in Notification.objects.values_list("title", "body") for text in pair if text}
    data = sorted(set(english_data()) | stored, key=len, reverse=True)
    found = {}
    for username, paths in (
        (f"handler-{LEAD}", ["/inbox/", f"/dept/cases/{number}/"]),
        (f"handler-{HELPER}", [f"/dept/cases/{number}/"]),
        (f"worker-{GRID}", ["/m/", "/inbox/"]),
    ):
        page = _phone(browser)
        try:
            _sign_in(page, base, username, "/inbox/")
            for path in paths:
                page.goto(f"{base}{path}?lang=en")
                assert page.get_attribute("html", "lang") == "en"
                found[f"{path} ({username})"] = _leftovers(page.evaluate(VISIBLE), data)
            assert page.errors == [], page.errors
        finally:
            page.context.close()
    assert not {k: v for k, v in found.items() if v}, found
