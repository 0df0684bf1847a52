"""The base layer under every map (底图), chosen by setting, handed to the pages in one place.

`GRIDGOV_BASEMAP` picks the provider: `none` (the grids on plain ground: works on a closed government
network that reaches no tile server), `tianditu` (天地图, needs `GRIDGOV_TIANDITU_KEY`), `amap` (高德)
or `tencent` (腾讯), both in GCJ-02, or `osm` (OpenStreetMap). Chinese providers must show their map
review number (审图号); we never invent one: it is `GRIDGOV_BASEMAP_REVIEW_NUMBER`, shown when set.

`basemap` is a template context processor: every page gets the same `basemap` dict, and
`web/_basemap.html` writes it as JSON next to `web/basemap.js`, which every map uses.
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.utils.translation import gettext as _

# Tile URL templates ({s} subdomain, {z}/{x}/{y} tile; {-y} counts rows from the south, as Tencent does).
_TIANDITU = (
    "https://t{s}.tianditu.gov.cn/{layer}_w/wmts?SERVICE=WMTS&REQUEST=GetTile&VERSION=1.0.0"
    "&LAYER={layer}&STYLE=default&TILEMATRIXSET=w&FORMAT=tiles&TILEMATRIX={z}&TILEROW={y}&TILECOL={x}&tk={key}"
)
PROVIDERS = ("none", "tianditu", "amap", "tencent", "osm")
GCJ02_PROVIDERS = ("amap", "tencent")


def _layers(provider: str, key: str) -> list[dict]:
    if provider == "tianditu":  # the streets (vec) and their Chinese labels (cva) on top
        return [
            {"url": _TIANDITU.replace("{layer}", layer).replace("{key}", key), "subdomains": "01234567", "maxZoom": 18}
            for layer in ("vec", "cva")
        ]
    if provider == "amap":
        return [
            {
                "url": "https://webrd0{s}.is.autonavi.com/appmaptile?lang=zh_cn&size=1&scale=1&style=8"
                "&x={x}&y={y}&z={z}",
                "subdomains": "1234",
                "maxZoom": 18,
            }
        ]
    if provider == "tencent":
        return [
            {
                "url": "https://rt{s}.map.gtimg.com/tile?z={z}&x={x}&y={-y}&styleid=1000&scene=0",
                "subdomains": "0123",
                "maxZoom": 18,
            }
        ]
    if provider == "osm":
        return [{"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "subdomains": "", "maxZoom": 19}]
    return []


def _attribution(provider: str, review_number: str) -> dict | None:
    """The provider's name, a link for OpenStreetMap (its licence asks for one), and the 审图号 of the
    Chinese providers when it is configured: nothing else (no library advertisement)."""
    if provider == "osm":
        return {
            "text": _("© OpenStreetMap contributors"),
            "url": "https://www.openstreetmap.org/copyright",
            "review": "",
        }
    names = {"tianditu": _("Tianditu"), "amap": _("AMap"), "tencent": _("Tencent Maps")}
    if provider not in names:
        return None
    review = _("Map review number: {number}").format(number=review_number) if review_number else ""
    return {"text": names[provider], "url": "", "review": review}


def basemap_config() -> dict:
    """The configured base layer as the pages' scripts read it: `{provider, crs, layers, attribution}`;
    `crs` is the system the tiles are drawn in (`gcj02` for AMap and Tencent: the grids are shifted
    onto them, and a click is shifted back)."""
    provider = getattr(settings, "GRIDGOV_BASEMAP", "none")
    key = getattr(settings, "GRIDGOV_TIANDITU_KEY", "")
    if provider not in PROVIDERS or (provider == "tianditu" and not key):
        provider = "none"  # the system check says why at start-up
    return {
        "provider": provider,
        "crs": "gcj02" if provider in GCJ02_PROVIDERS else "wgs84",
        "layers": _layers(provider, key),
        "attribution": _attribution(provider, getattr(settings, "GRIDGOV_BASEMAP_REVIEW_NUMBER", "")),
    }


def basemap(request) -> dict:
    """Context processor: `basemap` for `web/_basemap.html`."""
    return {"basemap": basemap_config()}


@checks.register()
def check_basemap(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    provider = getattr(settings, "GRIDGOV_BASEMAP", "none")
    if provider not in PROVIDERS:
        return [
            checks.Error(
                f"GRIDGOV_BASEMAP={provider!r} is not a base layer; maps are drawn without one.",
                hint=f"Use one of {', '.join(PROVIDERS)}.",
                id="gridgov.E101",
            )
        ]
    if provider == "tianditu" and not getattr(settings, "GRIDGOV_TIANDITU_KEY", ""):
        return [
            checks.Error(
                "GRIDGOV_BASEMAP=tianditu needs GRIDGOV_TIANDITU_KEY; maps are drawn without a base layer.",
                hint="Get a key (服务端/浏览器端 tk) at https://console.tianditu.gov.cn/ and set it.",
                id="gridgov.E102",
            )
        ]
    if provider in ("tianditu", "amap", "tencent") and not getattr(settings, "GRIDGOV_BASEMAP_REVIEW_NUMBER", ""):
        return [
            checks.Warning(
                f"GRIDGOV_BASEMAP={provider} without GRIDGOV_BASEMAP_REVIEW_NUMBER: the map shows no 审图号.",
                hint="Set the provider's current map review number (审图号), as it publishes it.",
                id="gridgov.W101",
            )
        ]
    return []
