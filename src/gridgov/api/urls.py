"""The JSON API under /api/v1/ (Django Ninja); OpenAPI at /api/v1/openapi.json."""

from django.http import Http404
from ninja import NinjaAPI
from ninja.errors import HttpError

from gridgov.core.geo import CoordinateError
from gridgov.grids.api import router as grids_router

api = NinjaAPI(title="gridgov API", version="1", urls_namespace="api-v1",
               description="网格化服务管理 — grids, cases, statistics. Errors come as {\"detail\": …}.")


@api.exception_handler(CoordinateError)
def coordinate_error(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=400)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": str(exc) or "not found"}, status=404)


@api.exception_handler(HttpError)
def http_error(request, exc):
    return api.create_response(request, {"detail": exc.message}, status=exc.status_code)


api.add_router("/grids", grids_router)
