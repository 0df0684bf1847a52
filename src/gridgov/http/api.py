"""The JSON API under /api/v1/ (Django Ninja); OpenAPI at /api/v1/openapi.json.

The root does not name the apps: every installed app with an `api` module mounts what that module lists in
`ROUTERS` (prefix, router), in INSTALLED_APPS order. Errors come as `{"detail": …}` (gridgov.http.problems).
"""

import logging
from importlib import import_module

from django.apps import apps
from django.core.exceptions import BadRequest, ImproperlyConfigured, PermissionDenied, SuspiciousOperation
from django.http import Http404
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext, gettext_lazy
from ninja import NinjaAPI
from ninja.errors import HttpError
from ninja.errors import ValidationError as SchemaError
from ninja.renderers import JSONRenderer

from gridgov.core.errors import GridgovError
from gridgov.core.geo import CoordinateError
from gridgov.core.validation import describe_errors
from gridgov.http.problems import Problem, ValidationProblem

logger = logging.getLogger("gridgov.api")  # its name from the former gridgov.api package, kept for log filters


class UTF8Renderer(JSONRenderer):
    """Chinese names as characters, not \\u escapes: readable in curl and half the bytes."""

    json_dumps_params = {"ensure_ascii": False}


def _answer(description: str, schema: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


class GridgovAPI(NinjaAPI):
    """Declares once, in the OpenAPI document, the errors any operation may answer whatever its code says:
    400 (RefuseNulMiddleware: U+0000 or an unreadable body, before any view), 422 (its parameters or body
    do not fit the schema) and 429 (RateLimitMiddleware: a client not signed in over its budget, with
    Retry-After). An operation's own `response=` declarations come first."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault("Problem", Problem.model_json_schema())
        schemas.setdefault("ValidationProblem", ValidationProblem.model_json_schema())
        for methods in schema["paths"].values():
            for operation in methods.values():
                responses = operation["responses"]
                responses.setdefault(400, _answer("Bad Request", "Problem"))
                if operation.get("parameters") or operation.get("requestBody"):
                    responses.setdefault(
                        422, _answer("Unprocessable Content: `errors` lists what does not fit", "ValidationProblem")
                    )
                responses.setdefault(429, _answer("Too Many Requests: try again after Retry-After seconds", "Problem"))
        return schema


api = GridgovAPI(
    title="gridgov API",
    version="1",
    urls_namespace="api-v1",
    renderer=UTF8Renderer(),
    description='网格化服务管理 — grids, cases, statistics. Errors come as {"detail": …}.',
)


# The English sentences Django Ninja raises itself (ours are translated where they are raised).
NINJA_MESSAGES = {
    "Cannot parse request body": gettext_lazy("the request body is not valid JSON"),
    "Unauthorized": gettext_lazy("sign in: send Authorization: Bearer <token> (POST /api/v1/auth/token)"),
    "Forbidden": gettext_lazy("this is outside your role or scope"),
}


@api.exception_handler(CoordinateError)
def coordinate_error(request, exc):
    return api.create_response(request, {"detail": str(exc)}, status=400)


@api.exception_handler(GridgovError)
def service_error(request, exc):
    response = api.create_response(request, {"detail": exc.message}, status=exc.status)
    if getattr(exc, "retry_after", None):  # 429 TooMany: when to try again, for programs
        response["Retry-After"] = str(exc.retry_after)
    return response


@api.exception_handler(SchemaError)
def schema_error(request, exc):
    """422 as Django Ninja has it, but with a sentence in `detail` (in the reader's language) like every
    other error; `errors` keeps pydantic's own list for programs."""
    return api.create_response(request, {"detail": describe_errors(exc.errors), "errors": exc.errors}, status=422)


@api.exception_handler(Http404)
def not_found(request, exc):
    return api.create_response(request, {"detail": str(exc) or gettext("not found")}, status=404)


@api.exception_handler(HttpError)
def http_error(request, exc):
    message = NINJA_MESSAGES.get(exc.message.split(" (")[0], exc.message)
    return api.create_response(request, {"detail": str(message)}, status=exc.status_code)


@api.exception_handler(Exception)
def unexpected_error(request, exc):
    """Anything else is a bug: logged with its traceback, and the client gets JSON like every other error
    (Django would send its HTML error page). Django's own refusals keep their status, as JSON."""
    if isinstance(exc, PermissionDenied):
        return api.create_response(request, {"detail": str(NINJA_MESSAGES["Forbidden"])}, status=403)
    if isinstance(exc, (BadRequest, SuspiciousOperation)):
        return api.create_response(request, {"detail": gettext("the request body cannot be read")}, status=400)
    logger.exception("unexpected error in %s %s", request.method, request.path)
    return api.create_response(
        request, {"detail": gettext("internal server error: it has been logged; please try again later")}, status=500
    )


def mount_app_routers(root: NinjaAPI) -> None:
    """Mount the routers each installed gridgov app's `api` module declares in `ROUTERS`: [(prefix, router), …].
    Other apps' `api` modules (django.contrib.messages.api) are theirs, not routers."""
    for config in apps.get_app_configs():
        if not config.name.startswith("gridgov.") or not module_has_submodule(config.module, "api"):
            continue
        module = import_module(f"{config.name}.api")
        if not hasattr(module, "ROUTERS"):
            raise ImproperlyConfigured(f"{module.__name__} declares no ROUTERS: [(prefix, router), …]")
        for prefix, router in module.ROUTERS:
            root.add_router(prefix, router)


mount_app_routers(api)
