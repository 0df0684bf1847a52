"""Issue 11, finding 3: the enumerated query parameters of /api/v1/stats/… are declared in the OpenAPI
document, and a value outside them is a 422 with pydantic's `errors`, as in every other list of the API
(docs/architecture.md §4: 422 for what does not fit the document, 400 for any other bad input)."""

import pytest

from gridgov.assessment.api import INDICATOR_NAMES
from gridgov.assessment.facts import COUNTERS

REGION = "410102"
ENUMS = [  # (path, the enumerated parameter, its values, the other parameters of a valid call)
    ("/stats/indicators", "source", ("rollups", "events"), {"region": REGION}),
    ("/stats/map", "indicator", INDICATOR_NAMES, {"region": REGION}),
    ("/stats/evidence", "counter", COUNTERS, {"region": REGION}),
]


@pytest.mark.parametrize(("path", "name", "values", "params"), ENUMS)
def test_a_value_outside_the_enum_is_a_422(api, path, name, values, params):
    leader = api("leader", language="en")
    r = leader.get(path, {**params, name: "happiness"})
    assert r.status_code == 422, r.content
    body = r.json()
    assert set(body) == {"detail", "errors"} and name in body["detail"]
    assert [e["loc"][-1] for e in body["errors"]] == [name]
    assert leader.get(path, {**params, name: values[-1]}).status_code == 200


@pytest.mark.parametrize(("path", "name", "values", "params"), ENUMS)
def test_the_document_lists_the_values(client, path, name, values, params):
    spec = client.get("/api/v1/openapi.json").json()
    operation = spec["paths"][f"/api/v1{path}"]["get"]
    parameter = next(p for p in operation["parameters"] if p["name"] == name)
    assert parameter["schema"]["enum"] == list(values)
    assert "422" in operation["responses"]
