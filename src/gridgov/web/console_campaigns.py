"""The console's campaigns (专项排查与暗访, /console/campaigns/): the campaigns over the person's grids with a
form to create one, one campaign's progress per street, community and grid (a bar each, coloured by
progress), the grids past the due date, and the streets ranked by covert inspection findings.

It translates only: reads are `campaigns.selectors`, writes `campaigns.services` (scope checked there).
"""

from __future__ import annotations

import uuid
from datetime import date

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from gridgov.campaigns import rules, selectors, services
from gridgov.campaigns.models import Kind
from gridgov.core.errors import BadInput, GridgovError, NotFound
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor
from gridgov.web.console import refuse

MAX_MAP_PARENTS = 30
MAX_OVERDUE_ROWS = 30  # more overdue grids than this are shown per street


def _region(actor: Actor) -> str:
    """The district whose streets the ranking shows: the actor's, or for an administrator the first."""
    scopes = [s for s in rules.grid_scopes(actor, rules.READ_ROLES) if s]
    if scopes:
        return scopes[0][:6]
    return (
        Grid.objects.filter(level=0, valid_to__isnull=True).order_by("code").values_list("code", flat=True).first()
        or ""
    )


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadInput(_("%(what)s: pick a date") % {"what": what}) from None


def _create(actor: Actor, post) -> None:
    grid = Grid.objects.filter(code=post.get("grid", "").strip(), valid_to__isnull=True).first()
    if grid is None:
        raise NotFound(_("Pick the district or street the campaign is pushed down from."))
    items = [
        {"text": line.strip().lstrip("*").strip(), "needs_photo": line.strip().startswith("*")}
        for line in post.get("items", "").splitlines()
        if line.strip()
    ]
    services.create_campaign(
        actor=actor,
        client_id=post.get("client_id", ""),
        title=post.get("title", ""),
        kind=post.get("kind", ""),
        grid=grid,
        start_date=_day(post.get("start_date", ""), _("Start date")),
        due_date=_day(post.get("due_date", ""), _("Due date")),
        items=items,
    )


@login_required
@require_http_methods(["GET", "POST"])
def campaigns(request):
    actor = Actor.of(request.user)
    scopes = [s for s in rules.grid_scopes(actor, rules.READ_ROLES) if s] or rules.grid_scopes(actor, rules.READ_ROLES)
    if not scopes:
        return refuse(request, _("Campaigns are for staff with a grid post."), 403)
    admin_scopes = rules.campaign_scopes(actor)
    error, values, status = "", {}, 200
    if request.method == "POST":
        values = {k: request.POST.get(k, "") for k in ("title", "kind", "grid", "start_date", "due_date")}
        values["checklist"] = request.POST.get("items", "")  # not "items": a template reads dict.items first
        try:
            _create(actor, request.POST)
        except GridgovError as exc:
            error, status = exc.message, exc.status
        else:
            messages.success(request, _("The campaign is saved as a draft: start it to push it to the grids."))
            return redirect("web:console-campaigns")
    today = timezone.localdate()
    region = _region(actor)
    context = {
        "campaigns": list(selectors.campaigns(actor)),
        "overdue": _overdue(selectors.overdue(actor, on=today)),
        "ranking": selectors.street_ranking(region=region),
        "region": region,
        "kinds": Kind.choices,
        "admin_scopes": admin_scopes,
        "values": {"client_id": str(uuid.uuid4()), "start_date": today.isoformat(), **values},
        "error": error,
    }
    return render(request, "campaigns/console_list.html", context, status=status)


def _overdue(rows: list[dict]) -> list[dict]:
    """The overdue grids, or per street when there are many (a district leader's page stays short)."""
    for row in rows:
        row["grids"] = 1
    if len(rows) <= MAX_OVERDUE_ROWS:
        return rows
    streets: dict[tuple[int, str], dict] = {}
    for row in rows:
        key = (row["campaign"], row["grid"][:9])
        acc = streets.setdefault(key, {**row, "grid": key[1], "grids": 0, "done": 0, "items": 0})
        acc["grids"] += 1
        acc["done"] += row["done"]
        acc["items"] += row["items"]
    names = dict(Grid.objects.filter(code__in=[k[1] for k in streets]).values_list("code", "name"))
    return [{**acc, "name": names.get(acc["grid"], "")} for acc in streets.values()]


def _map(progress: dict, area: str) -> dict:
    """The shapes to colour by progress: the 三级网格 when they span few communities, else the communities
    when they span few streets, else the streets (one GeoJSON request per parent: keep them few)."""
    for rows in (progress["grids"], progress["communities"], progress["streets"]):
        parents = sorted({r["grid"][:-3] for r in rows})
        if len(parents) <= MAX_MAP_PARENTS:
            break
    return {
        "geojson": reverse("api-v1:grid_geojson"),
        "parents": parents,
        "area": area,
        "coverage": {r["grid"]: r["rate"] for r in rows},
    }


@login_required
@require_http_methods(["GET", "POST"])
def campaign_page(request, campaign_id: int):
    actor = Actor.of(request.user)
    try:
        campaign = selectors.campaign(actor, campaign_id)
        if request.method == "POST":
            action = request.POST.get("action")
            if action == "start":
                services.start_campaign(actor=actor, campaign=campaign)
                messages.success(request, _("The campaign is pushed to its grids."))
            elif action == "close":
                services.close_campaign(actor=actor, campaign=campaign)
                messages.success(request, _("The campaign is closed."))
            return redirect("web:console-campaign", campaign_id=campaign.pk)
        grid = request.GET.get("grid", "").strip()[:18] or None
        progress = selectors.progress(actor, campaign, grid=grid)
    except GridgovError as exc:
        return refuse(request, exc.message, exc.status)
    may_run = rules.may_run_campaigns(actor, campaign.grid.code)
    context = {
        "campaign": campaign,
        "progress": progress,
        "grid": grid or "",
        "may_run": may_run,
        "config": _map(progress, grid or campaign.grid.code),
        "strings": {"loadFailed": _("The map could not be loaded."), "coverage": _("Items done")},
    }
    return render(request, "campaigns/console_campaign.html", context)
