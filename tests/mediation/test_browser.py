"""A mediator in Chromium records a session and the agreement (调解协议书) of a dispute, then opens the
printable agreement; parties stay masked. Screenshot: test-artifacts/mediation-agreement.png."""

from __future__ import annotations

import pytest
from django.utils import timezone

from gridgov.mediation import teams
from gridgov.mediation.models import Dispute
from gridgov.sim.models import DemoAccount
from tests.cases import helpers as h
from tests.mediation.conftest import STREET_MEDIATOR, SYSTEM, open_walk_in

pytestmark = pytest.mark.browser


def test_a_mediator_records_a_session_and_an_agreement(browser, live_server, demo_city, artifacts):
    team = teams.create_team(actor=SYSTEM, name="矩阵网格调解组", code=h.GRID, kind="grid", short_name="矩阵")
    teams.add_member(actor=SYSTEM, team=team, username=STREET_MEDIATOR, role="mediator")
    d = open_walk_in(1, title="楼上漏水邻里纠纷")
    account = DemoAccount.objects.get(username=STREET_MEDIATOR)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{live_server.url}/login/?next=/mediation/")
        page.fill("#id_username", account.username)
        page.fill("#id_password", account.password)
        page.click("#sign-in-form button[type=submit]")
        page.wait_for_selector(f'tr[data-dispute="{d.number}"]')
        page.click(f'tr[data-dispute="{d.number}"] a')
        page.wait_for_selector("#session-form")
        today = timezone.localdate().isoformat()
        page.fill("#session-form input[name=at]", f"{today}T09:30")
        page.fill("#session-form input[name=place]", "社区调解室")
        page.fill("#session-form input[name=attendees]", "双方当事人")
        page.click("#session-form button[type=submit]")
        page.wait_for_selector("#sessions li:has-text('社区调解室')")
        page.fill("#agreement-form textarea[name=terms]", "楼上住户于十日内修复漏点并赔偿五百元")
        page.click("#agreement-form button[type=submit]")
        page.wait_for_selector("#agreement a")
        assert "13812345678" not in page.content() and "138****5678" in page.content()
        page.click("#agreement a")
        page.wait_for_selector("#agreement-number")
        number = Dispute.objects.get(number=d.number).agreement.number
        assert page.inner_text("#agreement-number") == number == f"矩阵调〔{timezone.localdate().year}〕第001号"
        assert "修复漏点" in page.inner_text("#terms")
        page.screenshot(path=artifacts / "mediation-agreement.png", full_page=True)
        assert Dispute.objects.get(number=d.number).status == "agreed"
        assert errors == [], errors
    finally:
        context.close()
