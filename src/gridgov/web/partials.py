"""Partial page updates with htmx, for the staff pages.

One view answers both ways: the whole page for a browser (and for anyone without JavaScript: every
filter is a plain GET form, every pager a plain link), or only the part that changes when htmx asks
for it (the `HX-Request` header). The answer varies on that header, so no cache serves one for the
other. htmx is configured in `web/staff_base.html`: no history snapshots in browser storage (back
and forward load the full page again), no eval, no inline styles.
"""

from __future__ import annotations

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.cache import patch_vary_headers


def wants_partial(request) -> bool:
    """htmx asked for a part of the page (a history restore wants the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def triggered_by(request) -> str:
    """The id of the element whose event sent the htmx request ("" when it has none)."""
    return request.headers.get("HX-Trigger", "")


def render_page(
    request, template: str, partial: str, context: dict, *, push_url: str | None = None, status: int = 200
) -> HttpResponse:
    """The page, or its `partial` for htmx; `push_url` is the address the browser shows for the
    partial's content (the filters in canonical form), sent as `HX-Push-Url`."""
    if wants_partial(request):
        response = render(request, partial, context, status=status)
        if push_url:
            response["HX-Push-Url"] = push_url
    else:
        response = render(request, template, context, status=status)
    patch_vary_headers(response, ["HX-Request"])
    return response


def staff_login_required(view):
    """`login_required`, except that an htmx request whose session has ended gets `HX-Redirect` to the
    sign-in page: a redirect would be followed inside the request and the sign-in form swapped into
    the table."""
    guarded = login_required(view)

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.headers.get("HX-Request") == "true" and not request.user.is_authenticated:
            response = HttpResponse(status=401)
            response["HX-Redirect"] = redirect_to_login(request.get_full_path())["Location"]
            return response
        return guarded(request, *args, **kwargs)

    return wrapper
