"""The JSON API under /api/v1/ (Django Ninja); OpenAPI at /api/v1/openapi.json."""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as SchemaError
from ninja.renderers import JSONRenderer

from gridgov.cases.api import router as cases_router
from gridgov.cases.api import uploads_router
from gridgov.core.errors import GridgovError
from gridgov.core.geo import CoordinateError
from gridgov.grids.api import router as grids_router
from gridgov.people.api import router as auth_router
from gridgov.assessment.api import router as stats_router



class UTF8Renderer(JSONRenderer):
    """Chinese names as characters, not \\u escapes: readable in curl and half the bytes."""

    json_dumps_params = {"ensure_ascii": False}


api = NinjaAPI(title="gridgov API", version="1", urls_namespace="api-v1", renderer=UTF8Renderer(),
               description="网格化服务管理 — grids, cases, statistics. Errors come as {\"detail\": …}.")


@api.exception_handler(CoordinateError)
def coordinate_error(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=400)


@api.exception_handler(GridgovError)
def service_error(request, exc):
    return api.create_response(request, {"detail": exc.message}, status=exc.status)


@api.exception_handler(SchemaError)
def schema_error(request, exc):
    """422 as Django Ninja has it, but with a sentence in `detail` like every other error."""
    parts = []
    for error in exc.errors:
        where = ".".join(str(p) for p in error.get("loc", ()) if p not in ("body", "query", "payload", "path"))
        parts.append(f"{where or 'request'}: {error.get('msg', 'invalid')}")
    return api.create_response(request, {"detail": "; ".join(parts) or "invalid request", "errors": exc.errors},
                               status=422)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": str(exc) or "not found"}, status=404)


@api.exception_handler(HttpError)
def http_error(request, exc):
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


api.add_router("/auth", auth_router)
api.add_router("/grids", grids_router)
api.add_router("/uploads", uploads_router)
api.add_router("/cases", cases_router)
api.add_router("/stats", stats_router)
