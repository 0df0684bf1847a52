"""/oversight/: an appointed supervisor's appointments and findings, and a form to record one finding.
It translates only: the services check the term, the area and the kind's rule."""

from __future__ import annotations

import uuid
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_http_methods

from gridgov.core.errors import GridgovError, NotFound
from gridgov.grids.models import Grid
from gridgov.oversight import selectors, services
from gridgov.oversight.models import FindingKind
from gridgov.people.actors import Actor


def _finding(post) -> dict:
    item: dict = {"kind": post.get("kind", ""), "description": post.get("description", "")}
    if post.get("case"):
        item["case"] = post["case"].strip()
    if post.get("lon") and post.get("lat"):
        item["lon"], item["lat"] = post["lon"], post["lat"]
    return item


@login_required
@require_http_methods(["GET", "POST"])
def home(request):
    actor = Actor.of(request.user)
    appointments = list(selectors.my_appointments(actor))
    if not appointments:
        refusal = gettext("this page is for appointed supervisors")
        return render(request, "oversight/home.html", {"refusal": refusal}, status=403)
    status = 200
    if request.method == "POST":
        grid = Grid.objects.filter(code=request.POST.get("grid", "").strip(), valid_to__isnull=True).first()
        try:
            if grid is None:
                raise NotFound(gettext("no such grid"))
            day = date.fromisoformat(request.POST["day"]) if request.POST.get("day") else None
            services.record_inspection(
                actor=actor,
                grid=grid,
                day=day,
                findings=[_finding(request.POST)],
                client_id=request.POST.get("client_id") or None,  # the form's: a double submit writes once
            )
        except (GridgovError, ValueError) as exc:
            messages.error(request, str(exc))
            status = getattr(exc, "status", 400)
        else:
            messages.success(request, gettext("The finding is recorded."))
            return redirect("oversight:home")
    context = {
        "appointments": appointments,
        "findings": selectors.my_findings(actor)[:50],
        "kinds": FindingKind.choices,
        "form": request.POST if request.method == "POST" else {},
        "client_id": (request.POST.get("client_id") if request.method == "POST" else "") or uuid.uuid4(),
    }
    return render(request, "oversight/home.html", context, status=status)
