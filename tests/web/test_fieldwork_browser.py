"""A grid worker, in Chromium, searches the registry and opens the fieldwork page, whose map draws the grids
coloured by coverage (issue 12, item 8). Screenshots go to test-artifacts/fieldwork-*.png."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from tests.web.conftest import CLICKABLE

pytestmark = pytest.mark.browser

GRID = "410102001002001"
WORKER = f"worker-{GRID}"


def test_a_worker_searches_the_registry_and_sees_the_coverage_map(browser, live_server, demo_city, artifacts):
    client = Client()
    client.force_login(get_user_model().objects.get(username=WORKER))
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", service_workers="block")
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{live_server.url}/console/registry/")
        assert page.inner_text("#registry-title") == "登记信息查询"
        page.fill("#r-phone", "13800000000")
        page.click("#registry-search button[type=submit]")
        page.wait_for_load_state()
        assert "phone=13800000000" in page.url
        assert page.input_value("#r-phone") == ""  # an exact search is not echoed back into the page
        assert page.is_visible("#registry-none") or page.is_visible("#resident-results")
        page.screenshot(path=artifacts / "fieldwork-registry.png", full_page=True)

        page.click("#nav-fieldwork")
        page.wait_for_load_state()
        assert page.url.startswith(f"{live_server.url}/console/fieldwork/")
        shapes = "#fieldwork-map path.grid-shape"
        page.wait_for_function("(s) => document.querySelectorAll(s).length > 0", arg=shapes)
        page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim')")
        target = page.evaluate(CLICKABLE, shapes)
        assert target, "no grid on the coverage map can be hovered"
        page.mouse.move(target["x"], target["y"])
        page.wait_for_selector(".leaflet-tooltip", state="attached")
        assert "覆盖率（近30天）" in page.inner_text(".leaflet-tooltip")
        assert page.is_visible("#coverage-table") and page.is_visible("#attendance-workers")
        page.screenshot(path=artifacts / "fieldwork-map.png", full_page=True)
        assert errors == [], errors
    finally:
        context.close()
