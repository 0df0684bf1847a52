"""The bench's URL map: production's (gridgov.urls) plus the minimal endpoint `bench intake` compares
intake with. Mounted only through gridgov.bench.settings, never in production.

The minimal endpoint does what any write endpoint must, and nothing more: it goes through the same
middleware, parses the JSON body, inserts one row in one transaction and answers 201.
"""

import json

from django.db import connection, transaction
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt

MINIMAL_TABLE = "gridgov_bench_minimal"  # created in the scratch database by gridgov.bench.intake_agent
MINIMAL_PATH = "/api/v1/bench/minimal"


@csrf_exempt  # like the API's views: a JSON client sends no CSRF cookie
def minimal(request: HttpRequest) -> JsonResponse:
    if request.method != "POST":
        return JsonResponse({"detail": "POST a JSON object"}, status=405)
    try:
        body = json.loads(request.body)
    except ValueError:
        return JsonResponse({"detail": "the request body is not valid JSON"}, status=400)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {MINIMAL_TABLE} (title, body) VALUES (%s, %s)",
            [str(body.get("title", ""))[:200], json.dumps(body, ensure_ascii=False)],
        )
    return JsonResponse({"stored": True}, status=201)


urlpatterns = [
    path(MINIMAL_PATH.lstrip("/"), minimal, name="bench-minimal"),
    path("", include("gridgov.urls")),
]
