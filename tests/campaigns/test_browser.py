"""A grid worker ticks a checklist item on the phone page (/m/campaigns/) in Chromium, and a leader sees the
grid's progress on the console (issue 12 item 7). Screenshots go to test-artifacts/campaigns-*.png."""

from __future__ import annotations

from datetime import timedelta
from uuid import uuid4

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from gridgov.campaigns import services
from gridgov.grids.models import Grid
from tests.campaigns.conftest import DISPATCHER, GRID, ITEMS, STREET, WORKER
from tests.cases import helpers as h

pytestmark = pytest.mark.browser


def _context(browser, live_server, username: str):
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", service_workers="block")
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context


def test_a_worker_ticks_an_item_and_a_leader_sees_the_progress(browser, live_server, demo_city, artifacts):
    # dates around today: what the test checks does not depend on them (the clock is not held: the live
    # browser keeps the session cookie by the real date)
    today = timezone.localdate()
    actor = h.actor(DISPATCHER)
    campaign = services.create_campaign(
        actor=actor,
        client_id=uuid4(),
        title="人居环境整治专项排查",
        kind="living_environment",
        grid=Grid.objects.get(code=STREET),
        start_date=today,
        due_date=today + timedelta(days=7),
        items=ITEMS,
    ).obj
    services.start_campaign(actor=actor, campaign=campaign)
    worker = _context(browser, live_server, WORKER)
    errors: list[str] = []
    try:
        page = worker.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live_server.url}/m/campaigns/")
        assert "人居环境整治专项排查" in page.inner_text("#campaigns-page")
        target = campaign.targets.get(grid__code=GRID)
        first = page.locator(f"#item-{target.pk}-1")
        first.locator("button.tick-ok").click()
        page.wait_for_load_state()
        assert "正常" in page.inner_text(f"#item-{target.pk}-1 .result")
        page.screenshot(path=artifacts / "campaigns-phone.png", full_page=True)
    finally:
        worker.close()
    leader = _context(browser, live_server, "leader")
    try:
        page = leader.new_page()
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(f"{live_server.url}/console/campaigns/")
        page.click("#nav-campaigns")
        page.wait_for_load_state()
        assert page.is_visible("#campaign-ranking")
        page.click(f"#campaign-list a[href='/console/campaigns/{campaign.pk}/']")
        page.wait_for_load_state()
        shapes = "#fieldwork-map path.grid-shape"
        page.wait_for_function("(s) => document.querySelectorAll(s).length > 0", arg=shapes)
        row = page.locator(f"#progress-grids tr[data-grid='{GRID}']")
        assert "1/3" in row.inner_text()
        assert row.locator("meter").get_attribute("value") == "0.3333"
        assert "1/" in page.inner_text(f"#progress-streets tr[data-grid='{STREET}']")
        page.screenshot(path=artifacts / "campaigns-console.png", full_page=True)
    finally:
        leader.close()
    assert errors == [], errors
