"""The grid division page (网格划分, /console/grids/divide/?community=CODE): the registry's proposal for a
community's 三级网格 beside its current grids on two maps, with its figures; an administrator accepts it.

It translates only: the proposal is `registry.division.propose_division`, accepting is
`registry.division.accept_division` (administrators; the fingerprint makes sure what was shown is what is
written).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gridgov.core.errors import GridgovError
from gridgov.people.actors import Actor, covers
from gridgov.registry.division import accept_division, propose_division


def _may_see(actor: Actor, community: str) -> bool:
    return actor.is_admin or any(covers(scope, community) for _, scope in actor.posts)


def _seed(value: str) -> int:
    try:
        return max(0, min(int(value or 0), 2**31))
    except ValueError:
        return 0


@login_required
@require_http_methods(["GET", "POST"])
def division_page(request):
    actor = Actor.of(request.user)
    data = request.POST if request.method == "POST" else request.GET
    community = (data.get("community") or "").strip()[:12]
    seed = _seed(data.get("seed", ""))
    context: dict = {"community": community, "seed": seed, "can_accept": actor.is_admin}
    if not community:
        return render(request, "web/console/division.html", context)
    if not _may_see(actor, community):
        context["error"] = _("Only administrators and the staff of this community may see its division.")
        return render(request, "web/console/division.html", context, status=403)
    try:
        if request.method == "POST":
            done = accept_division(
                actor=actor, community=community, seed=seed, fingerprint=request.POST.get("fingerprint", "")
            )
            messages.success(
                request,
                _("The grids of %(name)s were redrawn: %(count)d grids, %(changed)d households changed grid.")
                % {"name": done["name"], "count": len(done["grids"]), "changed": done["changed_households"]},
            )
            url = reverse("web:console-division") + "?" + urlencode({"community": community})
            return redirect(url)
        proposal = propose_division(community=community, seed=seed)
    except GridgovError as exc:
        context["error"] = exc.message
        return render(request, "web/console/division.html", context, status=exc.status)
    context.update(
        proposal=proposal,
        figures=proposal.as_dict(),
        maps={"current": proposal.current_geojson(), "proposed": proposal.geojson()},
    )
    return render(request, "web/console/division.html", context)
