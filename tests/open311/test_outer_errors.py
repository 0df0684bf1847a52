"""Errors answered before a view runs (core.middleware: the per-address budgets, a NUL in the request) are
GeoReport-shaped under /open311/ too; POST requests is counted per key, not against an address's budget."""

import random

import pytest
from django.test import Client, override_settings

from tests.open311.conftest import Open311
from tests.open311.schema import problems


@pytest.fixture
def own_address(settings):
    """An address of this test only, counted in this process (other runs may share a Redis)."""
    settings.GRIDGOV_RATE_LIMIT_REDIS_URL = ""
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_an_address_over_its_read_budget_gets_the_specs_429(demo_city, own_address, fmt):
    api = Open311(Client(REMOTE_ADDR=own_address), fmt)
    with override_settings(GRIDGOV_RATE_LIMITS={"read": "2/1m"}):
        answers = [api.get("services") for _ in range(3)]
    assert [r.status_code for r, _ in answers] == [200, 200, 429]
    response, body = answers[2]
    assert response["Retry-After"]
    if fmt == "json":
        assert problems("errors", body) == [] and body[0]["code"] == 429
    else:
        assert body.tag == "errors" and body.findtext("error/code") == "429"


def test_a_nul_is_refused_in_the_specs_shape(client, demo_city):
    response = client.get("/open311/v2/requests.xml", {"status": "open\x00"})
    assert response.status_code == 400
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<errors><error><code>400</code>')
    response = client.get("/open311/v2/requests.json", {"status": "open\x00"})
    assert problems("errors", response.json()) == []


def test_posting_is_counted_per_key_not_against_the_addresss_write_budget(report, own_address):
    api = Open311(Client(REMOTE_ADDR=own_address))
    with override_settings(GRIDGOV_RATE_LIMITS={"write": "1/1h"}):
        assert api.client.post("/open311/v2/nothing.json").status_code == 404  # the one write of the hour
        statuses = [api.post("requests", {**report, "description": f"第{i}处"})[0].status_code for i in range(3)]
    assert statuses == [201, 201, 201]
