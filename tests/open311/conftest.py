"""Open311 fixtures: a client application's key, a service without extra fields and one with them (a required
one-of-a-list, a several-of-a-list, a number), a point in a known grid (tests/conftest.py `spot`), and helpers
that call /open311/v2/ with Django's test client."""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET

import pytest

from gridgov.open311.keys import create_key
from gridgov.open311.models import ServiceAttribute
from gridgov.routing.selectors import leaf_categories

BASE = "/open311/v2/"


@pytest.fixture
def api_key(demo_city):
    return create_key(name="test client", per_minute=1000)[1]


@pytest.fixture
def plain_service(demo_city):
    """A leaf without extra fields (metadata false)."""
    return leaf_categories().order_by("code").first().code


@pytest.fixture
def rich_service(demo_city, plain_service):
    """A leaf with extra fields (metadata true)."""
    cat = leaf_categories().exclude(code=plain_service).order_by("code").first()
    ServiceAttribute.objects.create(
        category=cat,
        code="kind",
        description="哪一种？",
        datatype="singlevaluelist",
        required=True,
        order=1,
        values=[{"key": "cover", "name": "井盖"}, {"key": "grate", "name": "雨水篦子"}],
    )
    ServiceAttribute.objects.create(
        category=cat,
        code="hazards",
        description="有哪些危险？",
        datatype="multivaluelist",
        order=2,
        values=[{"key": "car", "name": "车辆"}, {"key": "child", "name": "儿童"}],
    )
    ServiceAttribute.objects.create(category=cat, code="width", description="宽度（米）", datatype="number", order=3)
    return cat.code


class Open311:
    """GET and POST /open311/v2/… in one format, parsed: JSON, or the XML's root element."""

    def __init__(self, client, fmt: str = "json"):
        self.client, self.fmt = client, fmt

    def url(self, path: str) -> str:
        return f"{BASE}{path}.{self.fmt}"

    def parse(self, response):
        if self.fmt == "json":
            return json.loads(response.content)
        return ET.fromstring(response.content)

    def get(self, path: str, **query):
        response = self.client.get(self.url(path), query)
        return response, self.parse(response)

    def post(self, path: str, data, query: str = ""):
        response = self.client.post(self.url(path) + (f"?{query}" if query else ""), data)
        return response, self.parse(response)


@pytest.fixture
def o311(client):
    def make(fmt: str = "json") -> Open311:
        return Open311(client, fmt)

    return make


@pytest.fixture
def report(api_key, plain_service, spot):
    """The form of a valid POST requests."""
    return {
        "api_key": api_key,
        "service_code": plain_service,
        "lat": f"{spot['lat']:.7f}",
        "long": f"{spot['lon']:.7f}",
        "description": "路灯不亮，晚上很黑",
        "first_name": "三",
        "last_name": "张",
        "phone": "13812345678",
        "email": "zhangsan@example.org",
        "device_id": "device-1",
    }
