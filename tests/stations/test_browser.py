"""A resident books an activity on a phone-sized page, in Chromium: she opens 便民服务 from /my/, signs in with
the SMS code (read from the kept SMS), books the calligraphy class and sees it confirmed; a neighbour who
comes later is put on the waiting list with her number; the grid leader sees both in the console. Screenshots:
test-artifacts/stations-booking.png, stations-index.png (with the chart), stations-console.png."""

from __future__ import annotations

import pytest

from gridgov.stations import services
from gridgov.stations.models import Booking
from tests.cases import helpers as h
from tests.portal.conftest import last_code, sms  # noqa: F401 — the kept SMS
from tests.stations.conftest import LEADER, SYSTEM
from tests.web.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

PHONE = "13900001111"
NEIGHBOUR = "13900002222"
PASSWORD = "Grid-stations-2026!"


def _sign_in(page, base: str, phone: str) -> None:
    page.goto(f"{base}/my/")
    page.fill("#phone", phone)
    page.click("#send-code")
    page.wait_for_selector("#code-form")
    page.fill("#code", last_code(phone))
    page.click("#verify-code")
    page.wait_for_selector("#services-link")
    page.click("#services-link")
    page.wait_for_selector("#offerings")


def test_a_resident_books_an_activity_on_her_phone(activity, sms, live_server, browser):  # noqa: F811
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    errors: list[str] = []
    try:
        page = context.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live_server.url}/my/services/")  # browsing needs no sign-in
        assert "周三书法课" in page.inner_text("#offerings")
        assert page.locator(f'[data-offering="{activity.pk}"] form').count() == 0
        _sign_in(page, live_server.url, PHONE)
        offer = page.locator(f'article[data-offering="{activity.pk}"]')
        offer.locator('input[name="name"]').fill("王秀英")
        offer.locator("button[type=submit]").click()
        page.wait_for_selector("#my-bookings")
        mine = page.locator("#my-bookings li").first
        assert mine.get_attribute("data-status") == "confirmed"
        assert "报名成功" in page.inner_text(".flash")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, f"the page is wider than the phone: {width}px"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "stations-booking.png", full_page=True)
        assert Booking.objects.get(offering=activity).status == "confirmed"

        services.set_capacity(actor=SYSTEM, offering_id=activity.pk, capacity=1)  # the last place is hers
        other = context.browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
        try:
            second = other.new_page()
            _sign_in(second, live_server.url, NEIGHBOUR)
            second.locator(f'article[data-offering="{activity.pk}"] input[name="name"]').fill("李桂兰")
            second.locator(f'article[data-offering="{activity.pk}"] button[type=submit]').click()
            second.wait_for_selector("#my-bookings")
            waiting = second.locator("#my-bookings li").first
            assert waiting.get_attribute("data-status") == "waitlisted"
            assert "候补第 1 位" in waiting.inner_text()
        finally:
            other.close()
        _staff_sees_the_sign_ups(browser, live_server.url, activity.pk, errors)
        assert not errors, errors
    finally:
        context.close()


def _staff_sees_the_sign_ups(browser, base: str, offering_id: int, errors: list[str]) -> None:
    """The community's grid leader opens the offering in the console: one confirmed, one waiting (masked)."""
    leader = h.user(LEADER)
    leader.set_password(PASSWORD)
    leader.save(update_fields=["password"])
    desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    try:
        page = desk.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{base}/login/")
        page.fill("#id_username", LEADER)
        page.fill("#id_password", PASSWORD)
        page.click("#sign-in-form button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{base}/stations/")
        page.wait_for_selector("#station-list")
        page.wait_for_selector("#figures-chart canvas")  # the chart drew
        page.screenshot(path=ARTIFACTS / "stations-index.png", full_page=True)
        page.goto(f"{base}/stations/offerings/{offering_id}/")
        rows = page.locator("#sign-ups tbody tr")
        assert [rows.nth(i).get_attribute("data-status") for i in range(rows.count())] == ["confirmed", "waitlisted"]
        assert "王秀英" not in page.inner_text("#sign-ups")  # masked
        page.screenshot(path=ARTIFACTS / "stations-console.png", full_page=True)
    finally:
        desk.close()
