"""Real Open311 clients from PyPI against a live server (docs/architecture.md §4.4): `georeport` 0.3.1 in JSON
and XML, and `open311` 1.1 (Python 2 code, through tests/open311/py2compat.py) in JSON and XML — POST a
request, then read it back, its service list and definition (open311 asks the singular service/{code}).

georeport 0.3.1 cannot POST (it has no such method): open311 posts, both read. open311 1.1 in JSON mode
indexes XML-shaped answers in service_list, service_requests and request_id_from_token (its own bug, against
any server): there the test asks the same URLs through its generic call_api."""

import pytest
from georeport import GeoReport

from gridgov.open311.keys import create_key
from gridgov.open311.models import ServiceAttribute
from gridgov.routing.selectors import leaf_categories
from tests.open311.py2compat import load_open311
from tests.open311.schema import problems


@pytest.fixture
def live(live_server, demo_city, spot):
    """The live server's Open311 root, a key, a service with a required one-of-a-list field, and the spot."""
    cat = leaf_categories().order_by("code").first()
    ServiceAttribute.objects.create(
        category=cat,
        code="kind",
        description="哪一种？",
        datatype="singlevaluelist",
        required=True,
        values=[{"key": "cover", "name": "井盖"}, {"key": "grate", "name": "雨水篦子"}],
    )
    _, key = create_key(name="interop", per_minute=1000)
    return {"root": f"{live_server.url}/open311/v2", "key": key, "service": cat.code, "spot": spot}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_open311_posts_and_both_clients_read_it_back(live, fmt):
    Open311 = load_open311()
    client = Open311(endpoint=live["root"], api_key=live["key"], format=fmt)
    # service_list() always asks services.xml but parses in the client's format: in JSON mode it cannot
    # work against any server (the client's bug), so JSON mode asks services.json through the same call
    services = client.service_list() if fmt == "xml" else client.call_api("services.json")
    codes = [s["service_code"] for s in services]
    assert live["service"] in codes
    definition = client.service_definition(live["service"])  # GET service/{code}.{fmt}
    attributes = definition["attributes"] if fmt == "json" else definition["service_definition"]["attributes"]
    first = attributes[0] if fmt == "json" else attributes["attribute"]
    assert first["code"] == "kind"

    posted = client.post_service_request(
        service_code=live["service"],
        lat=live["spot"]["lat"],
        long=live["spot"]["lon"],
        description=f"井盖缺失（{fmt}）",
        **{"attribute[kind]": "cover", "first_name": "三", "last_name": "张", "phone": "13812345678"},
    )
    if fmt == "json":
        assert problems("post_response", posted) == []
        number, token = posted[0]["service_request_id"], posted[0]["token"]
    else:
        number = posted["service_requests"]["request"]["service_request_id"]
        token = posted["service_requests"]["request"]["token"]

    again = client.get_service_request(number)
    row = again[0] if fmt == "json" else again["service_requests"]["request"]
    assert (row["service_request_id"], row["status"], row["service_code"]) == (number, "open", live["service"])
    if fmt == "xml":
        assert client.request_id_from_token(token) == {"service_request_id": number, "token": token}
        assert client.service_requests(service_request_id=number)["service_request_id"] == number
    else:  # both methods index the XML's shape (['service_requests']['request']) whatever the format: the same call
        assert client.call_api(f"tokens/{token}.json") == [{"service_request_id": number, "token": token}]
        assert client.call_api("requests.json", service_request_id=number)[0]["service_request_id"] == number

    geo = GeoReport(live["root"], output_format=fmt)
    assert live["service"] in [s["service_code"] for s in geo.get_service_list()]
    assert geo.get_service_definition(live["service"])["service_code"] == live["service"]
    one = geo.get_service_request(number)
    assert (one["service_request_id"], one["status"]) == (number, "open")
    many = geo.get_service_requests(service_request_id=number, status="closed")  # the ids override status
    assert (many[0] if fmt == "json" else many)["service_request_id"] == number
    assert "13812345678" not in str(one) and "张三" not in str(one)


def test_georeport_sees_the_specs_errors_as_http_errors(live):
    import requests

    geo = GeoReport(live["root"])
    with pytest.raises(requests.HTTPError) as caught:
        geo.get_service_request("20000101000000")
    assert caught.value.response.status_code == 404
    assert caught.value.response.json()[0]["code"] == 404
    with pytest.raises(requests.HTTPError) as caught:
        geo.get_service_requests(status="pending")
    assert caught.value.response.status_code == 400
