"""discovery, services, service definitions (and the singular alias), in both formats: the spec's shapes
(JSON Schemas from the specification, XML root and item names), and its 404s."""

import pytest

from gridgov.open311.models import ServiceAttribute
from tests.open311.schema import problems


def test_discovery_names_this_endpoint_in_both_formats(o311):
    response, body = o311().get("discovery")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    assert problems("discovery", body) == []
    assert body["endpoints"][0]["url"] == "http://testserver/open311/v2"

    response, root = o311("xml").get("discovery")
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    assert root.tag == "discovery"
    assert [f.text for f in root.find("endpoints/endpoint/formats")] == ["text/xml", "application/json"]


def test_services_are_the_active_leaves_with_metadata_where_extra_fields_exist(o311, plain_service, rich_service):
    response, body = o311().get("services")
    assert response.status_code == 200
    assert problems("services", body) == []
    by_code = {s["service_code"]: s for s in body}
    assert by_code[plain_service]["metadata"] is False
    assert by_code[rich_service]["metadata"] is True
    assert all(isinstance(s["service_code"], str) for s in body)

    _, root = o311("xml").get("services")
    assert root.tag == "services"
    assert {child.tag for child in root} == {"service"}
    rich = next(s for s in root if s.findtext("service_code") == rich_service)
    assert rich.findtext("metadata") == "true"
    assert len(root) == len(body)


@pytest.mark.parametrize("path", ["services", "service"])
def test_a_definition_lists_the_attributes_in_order_under_both_paths(o311, rich_service, path):
    response, body = o311().get(f"{path}/{rich_service}")
    assert response.status_code == 200, body
    assert problems("service_definition", body) == []
    assert body["service_code"] == rich_service
    assert [a["code"] for a in body["attributes"]] == ["kind", "hazards", "width"]
    assert body["attributes"][0]["values"] == [{"key": "cover", "name": "井盖"}, {"key": "grate", "name": "雨水篦子"}]
    assert "values" not in body["attributes"][2]

    _, root = o311("xml").get(f"{path}/{rich_service}")
    assert root.tag == "service_definition"
    attributes = root.findall("attributes/attribute")
    assert [a.findtext("code") for a in attributes] == ["kind", "hazards", "width"]
    assert [v.findtext("key") for v in attributes[0].findall("values/value")] == ["cover", "grate"]
    assert attributes[0].findtext("required") == "true"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_no_definition_for_an_unknown_service_or_one_without_extra_fields(o311, plain_service, fmt):
    for code in ("NO-SUCH", plain_service):
        response, body = o311(fmt).get(f"services/{code}")
        assert response.status_code == 404
        if fmt == "json":
            assert problems("errors", body) == []
            assert body[0]["code"] == 404
        else:
            assert body.tag == "errors"
            assert body.find("error/code").text == "404"
            assert body.find("error/description").text


def test_a_branch_of_the_tree_or_an_inactive_leaf_is_no_service(o311, rich_service):
    from gridgov.routing.models import Category

    branch = Category.objects.filter(is_leaf=False).first()
    assert o311().get(f"services/{branch.code}")[0].status_code == 404
    Category.objects.filter(code=rich_service).update(active=False)
    assert o311().get(f"services/{rich_service}")[0].status_code == 404
    assert rich_service not in {s["service_code"] for s in o311().get("services")[1]}
    assert ServiceAttribute.objects.filter(category__code=rich_service).exists()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_unknown_endpoint_below_open311_is_the_specs_404(client, fmt):
    response = client.get(f"/open311/v2/nothing.{fmt}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json" if fmt == "json" else "text/xml")


def test_a_wrong_method_is_a_400_in_the_specs_shape(client, demo_city):
    response = client.post("/open311/v2/services.json")
    assert response.status_code == 400
    assert problems("errors", response.json()) == []
