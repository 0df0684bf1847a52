"""The map page in a real browser (Chromium through Playwright) against a live server."""

import re
import time

import pytest

from gridgov.grids.models import Grid
from tests.web.conftest import CLICKABLE

pytestmark = pytest.mark.browser

SHAPES = "#map .leaflet-overlay-pane path.grid-shape"
STREETS = 14


def wait_for_shapes(page, count: int) -> None:
    page.wait_for_function("([s, n]) => document.querySelectorAll(s).length === n", arg=[SHAPES, count])
    page.wait_for_selector("#loading", state="hidden")
    # fitBounds animates the zoom; screenshots and clicks want the map at rest.
    page.wait_for_function("() => !document.querySelector('#map .leaflet-zoom-anim')")


def open_map(page, live_server, query: str = "") -> None:
    page.goto(f"{live_server.url}/{query}")
    wait_for_shapes(page, STREETS)


def click_some_grid(page) -> str:
    target = page.evaluate(CLICKABLE, SHAPES)
    assert target, "no grid shape can be clicked at its centre"
    page.mouse.click(target["x"], target["y"])
    page.wait_for_function("(code) => document.getElementById('d-code').textContent === code", arg=target["code"])
    return target["code"]


def active(code: str) -> Grid:
    return Grid.objects.select_related("parent").get(code=code, valid_to__isnull=True)


def test_streets_details_children_and_levels(page, live_server, demo_city, artifacts):
    open_map(page, live_server)
    assert page.inner_text("h1") == "网格地图"  # Chinese although the browser asks for English
    assert page.locator(".level-tabs button").all_inner_texts() == ["区", "一级网格", "二级网格", "三级网格"]
    assert page.inner_text("#status") == "一级网格（街道）：共 14 个网格"

    code = click_some_grid(page)
    street = active(code)
    assert re.fullmatch(r"\d{9}", code) and street.level == 1
    assert page.inner_text("#details-title") == street.name
    assert page.inner_text("#d-level") == "一级网格（街道）"
    assert page.inner_text("#d-parent") == f"{street.parent.name}（{demo_city}）"
    assert page.inner_text("#d-households") == f"{street.households:,}"
    assert page.inner_text("#d-population") == f"{street.population:,}"
    assert page.inner_text("#d-kind") in {"综合网格", "专属网格"}
    assert page.inner_text("#d-area").endswith("平方公里")
    assert page.get_attribute(f'{SHAPES}[data-code="{code}"]', "stroke") == "#d62728"  # highlighted

    # 三级网格, with the loading indicator held up until the request may go on.
    held = []
    is_level3 = lambda url: "/grids/geojson" in url and "level=3" in url  # noqa: E731
    page.route(is_level3, lambda route: held.append(route))
    page.get_by_role("button", name="三级网格").click()
    page.wait_for_selector("#loading", state="visible")
    assert page.inner_text("#loading") == "正在加载…"
    deadline = time.monotonic() + 30
    while not held:
        assert time.monotonic() < deadline, "the level-3 grids were never requested within 30 s"
        page.wait_for_timeout(20)
    held[0].continue_()
    page.unroute(is_level3)
    wait_for_shapes(page, Grid.objects.filter(level=3, valid_to__isnull=True).count())
    assert page.locator(SHAPES).count() == 660
    assert page.get_attribute('.level-tabs button[data-level="3"]', "aria-pressed") == "true"
    page.wait_for_selector('#map .leaflet-selection-pane path[stroke="#d62728"]')  # the street, outlined
    page.screenshot(path=artifacts / "map-1920-level3.png")

    # 下级网格: the communities of the street, as many as the API lists.
    api = page.request.get(f"{live_server.url}/api/v1/grids/geojson?parent={code}").json()
    children = len(api["features"])
    assert children == Grid.objects.filter(parent=street, valid_to__isnull=True).count() > 0
    assert page.inner_text("#show-children") == f"查看下级网格（{children} 个）"
    page.click("#show-children")
    wait_for_shapes(page, children)
    assert page.inner_text("#status") == f"{street.name}的下级网格：共 {children} 个网格"
    assert page.locator('.level-tabs button[aria-pressed="true"]').count() == 0
    page.screenshot(path=artifacts / "map-1920-children.png")
    assert page.errors == []


def test_locate_a_point_by_clicking_the_map(page, live_server, demo_city, artifacts):
    open_map(page, live_server)
    page.click("#locate-toggle")
    assert page.get_attribute("#locate-toggle", "aria-pressed") == "true"
    assert page.is_visible("#locate-hint")
    target = page.evaluate(CLICKABLE, SHAPES)
    page.mouse.click(target["x"], target["y"])
    page.wait_for_selector("#locate-result ol li")

    lon, lat = page.input_value("#lon"), page.input_value("#lat")
    found = page.request.get(f"{live_server.url}/api/v1/grids/locate?lon={lon}&lat={lat}").json()
    assert page.locator("#locate-result ol li").all_inner_texts() == [n["name"] for n in found["chain"]]
    assert found["chain"][1]["code"] == target["code"]  # the street that was clicked
    page.wait_for_function(
        "(code) => document.getElementById('d-code').textContent === code", arg=found["grid"]["code"]
    )
    assert page.is_visible(".locate-marker")
    # The located 三级网格 is not drawn over the streets: it is outlined above them.
    page.wait_for_selector('#map .leaflet-selection-pane path[stroke="#d62728"]')
    page.screenshot(path=artifacts / "map-1920-locate.png")

    # The form, and a point outside every grid.
    page.keyboard.press("Escape")
    assert page.get_attribute("#locate-toggle", "aria-pressed") == "false"
    page.fill("#lon", "116.39")
    page.fill("#lat", "39.91")
    page.click("#locate-form button[type=submit]")
    page.wait_for_selector("#locate-result .error")
    assert page.inner_text("#locate-result .error") == "该点不在任何网格内。"
    assert page.errors == []


def test_narrow_screen_puts_the_panel_below_the_map(browser, live_server, demo_city, artifacts):
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        open_map(page, live_server)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling
        map_box, panel_box = page.locator("#map").bounding_box(), page.locator("#panel").bounding_box()
        assert panel_box["y"] >= map_box["y"] + map_box["height"] and map_box["width"] >= 370
        page.screenshot(path=artifacts / "map-375.png")
        click_some_grid(page)
        page.screenshot(path=artifacts / "map-375-details.png", full_page=True)
    finally:
        context.close()


def test_english_and_keyboard_selection(page, live_server, demo_city, artifacts):
    open_map(page, live_server, "?lang=en")
    assert page.inner_text("h1") == "Grid map"
    assert page.inner_text("#status") == "Level 1 grid (street): 14 grids"
    # The list beside the map reaches every drawn grid without a mouse.
    page.focus("#grid-select")
    page.select_option("#grid-select", "410102001")
    page.wait_for_function("() => document.getElementById('d-code').textContent === '410102001'")
    street = active("410102001")
    assert page.inner_text("#details-title") == street.name
    assert page.inner_text("#d-level") == "Level 1 grid (street)"
    assert page.inner_text("#d-parent") == f"{street.parent.name} ({demo_city})"
    assert page.inner_text("#d-households") == f"{street.households:,}"
    page.screenshot(path=artifacts / "map-1920-en.png")
    assert page.errors == []
