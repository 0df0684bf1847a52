"""A deputy in Chromium signs in, opens a need of their street, claims it and turns it into a case (责任单):
the case's number is shown on the need. Screenshot: test-artifacts/deputies-need-case.png."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from gridgov.cases.models import Case
from gridgov.deputies import services
from gridgov.deputies.models import Need
from gridgov.people.actors import Actor
from gridgov.sim.models import DemoAccount
from tests.cases import helpers as h
from tests.deputies.conftest import need_body

pytestmark = pytest.mark.browser


def test_a_deputy_turns_a_need_into_a_case(browser, live_server, demo_city, artifacts):
    worker = Actor.of(get_user_model().objects.get(username=f"worker-{h.GRID}"))
    body = need_body()
    need = services.collect_need(
        actor=worker, grid_code=body["grid"], text=body["text"], name=body["name"], phone=body["phone"]
    )
    account = DemoAccount.objects.get(username=f"deputy-{h.STREET}")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{live_server.url}/login/?next=/deputies/")
        page.fill("#id_username", account.username)
        page.fill("#id_password", account.password)
        page.click("#sign-in-form button[type=submit]")
        page.wait_for_selector(f'#open-needs tr[data-need="{need.number}"]')
        page.click(f'#open-needs tr[data-need="{need.number}"] a')
        page.wait_for_selector("#claim-form")
        assert "13812345678" not in page.content() and "138****5678" in page.content()
        page.click("#claim-form button[type=submit]")
        page.wait_for_selector("#case-form")
        page.fill("#case-form input[name=title]", "小区路灯损坏")
        page.click("#case-form button[type=submit]")
        page.wait_for_selector("#case-number")
        case = Need.objects.get(number=need.number).case
        assert case is not None and page.inner_text("#case-number") == case.number
        assert Case.objects.get(number=case.number).channel == "deputy"
        assert page.get_attribute("#status", "data-status") == "case"
        page.screenshot(path=artifacts / "deputies-need-case.png", full_page=True)
        assert errors == [], errors
    finally:
        context.close()
