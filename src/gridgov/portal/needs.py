"""我的需求单 (/my/needs/): the resident signed in on /my/ files a need (需求单) for the deputies of their grid,
follows it (claimed as a task, turned into a case, closed) and rates it once it is closed — the rating that
closes the 三单制 loop. Their needs are found by their phone's keyed digest (gridgov.deputies)."""

from __future__ import annotations

from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from gridgov.core.errors import BadInput, GridgovError
from gridgov.deputies import selectors as deputies
from gridgov.deputies import services
from gridgov.people.actors import Actor
from gridgov.portal.session import identity_of
from gridgov.registry.models import Resident

STATUS_OF = {"BadInput": 400, "Forbidden": 403, "NotFound": 404, "Conflict": 409, "TooMany": 429}


def _home_grids(registry_digest: str) -> list[tuple[str, str]]:
    """The grids of the resident's registered households (code, name): where their need is filed."""
    rows = Resident.objects.filter(phone_digest=registry_digest, active=True).select_related("grid")
    return sorted({(r.grid.code, r.grid.name) for r in rows})


def _act(identity, post) -> None:
    actor = Actor.anonymous(f"resident {identity.masked}")
    if post.get("action") == "rate":
        services.rate(
            actor=actor,
            number=post.get("number", ""),
            rating=post.get("rating", ""),
            resident_digest=identity.registry_digest,
        )
        return
    grids = dict(_home_grids(identity.registry_digest))
    grid = post.get("grid", "")
    if grid not in grids:
        raise BadInput(gettext("Needs are filed for the grid of a household you are registered in."))
    services.collect_need(
        actor=actor,
        grid_code=grid,
        text=post.get("text", ""),
        name=post.get("name", ""),
        phone=post.get("phone", ""),
        resident_digest=identity.registry_digest,
        client_id=post.get("client_id") or None,
    )


@never_cache
@require_http_methods(["GET", "POST"])
def needs_page(request):
    identity = identity_of(request)
    if identity is None:
        return redirect("portal:sign-in")
    error, status = "", 200
    if request.method == "POST":
        try:
            _act(identity, request.POST)
            return redirect("portal:needs")
        except GridgovError as exc:
            error, status = exc.message, STATUS_OF.get(type(exc).__name__, 400)
    context = {
        "masked": identity.masked,
        "needs": deputies.my_needs(identity.registry_digest),
        "grids": _home_grids(identity.registry_digest),
        "error": error,
        "form": request.POST if error else {},
    }
    return render(request, "portal/needs.html", context, status=status)
