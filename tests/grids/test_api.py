import numpy as np
import pytest

from gridgov.core import geo
from gridgov.grids.models import Grid

pytestmark = pytest.mark.usefixtures("demo_city")


def test_locate_returns_the_chain_from_the_top(client):
    r = client.get("/api/v1/grids/locate", {"lon": 113.62, "lat": 34.755})
    assert r.status_code == 200
    body = r.json()
    assert [n["level"] for n in body["chain"]] == [0, 1, 2, 3]
    assert body["chain"][0] == {"code": "410102", "name": "中原区", "level": 0}
    assert body["grid"] == body["chain"][-1]
    assert len(body["grid"]["code"]) == 15 and body["grid"]["code"].startswith(body["chain"][2]["code"])


def test_locate_in_gcj02(client):
    wgs = client.get("/api/v1/grids/locate", {"lon": 113.60, "lat": 34.77}).json()
    gx, gy = geo.wgs84_to_gcj02(np.array([[113.60, 34.77]]))[0]
    gcj = client.get("/api/v1/grids/locate", {"lon": gx, "lat": gy, "crs": "gcj02"}).json()
    assert gcj == wgs


@pytest.mark.parametrize(
    "params,status,words",
    [
        ({"lon": 116.39, "lat": 39.91}, 404, "outside every grid"),
        ({"lon": 200, "lat": 34.7}, 400, "longitude"),
        ({"lon": 113.6, "lat": 95}, 400, "latitude"),
    ],
)
def test_locate_bad_points(client, params, status, words):
    r = client.get("/api/v1/grids/locate", {**params, "lang": "en"})  # the English wording
    assert r.status_code == status
    assert words in r.json()["detail"]


def test_locate_rejects_non_numbers_and_unknown_crs(client):
    # parameters that do not fit their declared type or list: 422, like every schema refusal
    assert client.get("/api/v1/grids/locate", {"lon": "east", "lat": 34.7}).status_code == 422
    assert client.get("/api/v1/grids/locate", {"lon": 113.6, "lat": 34.7, "crs": "bd09"}).status_code == 422


def test_grid_detail(client):
    street = Grid.objects.get(code="410102001")
    r = client.get("/api/v1/grids/410102001")
    assert r.status_code == 200
    body = r.json()
    assert body["name"] == street.name == "林山寨街道"
    assert body["level"] == 1 and body["parent"] == "410102" and body["parent_name"] == "中原区"
    assert body["households"] == street.households > 0
    assert body["children"] == Grid.objects.filter(parent=street).count() == 11
    assert body["valid_from"].endswith("+08:00")
    assert body["area_km2"] > 0 and len(body["boundaries"]) == 1
    assert [c["code"] for c in body["chain"]] == ["410102", "410102001"]


def test_unknown_grid_is_404_with_a_message(client):
    r = client.get("/api/v1/grids/410102999")
    assert r.status_code == 404
    assert "410102999" in r.json()["detail"]


def test_grid_list_pages_by_level_and_parent(client):
    r = client.get("/api/v1/grids", {"level": 3, "limit": 50, "offset": 100})
    body = r.json()
    assert body["count"] == 660 and len(body["items"]) == 50
    all_codes = sorted(Grid.objects.filter(level=3).values_list("code", flat=True))
    assert [i["code"] for i in body["items"]] == all_codes[100:150]
    kids = client.get("/api/v1/grids", {"parent": "410102001"}).json()
    assert kids["count"] == 11 and all(i["parent"] == "410102001" for i in kids["items"])
    assert client.get("/api/v1/grids", {"limit": 0}).status_code == 422


@pytest.mark.parametrize(
    "params, name",
    [
        ({"limit": 0}, "limit"),
        ({"limit": 1001}, "limit"),
        ({"offset": -1}, "offset"),
        ({"offset": 10**9 + 1}, "offset"),
    ],
)
def test_a_page_out_of_range_is_one_status_on_either_side(client, params, name):
    # the bounds are declared in the schema (like /cases and /audit): 422 below and above, never 400 on one side
    r = client.get("/api/v1/grids", {"level": 3, **params})
    assert r.status_code == 422 and name in r.json()["detail"]
    assert client.get("/api/v1/grids", {"level": 3, "limit": 1000, "offset": 10**9}).status_code == 200


def test_geojson_for_the_map(client):
    fc = client.get("/api/v1/grids/geojson", {"level": 1}).json()
    assert fc["type"] == "FeatureCollection" and len(fc["features"]) == 14
    assert {f["properties"]["code"][:6] for f in fc["features"]} == {"410102"}
    assert client.get("/api/v1/grids/geojson").status_code == 400


def test_openapi_describes_the_grid_endpoints(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert {"/api/v1/grids/locate", "/api/v1/grids/{code}", "/api/v1/grids"} <= set(spec["paths"])
