"""The map page through Django's test client: language, local static files, translations, CSP."""

import json
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import gridgov
from gridgov.web import views

WEB = Path(gridgov.__file__).parent / "web"
PO = Path(gridgov.__file__).parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def test_chinese_by_default(client):
    r = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")  # an English browser still gets Chinese
    html = r.content.decode()
    assert r.status_code == 200
    assert "<title>网格地图 · 网格化服务管理</title>" in html and '<html lang="zh-hans">' in html
    assert "一级网格" in html and "三级网格" in html and "户数" in html
    assert json.loads(_json_block(html, "i18n"))["level1"] == "一级网格（街道）"


def test_english_on_request(client):
    html = client.get("/", {"lang": "en"}).content.decode()
    assert "<title>Grid map · Grid governance</title>" in html and '<html lang="en">' in html
    assert "网格地图" not in html
    assert json.loads(_json_block(html, "i18n"))["level1"] == "Level 1 grid (street)"


def test_leaflet_comes_from_our_static_files(client):
    html = client.get("/").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html)
    assert "/static/vendor/leaflet/leaflet.js" in sources and "/static/vendor/leaflet/leaflet.css" in sources
    assert all(s.startswith("/static/") for s in sources), sources  # no CDN
    for path in [*sources, "/static/vendor/leaflet/images/layers.png"]:
        r = client.get(path)
        assert r.status_code == 200, path
        assert b"".join(r.streaming_content if r.streaming else [r.content])


def test_page_is_csp_friendly(client):
    """No inline code: scripts are external files or JSON data blocks, and no on…= handlers."""
    html = client.get("/").content.decode()
    for attrs in re.findall(r"<script([^>]*)>", html):
        assert "src=" in attrs or 'type="application/json"' in attrs, attrs
    assert not re.search(r"\son[a-z]+=", html) and "style=" not in html


@pytest.mark.usefixtures("demo_city")
def test_config_points_at_the_api(client):
    config = json.loads(_json_block(client.get("/").content.decode(), "map-config"))
    assert len(client.get(config["geojson"], {"level": 1}).json()["features"]) == 14
    detail = client.get(config["detail"].replace(config["placeholder"], "410102001")).json()
    assert detail["code"] == "410102001" and detail["level"] == 1
    assert client.get(config["locate"], {"lon": 113.62, "lat": 34.755}).status_code == 200


def test_every_page_string_is_translated():
    sources = [p.read_text() for p in (WEB / "templates" / "web").glob("*.html")]
    msgids = {m for s in sources for m in re.findall(r'{% translate "([^"]+)" %}', s)}
    msgids |= set(re.findall(r'_\("([^"]+)"\)', Path(views.__file__).read_text()))
    with PO.open("rb") as f:
        catalog = read_po(f)
    missing = sorted(m for m in msgids if not (catalog.get(m) and catalog.get(m).string))
    assert not missing, f"add to {PO.name} and run `make messages`: {missing}"


def _json_block(html: str, element_id: str) -> str:
    return re.search(rf'<script id="{element_id}" type="application/json">(.*?)</script>', html, re.S).group(1)
