"""The maps' base layer (web/basemap.py) by setting, the pages that carry it, the location description
(位置描述) on the staff and public pages, and the data of the case map. Without a browser; the JS
GCJ-02 conversion against core.geo runs in Chromium at the end."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client

from gridgov.cases import services
from gridgov.cases.models import Case
from gridgov.core import geo
from gridgov.people.actors import Actor
from gridgov.web.basemap import basemap_config, check_basemap
from tests.cases.helpers import GRID, UNIT, point_in, user

BASEMAP_JS = Path(__file__).resolve().parents[2] / "src" / "gridgov" / "web" / "static" / "web" / "basemap.js"
DISPATCHER, HANDLER, WORKER = f"dispatcher-{GRID[:9]}", f"handler-{UNIT}", f"worker-{GRID}"
ADDRESS = "建设路 12 号院 3 号楼东门"


def _json_block(html: str, element_id: str):
    match = re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S)
    return json.loads(match.group(1)) if match else None


# ---- the setting ---------------------------------------------------------------------------------


def test_none_by_default_works_without_internet(settings):
    config = basemap_config()
    assert config == {"provider": "none", "crs": "wgs84", "layers": [], "attribution": None}
    assert check_basemap() == []


@pytest.mark.parametrize(
    "provider, crs, host, name",
    [
        ("amap", "gcj02", "https://webrd0{s}.is.autonavi.com/appmaptile?", "高德地图"),
        ("tencent", "gcj02", "https://rt{s}.map.gtimg.com/tile?", "腾讯地图"),
        ("tianditu", "wgs84", "https://t{s}.tianditu.gov.cn/vec_w/wmts?", "天地图"),
    ],
)
def test_chinese_providers_name_themselves_and_their_review_number(settings, provider, crs, host, name):
    settings.GRIDGOV_BASEMAP = provider
    settings.GRIDGOV_TIANDITU_KEY = "k123"
    settings.GRIDGOV_BASEMAP_REVIEW_NUMBER = ""
    config = basemap_config()
    assert config["provider"] == provider and config["crs"] == crs
    assert config["layers"][0]["url"].startswith(host)
    assert config["attribution"] == {"text": name, "url": "", "review": ""}  # no 审图号 invented
    assert [m.id for m in check_basemap()] == ["gridgov.W101"]

    settings.GRIDGOV_BASEMAP_REVIEW_NUMBER = "GS(2099)0001号"
    assert basemap_config()["attribution"]["review"] == "审图号：GS(2099)0001号"
    assert check_basemap() == []


def test_tianditu_streets_and_labels_with_the_key(settings):
    settings.GRIDGOV_BASEMAP = "tianditu"
    settings.GRIDGOV_TIANDITU_KEY = "k123"
    urls = [layer["url"] for layer in basemap_config()["layers"]]
    assert len(urls) == 2 and all(u.endswith("&tk=k123") for u in urls)
    assert "LAYER=vec" in urls[0] and "/vec_w/" in urls[0] and "LAYER=cva" in urls[1] and "/cva_w/" in urls[1]


def test_tianditu_without_key_and_unknown_providers_draw_no_tiles_and_fail_the_check(settings):
    settings.GRIDGOV_BASEMAP = "tianditu"
    settings.GRIDGOV_TIANDITU_KEY = ""
    assert basemap_config()["provider"] == "none"
    assert [m.id for m in check_basemap()] == ["gridgov.E102"]
    with pytest.raises(SystemCheckError, match="GRIDGOV_TIANDITU_KEY"):
        call_command("check")
    settings.GRIDGOV_BASEMAP = "google"
    assert basemap_config()["provider"] == "none"
    assert [m.id for m in check_basemap()] == ["gridgov.E101"]


def test_osm_credits_its_contributors_in_english_too(settings):
    from django.utils import translation

    settings.GRIDGOV_BASEMAP = "osm"
    config = basemap_config()
    assert config["layers"][0]["url"] == "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    assert config["attribution"]["url"] == "https://www.openstreetmap.org/copyright"
    assert config["attribution"]["text"] == "© OpenStreetMap 贡献者"
    with translation.override("en"):
        assert basemap_config()["attribution"]["text"] == "© OpenStreetMap contributors"


# ---- every map page carries it -------------------------------------------------------------------


def _dispatched_case(unit: str = GRID, address: str = ADDRESS) -> Case:
    lon, lat = point_in(GRID)
    case = services.report_case(
        actor=Actor.anonymous(), title="井盖缺失（地图测试）", lon=lon, lat=lat, address=address
    ).case
    dispatcher = Actor.of(user(DISPATCHER))
    services.register_case(actor=dispatcher, number=case.number)
    services.dispatch_case(actor=dispatcher, number=case.number, unit=unit)
    case.refresh_from_db()
    return case


def _as(username: str) -> Client:
    client = Client()
    client.force_login(user(username))
    return client


def test_every_map_page_gets_the_same_base_layer(settings, demo_city):
    settings.GRIDGOV_BASEMAP = "amap"
    case = _dispatched_case()
    pages = {
        "/": Client(),
        "/report/": Client(),
        "/m/": _as(WORKER),
        "/m/report/": _as(WORKER),
        "/console/": _as(DISPATCHER),
        "/dashboard/": _as(DISPATCHER),
        f"/console/cases/{case.number}/": _as(DISPATCHER),
        f"/m/cases/{case.number}/": _as(WORKER),
    }
    for url, client in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert _json_block(html, "basemap-config") == basemap_config(), url
        assert html.index("vendor/leaflet/leaflet.js") < html.index("web/basemap.js"), url


# ---- 位置描述 where the grid is shown ---------------------------------------------------------------


def test_address_on_staff_lists_and_case_pages(demo_city):
    to_grid = _dispatched_case(GRID)
    to_unit = _dispatched_case(UNIT)
    seen = {
        "/console/": _as(DISPATCHER),
        f"/console/cases/{to_grid.number}/": _as(DISPATCHER),
        "/dept/": _as(HANDLER),
        f"/dept/cases/{to_unit.number}/": _as(HANDLER),
        "/m/": _as(WORKER),
        f"/m/cases/{to_grid.number}/": _as(WORKER),
    }
    for url, client in seen.items():
        html = client.get(url).content.decode()
        assert ADDRESS in html, url
        if "/cases/" in url:
            assert re.search(rf'<dt>位置描述</dt><dd id="case-address">{ADDRESS}</dd>', html), url


def test_address_is_escaped(demo_city):
    case = _dispatched_case(GRID, address="<b>3号楼</b>")
    html = _as(WORKER).get(f"/m/cases/{case.number}/").content.decode()
    assert "&lt;b&gt;3号楼&lt;/b&gt;" in html and "<b>3号楼</b>" not in html


def test_address_on_track(demo_city):
    lon, lat = point_in(GRID)
    intake = services.report_case(actor=Actor.anonymous(), title="路灯不亮", lon=lon, lat=lat, address=ADDRESS)
    html = Client().post("/track/", {"number": intake.case.number, "code": intake.tracking_code}).content.decode()
    assert f'<dd id="case-address">{ADDRESS}</dd>' in html


def test_report_forms_ask_for_the_address(demo_city):
    for url, client in (("/report/", Client()), ("/m/report/", _as(WORKER))):
        html = client.get(url).content.decode()
        assert re.search(r'<label for="address">位置描述</label>\s*<input id="address" name="address"', html), url
        config = _json_block(html, "report-config")
        assert config["locate"] == "/api/v1/grids/locate" and config["grids"] == "/api/v1/grids/geojson", url


# ---- the case map's data ---------------------------------------------------------------------------


def test_case_map_data_is_the_point_and_the_grid_outline(demo_city):
    import shapely
    from shapely.geometry import shape

    from gridgov.grids.selectors import current_geometries

    case = _dispatched_case(UNIT)
    for url, client in (
        (f"/console/cases/{case.number}/", _as(DISPATCHER)),
        (f"/dept/cases/{case.number}/", _as(HANDLER)),
        (f"/m/cases/{case.number}/", _as(WORKER)),
    ):
        html = client.get(url).content.decode()
        data = _json_block(html, "case-map-data")
        assert data["point"] == [case.lon, case.lat] and data["grid"]["code"] == GRID, url
        outline = shape(data["shape"])
        assert shapely.equals_exact(outline, current_geometries([GRID])[GRID], 1e-12)
        assert outline.contains(shapely.Point(case.lon, case.lat))
        assert 'id="case-map"' in html and "web/case-map.js" in html


def test_m_home_map_opens_on_the_workers_grids(demo_city):
    html = _as(WORKER).get("/m/").content.decode()
    assert _json_block(html, "m-home-config") == {"grids": [GRID], "geojson": "/api/v1/grids/geojson"}
    assert 'id="m-home-map"' in html and "web/m-home.js" in html


def test_the_offline_shell_keeps_the_base_layer_script(demo_city):
    text = _as(WORKER).get("/m/sw.js").content.decode()
    assert "web/basemap.js" in text


# ---- GCJ-02 in the browser agrees with core.geo ----------------------------------------------------

# Across China (Zhengzhou, Urumqi, Harbin, Sanya, Lhasa, Shanghai), on the outside edge and outside it.
POINTS = [
    (113.6254, 34.7466),
    (113.5901, 34.7702),
    (87.6168, 43.8256),
    (126.6424, 45.7567),
    (109.5119, 18.2528),
    (91.1409, 29.6456),
    (121.4737, 31.2304),
    (72.01, 40.0),
    (137.8, 50.0),
    (2.3522, 48.8566),
    (-74.006, 40.7128),
    (139.6917, 35.6895),
]


@pytest.mark.browser
def test_js_gcj02_agrees_with_python(page):
    page.set_content("<script>window.L = { latLng: (lat, lng) => ({ lat, lng }) };</script>")
    page.add_script_tag(path=str(BASEMAP_JS))
    coords = np.array(POINTS)
    forward = page.evaluate("(ps) => ps.map(([x, y]) => GridgovBasemap.wgs84ToGcj02(x, y))", POINTS)
    expected = geo.wgs84_to_gcj02(coords)
    gcj = [tuple(p) for p in expected]
    back = page.evaluate("(ps) => ps.map(([x, y]) => GridgovBasemap.gcj02ToWgs84(x, y))", gcj)
    expected_back = geo.gcj02_to_wgs84(expected)
    for (x, y), js, py in [
        *zip(POINTS, forward, expected, strict=True),
        *zip(POINTS, back, expected_back, strict=True),
    ]:
        assert geo.distance_m(js[0], js[1], py[0], py[1]) < 0.5, (x, y, js, py)
    # and the conversions are real: 300–700 m inside China, none outside
    shifts = [geo.distance_m(x, y, *f) for (x, y), f in zip(POINTS, forward, strict=True)]
    assert all(100 < s < 1000 for s in shifts[:7]) and shifts[-3:] == [0.0, 0.0, 0.0]
    assert all(geo.distance_m(x, y, *b) < 0.001 for (x, y), b in zip(POINTS, back, strict=True))
    # toMap / fromMap: identity with no config (a WGS-84 base layer)
    assert page.evaluate("GridgovBasemap.fromMap(GridgovBasemap.toMap(113.6, 34.7))") == {"lon": 113.6, "lat": 34.7}
