"""GeoReport v2 answers in JSON or XML (UTF-8, no namespace), and its errors: a list of {code, description}.

Every answer is a list of flat records (or one record) whose values are strings, numbers, booleans, None,
nested records or lists of records; the XML names the list items after their list (`LIST_ITEMS`)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from xml.etree import ElementTree as ET

from django.http import HttpResponse

FORMATS = ("json", "xml")
CONTENT_TYPES = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
# a list's element name → its items' element name (spec: <services><service>, <attributes><attribute> …)
LIST_ITEMS = {
    "services": "service",
    "service_requests": "request",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "errors": "error",
    "notes": "note",
    "duplicates": "service_request_id",
}


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _fill(element: ET.Element, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list):
        item = LIST_ITEMS.get(element.tag, "item")
        for child in value:
            _fill(ET.SubElement(element, item), child)
    else:
        element.text = _text(value)


def xml_bytes(root: str, value) -> bytes:
    """`value` (a list or a record) as a UTF-8 XML document whose root element is `root`."""
    element = ET.Element(root)
    _fill(element, value)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(element, encoding="unicode").encode()


def answer(fmt: str, root: str, value, *, status: int = 200) -> HttpResponse:
    """The answer in `fmt`: JSON as is, XML under `root` (services, service_requests, discovery …)."""
    body = xml_bytes(root, value) if fmt == "xml" else json.dumps(value, ensure_ascii=False).encode()
    return HttpResponse(body, status=status, content_type=CONTENT_TYPES[fmt])


def errors(fmt: str, status: int, descriptions: Iterable[str], *, retry_after: int | None = None) -> HttpResponse:
    """The spec's error answer: [{code, description}] (XML <errors><error>), `code` the HTTP status."""
    body = [{"code": status, "description": str(d)} for d in descriptions]
    response = answer(fmt if fmt in FORMATS else "json", "errors", body, status=status)
    if retry_after is not None:
        response["Retry-After"] = str(retry_after)
    return response
