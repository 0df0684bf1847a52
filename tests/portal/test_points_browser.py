"""A resident earning and redeeming points, in Chromium: 王奶奶's accepted report and two volunteer hours are
credited through gridgov.points; she signs in on her phone with the SMS code (read from the kept SMS) and
sees them; the cashier redeems a bar of soap at the 爱心超市 counter; her page then shows the redemption and
the new balance. Screenshot: test-artifacts/portal-points.png."""

from __future__ import annotations

import pytest

from gridgov.points import services, sources
from gridgov.points.models import Account
from tests.cases import helpers as h
from tests.points.conftest import LEADER
from tests.portal.conftest import REPORTER_PHONE, last_code
from tests.web.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

PASSWORD = "Grid-points-2026!"


def test_a_resident_earns_and_redeems_points(people, sms, live_server, browser):
    wang, soap = people["wang"], people["soap"]
    made = h.bring("registered")  # filed with her phone, accepted: 5 points
    assert sources.sync()["cases"] == 1
    services.credit(actor=people["leader"], resident=wang, kind="volunteer_hour", ref="h1", units=2)  # 20
    code = Account.objects.get(resident=wang).code
    resident = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    cashier = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    errors: list[str] = []
    try:
        page = resident.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live_server.url}/my/")
        page.fill("#phone", REPORTER_PHONE)
        page.click("#send-code")
        page.wait_for_selector("#code-form")
        page.fill("#code", last_code(REPORTER_PHONE))
        page.click("#verify-code")
        page.wait_for_selector("#my-cases")
        assert made.number in page.inner_text("#my-cases")
        points = page.locator(".my-points")
        assert points.locator(".balance").inner_text() == "25"
        assert points.locator('tr[data-source="report_accepted"]').count() == 1

        desk = cashier.new_page()
        desk.on("pageerror", lambda exc: errors.append(str(exc)))
        leader = h.user(LEADER)
        leader.set_password(PASSWORD)
        leader.save(update_fields=["password"])
        desk.goto(f"{live_server.url}/login/")
        desk.fill("#id_username", LEADER)
        desk.fill("#id_password", PASSWORD)
        desk.click("#sign-in-form button[type=submit]")
        desk.wait_for_load_state()
        desk.goto(f"{live_server.url}/console/points/counter/")
        desk.fill("#resident-code", code)
        desk.press("#resident-code", "Enter")
        desk.wait_for_load_state()
        desk.fill(f'tr[data-item="{soap.pk}"] input', "1")
        desk.click("#redeem")
        desk.wait_for_selector("#points-done")

        page.reload()
        points = page.locator(".my-points")
        assert points.locator(".balance").inner_text() == "10"
        redeemed = points.locator('tr[data-source="redeem"]')
        assert redeemed.count() == 1 and redeemed.locator(".amount").inner_text() == "-15"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "portal-points.png", full_page=True)
        assert not errors, errors
    finally:
        resident.close()
        cashier.close()
