"""The patrol page in Chromium (issue 12 item 4; its other tests are in tests/patrols/): started, walked
and checked in while offline, the queue kept in localStorage goes out when the network is back, each fix
and the start written once."""

from __future__ import annotations

from datetime import time

import pytest
from django.utils import timezone

from gridgov.grids.models import Grid
from gridgov.patrols import services
from gridgov.patrols.models import CheckIn, PatrolSession, TrackPoint
from gridgov.sim.models import DemoAccount
from tests.cases import helpers as h
from tests.patrols.conftest import LEADER, WORKER

pytestmark = pytest.mark.browser


def test_a_patrol_recorded_offline_is_synced_once(browser, live_server, demo_city):
    lon, lat = h.point_in(h.GRID)
    plan = services.create_plan(
        actor=h.actor(LEADER),
        grid=Grid.objects.get(code=h.GRID),
        name="浏览器巡查",
        window_start=time(0),
        window_end=time(23, 59, 59),
        valid_from=timezone.localdate(),  # due today, whatever day the test runs
        min_checkins=1,
        points=[{"name": "东门", "lon": lon, "lat": lat, "radius_m": 50}],
    )
    worker = DemoAccount.objects.get(username=WORKER)
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, locale="zh-CN")
    context.grant_permissions(["geolocation"])
    context.set_geolocation({"latitude": lat, "longitude": lon})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{live_server.url}/login/?next=/m/patrol/")
        page.fill("#id_username", worker.username)
        page.fill("#id_password", worker.password)
        page.click("#sign-in-form button[type=submit]")
        page.wait_for_selector(f'.patrol-start[data-plan="{plan.pk}"]')
        assert "今日巡查计划" in page.content()

        context.set_offline(True)
        page.click(f'.patrol-start[data-plan="{plan.pk}"]')
        page.wait_for_selector(".patrol-checkin:not([disabled])")
        page.wait_for_function(
            # a function, not a bare expression: Playwright polls an expression with eval, which the CSP refuses
            "() => JSON.parse(localStorage.getItem(document.getElementById('patrol-config')"
            " && JSON.parse(document.getElementById('patrol-config').textContent).storageKey)"
            " || '{}').fixes.length >= 1"
        )
        page.click(".patrol-checkin")
        page.wait_for_selector("#patrol-outbox:not([hidden])")
        assert not PatrolSession.objects.exists(), "offline: nothing reached the server"

        context.set_offline(False)
        page.evaluate("window.dispatchEvent(new Event('online'))")
        page.wait_for_selector("#patrol-outbox[hidden]", state="attached", timeout=20000)
        session = PatrolSession.objects.get(worker__username=WORKER)
        assert session.plan_id == plan.pk and session.ended_at is None
        assert TrackPoint.objects.filter(session=session).count() >= 1
        assert CheckIn.objects.filter(session=session).count() == 1

        page.click("#patrol-end")
        page.wait_for_selector("#patrol-outbox[hidden]", state="attached", timeout=20000)
        page.wait_for_function("() => document.getElementById('patrol-end').hidden")
        session.refresh_from_db()
        assert session.ended_at is not None
        page.reload()
        page.wait_for_selector(f'.patrol-start[data-plan="{plan.pk}"]:not([hidden])')
        assert PatrolSession.objects.count() == 1
        assert errors == []
    finally:
        context.close()
