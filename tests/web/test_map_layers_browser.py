"""The maps in a real browser: the base layer by setting (tiles intercepted: the machine has no
internet, and the test must see which URLs the map asks for), GCJ-02 clicks landing in the same grid,
grid labels by zoom, the small map on every case page, "use my position" outlining the grid, the
location description from the forms to the case pages, and /m/ opening on the worker's grid."""

from __future__ import annotations

import re
from io import BytesIO

import pytest
import shapely
from django.contrib.auth import get_user_model
from django.test import Client
from PIL import Image

from gridgov.cases import services
from gridgov.cases.models import Case
from gridgov.core import geo
from gridgov.grids.models import Grid
from gridgov.grids.selectors import current_geometries
from gridgov.people.actors import Actor
from tests.cases.helpers import GRID, UNIT, point_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DISPATCHER, HANDLER, WORKER = f"dispatcher-{GRID[:9]}", f"handler-{UNIT}", f"worker-{GRID}"
PHONE = {"width": 375, "height": 812}


def _png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (256, 256), (230, 236, 240)).save(out, "PNG")
    return out.getvalue()


TILE = _png()


def serve_tiles(page, live_server) -> list[str]:
    """Answer every request that leaves the live server with a local PNG, and list them."""
    asked: list[str] = []

    def answer(route):
        asked.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=TILE)

    page.route(lambda url: not url.startswith(live_server.url), answer)
    return asked


def signed_in(browser, live_server, username: str, **options):
    """A browser context with the user's session (the server's own login, without a password)."""
    client = Client()
    client.force_login(get_user_model().objects.get(username=username))
    # no service worker: Playwright's routes do not see what a service worker lets through
    context = browser.new_context(locale="en-US", service_workers="block", **options)
    context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    return context


def new_page(context):
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return page


def wait_map_at_rest(page) -> None:
    page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim')")


def dispatched_case(unit: str, address: str = "") -> Case:
    lon, lat = point_in(GRID)
    case = services.report_case(
        actor=Actor.anonymous(), title="井盖缺失（地图）", lon=lon, lat=lat, address=address
    ).case
    dispatcher = Actor.of(get_user_model().objects.get(username=DISPATCHER))
    services.register_case(actor=dispatcher, number=case.number)
    services.dispatch_case(actor=dispatcher, number=case.number, unit=unit)
    return case


# ---- the base layer by setting -------------------------------------------------------------------

PROVIDERS = [
    # provider, the tile URL asked for, the attribution shown
    (
        "amap",
        r"https://webrd0[1-4]\.is\.autonavi\.com/appmaptile\?lang=zh_cn&size=1&scale=1&style=8&x=\d+&y=\d+&z=\d+",
        "高德地图 审图号：GS(2099)0001号",
    ),
    (
        "tencent",
        r"https://rt[0-3]\.map\.gtimg\.com/tile\?z=\d+&x=\d+&y=\d+&styleid=1000&scene=0",
        "腾讯地图 审图号：GS(2099)0001号",
    ),
    (
        "tianditu",
        r"https://t[0-7]\.tianditu\.gov\.cn/(vec|cva)_w/wmts\?.*TILEMATRIX=\d+&TILEROW=\d+&TILECOL=\d+&tk=test-key",
        "天地图 审图号：GS(2099)0001号",
    ),
    ("osm", r"https://tile\.openstreetmap\.org/\d+/\d+/\d+\.png", "© OpenStreetMap 贡献者"),
]


@pytest.mark.parametrize("provider, pattern, attribution", PROVIDERS)
def test_base_layer_tiles_and_attribution(page, live_server, demo_city, settings, provider, pattern, attribution):
    settings.GRIDGOV_BASEMAP = provider
    settings.GRIDGOV_TIANDITU_KEY = "test-key"
    settings.GRIDGOV_BASEMAP_REVIEW_NUMBER = "GS(2099)0001号" if provider != "osm" else ""
    asked = serve_tiles(page, live_server)
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#map .leaflet-tile-loaded")
    assert asked and all(re.fullmatch(pattern, url) for url in asked), asked[:3]
    if provider == "tianditu":  # the streets and their labels
        assert {re.search(r"/(vec|cva)_w/", u).group(1) for u in asked} == {"vec", "cva"}
    assert page.inner_text("#map .leaflet-control-attribution") == attribution  # and nothing else
    if provider == "osm":
        assert (
            page.get_attribute("#map .leaflet-control-attribution a", "href")
            == "https://www.openstreetmap.org/copyright"
        )
    assert page.get_attribute("#map", "data-basemap") == provider
    assert page.errors == []


def test_no_base_layer_asks_for_no_tiles(page, live_server, demo_city):
    asked = serve_tiles(page, live_server)
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#map path.grid-shape")
    wait_map_at_rest(page)
    assert asked == [] and page.locator(".leaflet-tile, .leaflet-control-attribution").count() == 0
    assert page.get_attribute("#map", "data-basemap") == "none"


# ---- GCJ-02: a click lands in the same grid whatever the base layer -------------------------------

# The point's place on the map (GCJ-02 on AMap) as a page position, the map zoomed in around it.
CLICK_AT = """([lat, lng]) => {
  const map = GridgovBasemap.maps[0];
  map.setView([lat, lng], 18, { animate: false });
  const p = map.latLngToContainerPoint([lat, lng]);
  const box = map.getContainer().getBoundingClientRect();
  return { x: box.left + p.x, y: box.top + p.y };
}"""


@pytest.mark.parametrize("provider", ["none", "amap"])
def test_a_click_on_the_point_lands_in_its_grid(page, live_server, demo_city, settings, provider):
    settings.GRIDGOV_BASEMAP = provider
    serve_tiles(page, live_server)
    lon, lat = point_in(GRID)
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#map path.grid-shape")
    wait_map_at_rest(page)
    page.click("#locate-toggle")
    # where this base layer draws the point: shifted to GCJ-02 on AMap, by our Python conversion
    x, y = geo.wgs84_to_gcj02([[lon, lat]])[0] if provider == "amap" else (lon, lat)
    target = page.evaluate(CLICK_AT, [y, x])
    page.mouse.click(target["x"], target["y"])
    page.wait_for_selector("#locate-result ol li")
    page.wait_for_function("(code) => document.getElementById('d-code').textContent === code", arg=GRID)
    clicked = float(page.input_value("#lon")), float(page.input_value("#lat"))
    assert geo.distance_m(lon, lat, *clicked) < 3  # back in WGS-84: a pixel at zoom 18 is ~0.5 m
    # and the marker sits where it was clicked
    marker = page.locator(".locate-marker").bounding_box()
    assert abs(marker["x"] + marker["width"] / 2 - target["x"]) < 2
    assert abs(marker["y"] + marker["height"] / 2 - target["y"]) < 2
    assert page.errors == []


def test_gcj02_shifts_the_grids_onto_the_tiles(page, live_server, demo_city, settings):
    """On AMap the grids are drawn where GCJ-02 puts them: a grid's outline moves by the offset."""
    settings.GRIDGOV_BASEMAP = "amap"
    serve_tiles(page, live_server)
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#map path.grid-shape")
    bounds = page.evaluate(
        """(code) => {
      const map = GridgovBasemap.maps[0];
      let found = null;
      map.eachLayer((l) => { if (l.feature && l.feature.properties.code === code) found = l.getBounds(); });
      return [found.getWest(), found.getSouth(), found.getEast(), found.getNorth()];
    }""",
        GRID[:9],
    )
    street = current_geometries([GRID[:9]])[GRID[:9]]
    expected = shapely.transform(street, lambda c: geo.wgs84_to_gcj02(c)).bounds
    assert max(abs(a - b) for a, b in zip(bounds, expected, strict=True)) < 1e-9
    assert max(abs(a - b) for a, b in zip(bounds, street.bounds, strict=True)) > 1e-3  # a few hundred metres off WGS-84


def test_a_tap_on_the_report_map_on_gcj02_tiles_sends_wgs84(browser, live_server, demo_city, settings):
    settings.GRIDGOV_BASEMAP = "tencent"
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-US")
    try:
        page = new_page(context)
        serve_tiles(page, live_server)
        page.goto(f"{live_server.url}/report/")
        page.wait_for_selector('#report-map[data-ready="1"]')
        lon, lat = point_in(GRID)
        x, y = geo.wgs84_to_gcj02([[lon, lat]])[0]
        target = page.evaluate(CLICK_AT, [y, x])
        page.mouse.click(target["x"], target["y"])
        page.wait_for_selector("#report-map path.located-grid")
        assert page.get_attribute("#report-map", "data-grid") == GRID
        page.fill("#title", "占道经营")
        page.click("#submit")
        page.wait_for_selector("#receipt:not([hidden])")
        case = Case.objects.get(number=page.inner_text("#r-number"))
        assert case.grid.code == GRID and geo.distance_m(case.lon, case.lat, lon, lat) < 3
        assert page.errors == []
    finally:
        context.close()


# ---- labels -----------------------------------------------------------------------------------


def test_grid_names_as_labels_where_they_fit(page, live_server, demo_city, artifacts):
    # a name that would be markup if written as HTML: it must come out as text
    Grid.objects.filter(code=GRID, valid_to__isnull=True).update(name="<b>三级</b>网格甲")
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#map path.grid-shape")
    page.get_by_role("button", name="三级网格").click()
    page.wait_for_function("() => document.querySelectorAll('#map path.grid-shape').length === 660")
    wait_map_at_rest(page)
    # the district view: too small for any name (the streets' labels fade out over Leaflet's 200 ms)
    page.wait_for_function("() => document.querySelectorAll('#map .grid-label').length === 0", timeout=5000)
    lon, lat = point_in(GRID)
    page.evaluate("([lat, lng]) => GridgovBasemap.maps[0].setView([lat, lng], 17, { animate: false })", [lat, lon])
    label = page.locator("#map .leaflet-tooltip.grid-label", has_text="网格甲")
    label.wait_for()
    assert label.inner_text() == "<b>三级</b>网格甲" and page.locator("#map .grid-label b").count() == 0
    page.screenshot(path=artifacts / "map-labels-zoom17.png")
    page.evaluate("GridgovBasemap.maps[0].setZoom(11, { animate: false })")
    page.wait_for_function("() => document.querySelectorAll('#map .grid-label').length === 0")
    assert page.errors == []


# ---- the small map on every case page ---------------------------------------------------------------


@pytest.mark.parametrize(
    "username, prefix, unit", [(DISPATCHER, "console", GRID), (HANDLER, "dept", UNIT), (WORKER, "m", GRID)]
)
def test_case_pages_show_the_point_and_its_grid(
    browser, live_server, demo_city, artifacts, settings, username, prefix, unit
):
    settings.GRIDGOV_BASEMAP = "tencent"
    case = dispatched_case(unit, address="建设路 12 号院东门")
    context = signed_in(
        browser, live_server, username, viewport=PHONE if prefix == "m" else {"width": 1280, "height": 900}
    )
    try:
        page = new_page(context)
        serve_tiles(page, live_server)
        page.goto(f"{live_server.url}/{prefix}/cases/{case.number}/")
        page.wait_for_selector('#case-map[data-ready="1"]')
        wait_map_at_rest(page)
        assert page.inner_text("#case-address") == "建设路 12 号院东门"
        assert page.get_attribute("#case-map", "data-grid") == GRID
        marker, outline = page.locator("#case-map .case-map-marker"), page.locator("#case-map path.case-grid")
        assert marker.is_visible() and outline.count() == 1
        # the marker sits inside the outline, both on screen
        m, o, box = marker.bounding_box(), outline.bounding_box(), page.locator("#case-map").bounding_box()
        cx, cy = m["x"] + m["width"] / 2, m["y"] + m["height"] / 2
        assert o["x"] <= cx <= o["x"] + o["width"] and o["y"] <= cy <= o["y"] + o["height"]
        assert box["x"] <= o["x"] and o["x"] + o["width"] <= box["x"] + box["width"] + 1
        assert "腾讯地图" in page.inner_text("#case-map .leaflet-control-attribution")
        page.screenshot(path=artifacts / f"case-map-{prefix}.png")
        assert page.errors == []
    finally:
        context.close()


# ---- use my position, and the address, on /report/ and /m/report/ ---------------------------------


def _use_position(page, lon: float, lat: float) -> None:
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": lat, "longitude": lon})
    page.click("#use-position")
    page.wait_for_selector("#report-map path.located-grid")
    wait_map_at_rest(page)


def _assert_zoomed_on_grid(page, code: str) -> None:
    assert page.get_attribute("#report-map", "data-grid") == code
    view = page.evaluate("""() => { const m = GridgovBasemap.maps[0], b = m.getBounds();
        return { zoom: m.getZoom(), b: [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()] }; }""")
    grid = current_geometries([code])[code]
    assert view["zoom"] >= 15
    assert shapely.box(*view["b"]).contains(grid), "the whole grid is in view"
    assert shapely.box(*view["b"]).area < 20 * shapely.box(*grid.bounds).area, "zoomed to it, not the district"
    assert page.locator("#report-map path.located-grid").count() == 1


def test_resident_reports_with_position_and_address_then_tracks_it(browser, live_server, demo_city, artifacts):
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True, locale="en-US")
    try:
        page = new_page(context)
        page.goto(f"{live_server.url}/report/")
        page.wait_for_selector('#report-map[data-ready="1"]')
        lon, lat = point_in(GRID)
        _use_position(page, lon, lat)
        _assert_zoomed_on_grid(page, GRID)
        name = Grid.objects.get(code=GRID, valid_to__isnull=True).name
        assert page.inner_text("#point-grid") == f"所在网格：{name}"
        page.screenshot(path=artifacts / "report-375-position.png")
        page.fill("#title", "路灯不亮")
        page.fill("#address", "建设路 12 号院 3 号楼东门")
        page.click("#submit")
        page.wait_for_selector("#receipt:not([hidden])")
        number, code = page.inner_text("#r-number"), page.inner_text("#r-code")
        case = Case.objects.get(number=number)
        assert case.address == "建设路 12 号院 3 号楼东门" and case.grid.code == GRID

        page.goto(f"{live_server.url}/track/?number={number}")
        page.fill("#code", code)
        page.click("#track-form button[type=submit]")
        page.wait_for_selector("#case")
        assert page.inner_text("#case-address") == "建设路 12 号院 3 号楼东门"
        assert page.errors == []
    finally:
        context.close()


def test_worker_reports_with_position_and_address(browser, live_server, demo_city, artifacts, settings):
    settings.GRIDGOV_BASEMAP = "amap"  # GCJ-02: the outline and the point still match the grid
    context = signed_in(browser, live_server, WORKER, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = new_page(context)
        serve_tiles(page, live_server)
        page.goto(f"{live_server.url}/m/report/")
        page.wait_for_selector('#report-map[data-ready="1"]')
        lon, lat = point_in(GRID)
        _use_position(page, lon, lat)
        marker = page.evaluate("""() => { let at = null;
          GridgovBasemap.maps[0].eachLayer((l) => { if (l.options.className === "report-marker") at = l.getLatLng(); });
          return [at.lng, at.lat]; }""")
        assert geo.distance_m(*marker, *geo.wgs84_to_gcj02([[lon, lat]])[0]) < 0.5  # drawn in GCJ-02
        assert page.get_attribute("#report-map", "data-grid") == GRID
        page.screenshot(path=artifacts / "m-report-375-position.png")
        page.fill("#title", "井盖松动")
        page.fill("#address", "航海路口北侧")
        page.click("#submit")
        page.wait_for_selector("#sent-list .m-row")
        number = page.get_attribute("#sent-list .m-row", "data-number")
        case = Case.objects.get(number=number)
        assert case.address == "航海路口北侧" and case.grid.code == GRID
        assert geo.distance_m(case.lon, case.lat, lon, lat) < 0.01  # sent in WGS-84, not shifted
        assert page.errors == []
    finally:
        context.close()


# ---- /m/ opens on the worker's grid -------------------------------------------------------------


def test_m_home_opens_on_the_workers_grid(browser, live_server, demo_city, artifacts):
    context = signed_in(browser, live_server, WORKER, viewport=PHONE, is_mobile=True, has_touch=True)
    try:
        page = new_page(context)
        page.goto(f"{live_server.url}/m/")
        page.wait_for_selector('#m-home-map[data-ready="1"]')
        wait_map_at_rest(page)
        siblings = Grid.objects.filter(parent__code=GRID[:12], valid_to__isnull=True).count()
        assert page.locator("#m-home-map path.level3-line").count() == siblings > 1
        assert page.locator("#m-home-map path.my-grid").count() == 1
        view = page.evaluate("""() => { const b = GridgovBasemap.maps[0].getBounds();
                                return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()]; }""")
        grid = current_geometries([GRID])[GRID]
        assert shapely.box(*view).contains(grid)
        assert shapely.box(*view).area < 20 * shapely.box(*grid.bounds).area
        name = Grid.objects.get(code=GRID, valid_to__isnull=True).name
        page.locator("#m-home-map .grid-label", has_text=name).wait_for()
        page.screenshot(path=artifacts / "m-home-375-map.png", full_page=True)
        assert page.errors == []
    finally:
        context.close()
