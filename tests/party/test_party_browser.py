"""A party member (联户党员) signs in, in Chromium, lands on 我的工作台 (/home/, never a 403), sees their
households with masked names and phone, and answers a whistle call (报到); the community's grid leader then
records the hours on /console/party/. Screenshots: test-artifacts/party-home.png, party-console.png."""

from __future__ import annotations

import pytest

from gridgov.party.models import WhistleAnswer
from tests.cases import helpers as h
from tests.party.conftest import LEADER, PHONE, a_call

pytestmark = pytest.mark.browser

PASSWORD = "Grid-party-2026!"


@pytest.fixture
def artifacts():
    from tests.web.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def test_a_party_member_signs_in_and_answers_a_call(party, live_server, browser, artifacts):
    from gridgov.party import services

    services.link_households(actor=party["leader"], member=party["members"]["zhang"], households=party["homes"][:2])
    call = a_call(party, hours_ahead=-1)  # began an hour ago: its hours may be recorded at once
    user = party["users"]["zhang"]
    user.set_password(PASSWORD)
    user.save(update_fields=["password"])
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if r.request.resource_type == "document" else None)
    try:
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", user.username)
        page.fill("#id_password", PASSWORD)
        page.click("#sign-in-form button[type=submit]")
        page.wait_for_load_state()
        assert page.url == f"{live_server.url}/home/", page.url
        assert 403 not in statuses, statuses
        assert page.is_visible("#party-member") and page.is_visible("#party-households")
        assert "139****5678" in page.inner_text("#party-member")
        assert PHONE not in page.content()
        households = page.inner_text("#party-households")
        assert "党建花园1号楼1单元101" in households
        button = page.locator(f'article[data-call="{call.pk}"] .answer-form button')
        assert button.inner_text() == "我报到"
        button.click()
        page.wait_for_load_state()
        assert page.url.startswith(f"{live_server.url}/home/")
        assert page.locator(f'article[data-call="{call.pk}"] .answered').is_visible()
        assert WhistleAnswer.objects.filter(call=call, member=party["members"]["zhang"]).count() == 1
        page.screenshot(path=artifacts / "party-home.png", full_page=True)
        page.click("#sign-out button")
        page.wait_for_load_state()
        leader = h.user(LEADER)
        leader.set_password(PASSWORD)
        leader.save(update_fields=["password"])
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", LEADER)
        page.fill("#id_password", PASSWORD)
        page.click("#sign-in-form button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{live_server.url}/console/party/?grid={h.COMMUNITY}")
        assert "139****5678" in page.inner_text("#party-members") and PHONE not in page.content()
        answer = WhistleAnswer.objects.get(call=call)
        row = page.locator(f'tr[data-answer="{answer.pk}"]')
        row.locator("input[name=hours]").fill("2.5")
        row.locator("button").click()
        page.wait_for_load_state()
        assert "2.5" in page.locator(f'tr[data-answer="{answer.pk}"]').inner_text()
        page.screenshot(path=artifacts / "party-console.png", full_page=True)
        assert 403 not in statuses and errors == [], (statuses, errors)
    finally:
        context.close()
