"""/api/v1/ fuzzed from its own OpenAPI document (schemathesis): whatever a client sends, the answer is
never a server error, its status is one the document declares, and its body is what the document says.

Every operation is run anonymously and with the bearer token of the district's dispatcher and of the
administrator, on a bounded, derandomized set of examples (valid and invalid inputs) so that a red CI is
reproducible. Requests go through Django's WSGI handler in-process, on the test's own database connection:
each example runs in a savepoint that is rolled back, and pytest-django rolls back the rest, so nothing a
fuzzed request writes reaches other tests.
"""

import os

import pytest
import schemathesis
from django.conf import settings as django_settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from gridgov.http.api import api

SCHEMA_URL = "/api/v1/openapi.json"
# Per operation and caller (≈ 160 operations × 3 callers × 8 ≈ 3,900 requests, about 45 s per engine: CI's
# wall clock is bounded); explore further locally with GRIDGOV_FUZZ_EXAMPLES=200 (the examples stay
# derandomized: the same count draws the same requests).
EXAMPLES = int(os.environ.get("GRIDGOV_FUZZ_EXAMPLES", "8"))
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
# The operations as the code declares them (known at collection: one test each, named after it).
OPERATIONS = [
    (method.upper(), path) for path, methods in api.get_openapi_schema()["paths"].items() for method in methods
]


@pytest.fixture(scope="module")
def one_connection():
    """Django's handler closes the database connection around each request (a server's habit); the test client
    keeps it, and so must we: it holds the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(scope="module")
def schema(one_connection, django_db_blocker):
    with django_db_blocker.unblock():  # the middleware may read (a session, the user): nothing is written
        return schemathesis.openapi.from_wsgi(SCHEMA_URL, WSGIHandler())


def known_values() -> dict[str, list]:
    """Values that exist, for parameters of these names: random text finds little more than a 404 (random
    coordinates: outside every grid), these reach the code behind it (a case in 林山寨街道 reported by a
    resident, a point in its grid, the demo grids, the default schemes)."""
    from gridgov.cases.api import ACTION_BODIES
    from tests.cases.helpers import GRID, STREET, point_in, report

    number = report().case.number
    lon, lat = point_in(GRID)
    return {
        "number": [number],
        "action": list(ACTION_BODIES),
        "code": [GRID, STREET],
        "region": ["410102", STREET],
        "scheme": ["worker-1000", "street-100", "unit-3rates"],
        "month": [timezone.localdate().strftime("%Y-%m")],
        "lon": [lon],
        "lat": [lat],
    }


BODY_KNOWN = ("lon", "lat")  # body fields given a known value (a point is both or neither)


def known_strategies(operation, known: dict[str, list]) -> list:
    """Valid requests with known values in the path and query parameters of those names (one drawn for each),
    and in the body's fields named in BODY_KNOWN."""
    named = {
        location: [p.name for p in getattr(operation, location) if p.name in known]
        for location in ("path_parameters", "query")
    }
    if not any(named.values()) and not operation.body:
        return []

    def with_values(values):
        return operation.as_strategy(
            GenerationMode.POSITIVE, path_parameters=values["path_parameters"] or None, query=values["query"] or None
        ).map(with_known_body)

    def with_known_body(case):
        if isinstance(case.body, dict):
            case.body.update({name: known[name][0] for name in BODY_KNOWN if name in case.body})
        return case

    draws = st.fixed_dictionaries(
        {
            location: st.fixed_dictionaries({name: st.sampled_from(known[name]) for name in names})
            for location, names in named.items()
        }
    )
    return [draws.flatmap(with_values)]


def test_the_document_is_valid_openapi(schema):
    schema.validate()  # against the OpenAPI 3 meta-schema
    operations = list(schema.get_all_operations())
    assert [str(result.err()) for result in operations if not isinstance(result, Ok)] == []
    assert sorted((op.ok().method.upper(), op.ok().path) for op in operations) == sorted(OPERATIONS)


@pytest.mark.parametrize("caller", [None, "dispatcher", "admin"], ids=["anonymous", "dispatcher", "admin"])
@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_operation(schema, demo_city, bearer, settings, tmp_path, caller, method, path):
    settings.MEDIA_ROOT = tmp_path / "media"  # uploaded photos: the rollback does not reach files
    # a wrong password costs what the default hasher costs (≈ 0.3 s with PBKDF2): MD5 keeps the run short
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *django_settings.PASSWORD_HASHERS]
    operation = schema[path][method]
    headers = bearer(caller) if caller else {}
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
        *known_strategies(operation, known_values()),
    )

    # no shrinking and no deadline: a bounded run; a failure shows the request as sent (and a curl line)
    @hypothesis_settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=cases)
    def fuzz(case):
        with transaction.atomic():  # each example from the same demo city, whatever the previous one wrote
            case.call_and_validate(headers=headers, checks=CHECKS)
            transaction.set_rollback(True)

    fuzz()
