"""A cashier (the community's 二级网格长) signs in, in Chromium, opens the 爱心超市 counter, types a resident's
code, sees the masked name and balance, picks two bars of soap and confirms; the balance and the stock drop
once. Screenshot: test-artifacts/points-counter.png."""

from __future__ import annotations

import pytest

from gridgov.points import services
from gridgov.points.models import Account, Entry, Item
from tests.cases import helpers as h
from tests.points.conftest import LEADER
from tests.web.conftest import ARTIFACTS

pytestmark = pytest.mark.browser

PASSWORD = "Grid-points-2026!"


def test_a_cashier_redeems_points_for_a_resident(people, live_server, browser):
    wang, soap = people["wang"], people["soap"]
    services.credit(actor=people["leader"], resident=wang, kind="volunteer_hour", ref="h1", units=4)  # 40
    code = Account.objects.get(resident=wang).code
    leader = h.user(LEADER)
    leader.set_password(PASSWORD)
    leader.save(update_fields=["password"])
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", LEADER)
        page.fill("#id_password", PASSWORD)
        page.click("#sign-in-form button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{live_server.url}/console/points/counter/")
        page.fill("#resident-code", code.lower())
        page.press("#resident-code", "Enter")
        page.wait_for_load_state()
        assert "王**" in page.inner_text("#points-holder") and "王秀兰" not in page.content()
        assert page.inner_text("#points-balance") == "40"
        page.fill(f'tr[data-item="{soap.pk}"] input', "2")
        page.click("#redeem")
        page.wait_for_load_state()
        assert page.is_visible("#points-done")
        assert page.inner_text("#points-balance") == "10"
        assert page.inner_text(f'tr[data-item="{soap.pk}"] .stock') == "0"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=ARTIFACTS / "points-counter.png", full_page=True)
        assert Entry.objects.filter(source_kind="redeem").count() == 1 and Item.objects.get(pk=soap.pk).stock == 0
        assert not errors, errors
    finally:
        context.close()
