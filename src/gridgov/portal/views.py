"""我的 (/my/): the resident's own pages, phone first (an H5 page a WeChat official account can open).

Sign-in is by phone and a one-time code (services.py); who is signed in is kept in the session (session.py).
"""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from gridgov.core.errors import GridgovError, TooMany
from gridgov.core.throttle import client_address
from gridgov.portal import selectors, services
from gridgov.portal.session import forget, identity_of, keep


def _refused(request, template: str, context: dict, exc: GridgovError):
    response = render(request, template, {**context, "error": exc.message}, status=exc.status)
    if isinstance(exc, TooMany):
        response["Retry-After"] = str(exc.retry_after)
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request):
    """Phone → code sent → phone and code → signed in."""
    if request.method == "GET":
        return render(request, "portal/signin.html", {"stage": "phone"})
    phone = request.POST.get("phone", "").strip()[:32]
    client = client_address(request)
    context = {"phone": phone, "stage": "phone"}
    if request.POST.get("action") == "send":
        try:
            services.request_code(phone=phone, client=client)
        except GridgovError as exc:
            return _refused(request, "portal/signin.html", context, exc)
        return render(request, "portal/signin.html", {"phone": phone, "stage": "code", "sent": True})
    context["stage"] = "code"
    try:
        identity = services.verify_code(phone=phone, code=request.POST.get("code", "")[:12], client=client)
    except GridgovError as exc:
        return _refused(request, "portal/signin.html", context, exc)
    keep(request, identity)
    return redirect("portal:home")


@never_cache
def home(request):
    identity = identity_of(request)
    if identity is None:
        return redirect("portal:sign-in")
    context = {
        "masked": identity.masked,
        "cases": selectors.my_cases(identity),
        "residents": selectors.my_residents(identity),
    }
    return render(request, "portal/home.html", context)


@require_POST
def sign_out(request):
    forget(request)
    return redirect("portal:sign-in")
