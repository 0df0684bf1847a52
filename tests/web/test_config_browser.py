"""Configuration in a real browser (Chromium through Playwright): a grid's boundary corrected on the map of
the admin lands as a new boundary with the tree version bumped; /rankings/ offers only months with data."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import shapely
import time_machine
from django.core.cache import cache

from gridgov.grids.models import Grid, GridBoundary, TreeVersion
from gridgov.grids.selectors import current_geometries

pytestmark = pytest.mark.browser

TZ = ZoneInfo("Asia/Shanghai")
PASSWORD = "cfg-Browser-pass-1"


def admin_sign_in(page, live_server, django_user_model, next_url: str) -> None:
    django_user_model.objects.create_superuser("cfg-browser", "cfg-browser@example.org", PASSWORD)
    page.goto(f"{live_server.url}/admin/login/?next={next_url}")
    page.fill("#id_username", "cfg-browser")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url(f"**{next_url}")


def test_a_boundary_corrected_on_the_admin_map_lands(page, live_server, demo_city, django_user_model, artifacts):
    grid = Grid.objects.filter(level=3, valid_to__isnull=True).order_by("code").first()
    before = current_geometries([grid.code])[grid.code]
    stamp = TreeVersion.objects.get(pk=1).stamp
    url = f"/admin/grids/grid/{grid.pk}/change/"
    admin_sign_in(page, live_server, django_user_model, url)

    # the map shows the grid's polygon (red) with its neighbours (grey) and the drawing tools
    page.wait_for_selector(".grid-boundary-map path.leaflet-interactive")
    assert page.locator(".grid-boundary-map .leaflet-pm-toolbar").count() >= 1
    assert page.locator("#id_boundary").input_value() != ""
    page.screenshot(path=artifacts / "admin-grid-boundary.png")

    # switch on editing and drag one corner a little towards the middle of the map
    page.click(".grid-boundary-map .leaflet-pm-icon-edit")
    corner = page.locator(".grid-boundary-map .marker-icon:not(.marker-icon-middle)").first
    corner.wait_for()
    box = corner.bounding_box()
    map_box = page.locator(".grid-boundary-map").bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    cx, cy = map_box["x"] + map_box["width"] / 2, map_box["y"] + map_box["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + (cx - x) * 0.1, y + (cy - y) * 0.1, steps=8)
    page.mouse.up()
    page.wait_for_function("() => document.getElementById('id_boundary').value.length > 0")
    page.click(".grid-boundary-map .leaflet-pm-icon-edit")  # editing off again
    page.screenshot(path=artifacts / "admin-grid-boundary-edited.png")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/grids/grid/**")
    assert page.locator(".errornote, .errorlist").count() == 0, page.content()[:3000]

    boundaries = list(GridBoundary.objects.filter(grid=grid).order_by("valid_from", "pk"))
    assert len(boundaries) == 2 and boundaries[0].valid_to is not None and boundaries[1].valid_to is None
    after = current_geometries([grid.code])[grid.code]
    assert after.is_valid and not shapely.equals_exact(after, before, 1e-9)
    assert after.symmetric_difference(before).area < 0.2 * before.area  # one corner moved, not a new shape
    assert TreeVersion.objects.get(pk=1).stamp != stamp
    assert page.errors == []


def test_rankings_offer_only_months_with_data(page, live_server, demo_city, artifacts):
    from gridgov.sim.history import simulate_history

    cache.clear()
    simulate_history(days=2, seed=7, now=datetime(2026, 10, 15, 16, 0, tzinfo=TZ))  # October only
    with time_machine.travel(datetime(2026, 12, 9, 10, 0, tzinfo=TZ), tick=True):
        page.goto(f"{live_server.url}/rankings/")
        assert page.locator("#month").input_value() == "2026-10", "November has no cases: October is shown"
        assert page.locator('table[data-scheme="street-100"] tbody tr').count() == 14
        units = page.locator('table[data-scheme="unit-3rates"]')
        assert units.get_by_text("无案件").count() > 0  # departments without October cases are not ranked
        assert "暂无数据" in page.locator('#month option[value="2026-11"]').inner_text()
        page.screenshot(path=artifacts / "rankings-months-with-data.png", full_page=True)

        page.select_option("#month", "2026-11")
        page.click(".rankings-form button[type=submit]")
        page.wait_for_url("**month=2026-11**")
        assert page.get_by_role("heading", name="本月暂无数据").is_visible()
        assert page.locator("table.ranking").count() == 0
        page.screenshot(path=artifacts / "rankings-month-without-data.png", full_page=True)
    assert page.errors == []
