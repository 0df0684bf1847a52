"""The care-visit page (关爱探访与入户覆盖), /visits/care/: for each grid subtree the person oversees, the
households due for a care visit (never visited and most overdue first) and coverage over 30 and 90 days.

It translates only: the selectors scope everything to the person's posts.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from gridgov.people.actors import Actor
from gridgov.visits import selectors
from gridgov.visits.rules import figure_scopes

MAX_ROWS = 200  # the most overdue first; the API pages through the rest


@login_required
@require_GET
def care_page(request):
    actor = Actor.of(request.user)
    scopes = [s for s in figure_scopes(actor) if s]
    if not scopes:
        refusal = gettext("care visits and coverage are for grid workers, grid leaders and leaders of an area")
        return render(request, "visits/care.html", {"refusal": refusal}, status=403)
    today = timezone.localdate()
    areas = [
        {
            "scope": scope,
            "due": selectors.care_due(actor, on=today, grid=scope)[:MAX_ROWS],
            "coverage": selectors.coverage(actor, grid=scope, on=today),
        }
        for scope in scopes
    ]
    return render(request, "visits/care.html", {"areas": areas, "today": today})
