"""The JSON Schemas in schemas/, written from the GeoReport v2 specification, and a check that names every
violation (jsonschema_rs: already installed with schemathesis)."""

import json
from functools import cache
from pathlib import Path

import jsonschema_rs

SCHEMAS = Path(__file__).parent / "schemas"


@cache
def _validator(name: str):
    return jsonschema_rs.validator_for(json.loads((SCHEMAS / f"{name}.json").read_text()))


def problems(name: str, body) -> list[str]:
    """Every way `body` breaks schemas/{name}.json (empty: it conforms)."""
    return [f"{'/'.join(map(str, e.instance_path))}: {e.message}" for e in _validator(name).iter_errors(body)]
