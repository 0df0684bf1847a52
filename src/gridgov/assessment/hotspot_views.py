"""热点研判 (/dashboard/hotspots/): the hot spots of a region with their heat in parts, and 未诉先办 at one click."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from gridgov.assessment import hotspots, selectors
from gridgov.assessment.page_parts import refuse
from gridgov.core.dbrouter import reads_replica
from gridgov.core.errors import GridgovError
from gridgov.people.actors import Actor


@login_required
@reads_replica  # GET only: acting on a hot spot (POST) reads and writes the primary
def hotspot_page(request):
    actor = Actor.of(request.user)
    if not (actor.is_admin or actor.roles & selectors.STATS_ROLES):
        return refuse(request, 403, _("Hot spots are for leaders, dispatchers, supervisors and grid leaders."))
    region = request.GET.get("region") or selectors.home_region(actor) or ""
    try:
        selectors.subject_of(region=region)
        selectors.check_may_read(actor, "region", region)
        start, end = selectors.parse_range(request.GET.get("start"), request.GET.get("end"))
    except GridgovError as exc:
        return refuse(request, exc.status, str(exc))
    here = (
        reverse("assessment:hotspots")
        + "?"
        + urlencode({"region": region, "start": start.isoformat(), "end": end.isoformat()})
    )
    if request.method == "POST":
        try:
            case = hotspots.act_on_hotspot(
                actor=actor, region=region, key=request.POST.get("key", ""), start=start, end=end
            )
        except GridgovError as exc:
            messages.error(request, str(exc))
        else:
            messages.success(
                request, _("Proactive case %(number)s filed and sent to the grid.") % {"number": case.number}
            )
        return redirect(here)
    spots = hotspots.find_hotspots(region, start, end, limit=30)
    acted = hotspots.acted_keys(spots, start, end)
    rows = [
        {
            **s.as_dict(),
            "may_act": actor.is_admin or any(actor.can(role, s.grid) for role in hotspots.ACT_ROLES),
            "acted": acted.get(s.key),
        }
        for s in spots
    ]
    context = {
        "region": region,
        "region_name": selectors.region_path(region)[-1]["name"],
        "start": start,
        "end": end,
        "rows": rows,
        "dashboard": reverse("assessment:dashboard") + "?" + urlencode({"region": region}),
    }
    return render(request, "assessment/hotspots.html", context)
