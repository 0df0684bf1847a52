"""The grid worker's patrol page (巡查, /m/patrol/): today's plans of my grids, start and end a patrol,
check in at the plan's points. The page only shows; m-patrol.js records the phone's position into
localStorage and sends everything through /api/v1/patrols/ when the network is there (docs/architecture.md
§4), where the ids the phone made keep each point, start and end written once.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from gridgov.patrols import selectors as patrols
from gridgov.patrols.rules import patrol_scopes
from gridgov.people.actors import Actor


def _strings() -> dict[str, str]:
    return {
        "noPosition": _("The phone gives no position: allow location for this page."),
        "started": _("Patrol under way"),
        "ended": _("Patrol ended"),
        "pending": _("Waiting to send: {count}"),
        "checkedIn": _("Checked in at {name}"),
        "refused": _("Refused: {detail}"),
        "signIn": _("Your session has expired. Please sign in again."),
        "offline": _("No network: kept on this phone, sent when the network is back."),
    }


@login_required
@never_cache
@require_GET
def patrol(request):
    """巡查: the plans due today, the patrol under way (if any), check-in buttons."""
    actor = Actor.of(request.user)
    if not patrol_scopes(actor):
        return render(
            request,
            "web/m/forbidden.html",
            {"message": _("These pages are for grid workers and grid leaders. Your account holds no such post.")},
            status=403,
        )
    today = timezone.localdate()
    plans = list(patrols.my_plans(actor, on=today))
    running = patrols.open_session(actor)
    config = {
        "api": reverse("api-v1:api-root") + "patrols/",
        "storageKey": f"gridgov.m.patrol.{request.user.pk}",
        "session": patrols.session_summary(running) if running else None,
    }
    context = {
        "plans": [p for p in plans if patrols.required_days(p, today, today)],
        "other_plans": [p for p in plans if not patrols.required_days(p, today, today)],
        "running": running,
        "config": config,
        "strings": _strings(),
    }
    return render(request, "web/m/patrol.html", context)
