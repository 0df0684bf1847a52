"""Pages of deliberation (三段式决策): the staff page /deliberation/ — matters in the person's grids, each with
its stages as a step indicator and the form for the stage that comes next — and the public page of a matter
/deliberation/matters/{id}/ with the opinion form while opinions are collected and the two publications.

They translate only: services and selectors check the person's posts (rules.py); their errors come back as
the page with the message and its status (400, 403, 404, 409, 429).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from gridgov.core.errors import BadInput, GridgovError, NotFound
from gridgov.core.throttle import client_address
from gridgov.core.timefmt import parse_local
from gridgov.deliberation import selectors, services
from gridgov.deliberation.rules import read_scopes, run_scopes
from gridgov.grids.models import Grid, Level
from gridgov.people.actors import Actor

MAX_ROWS = 100


def _communities(actor: Actor) -> list[tuple[str, str]]:
    """The communities and villages the person may open matters in."""
    scopes = run_scopes(actor)
    if not scopes:
        return []
    grids = Grid.objects.filter(level=Level.COMMUNITY, valid_to__isnull=True)
    if "" not in scopes:
        from django.db.models import Q

        q = Q(pk__in=[])
        for s in scopes:
            q |= Q(code__startswith=s)
        grids = grids.filter(q)
    return list(grids.order_by("code").values_list("code", "name")[:MAX_ROWS])


def _context(actor: Actor) -> dict:
    runs = run_scopes(actor)
    rows = []
    for m in selectors.matters(actor)[:MAX_ROWS]:
        rows.append(
            {
                "m": m,
                "row": selectors.matter_row(m),
                "steps": selectors.steps(m),
                "runs": "" in runs or any(m.grid.code.startswith(s) for s in runs),
            }
        )
    return {
        "matters": rows,
        "communities": _communities(actor),
        "today": timezone.localdate().isoformat(),
        "in_a_week": (timezone.localtime() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M"),
        "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    }


def _page(request, actor: Actor, error: GridgovError | None = None):
    context = _context(actor)
    if error is not None:
        context["error"] = error.message
    return render(request, "deliberation/staff.html", context, status=error.status if error else 200)


@login_required
@never_cache
@require_GET
def staff(request):
    """议事决策: the matters of the person's communities and villages."""
    actor = Actor.of(request.user)
    if not read_scopes(actor):
        message = gettext("Deliberation is for the grid leaders of communities and villages, and leaders.")
        return render(request, "deliberation/staff.html", {"refusal": message}, status=403)
    return _page(request, actor)


def _matter(actor: Actor, pk: int):
    return selectors.matter_for(actor, pk)


def _int(value: str, what: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise BadInput(gettext("%(what)s must be a whole number") % {"what": what}) from None


def _when(value: str) -> datetime:
    moment = parse_local(value)
    if moment is None:
        raise BadInput(gettext("give a date and time"))
    return moment


def _act(request, do):
    actor = Actor.of(request.user)
    try:
        do(actor, request.POST)
    except GridgovError as exc:
        return _page(request, actor, exc)
    return redirect(reverse("deliberation:staff"))


@login_required
@require_POST
def open_matter(request):
    def do(actor, post):
        grid = Grid.objects.filter(code=post.get("grid", "").strip()[:12], valid_to__isnull=True).first()
        if grid is None:
            raise NotFound(gettext("choose the community or village"))
        services.open_matter(
            actor=actor, grid=grid, title=post.get("title", ""), description=post.get("description", "")
        )

    return _act(request, do)


@login_required
@require_POST
def opinions(request, pk: int, action: str):
    def do(actor, post):
        matter = _matter(actor, pk)
        if action == "open":
            services.open_opinions(actor=actor, matter=matter, until=_when(post.get("until", "")))
        else:
            services.close_opinions(actor=actor, matter=matter)

    return _act(request, do)


@login_required
@require_POST
def record_round(request, pk: int):
    def do(actor, post):
        try:
            held_on = date.fromisoformat(post.get("held_on", ""))
        except ValueError:
            raise BadInput(gettext("give the date of the meeting")) from None
        services.record_round(
            actor=actor,
            matter=_matter(actor, pk),
            stage=post.get("stage", ""),
            held_on=held_on,
            body=post.get("body", ""),
            minutes=post.get("minutes", ""),
            expected=_int(post.get("expected"), gettext("those expected")),
            present=_int(post.get("present"), gettext("those present")),
            present_names=post.get("present_names", ""),
            votes_for=_int(post.get("votes_for"), gettext("votes for")),
            votes_against=_int(post.get("votes_against") or 0, gettext("votes against")),
            votes_abstain=_int(post.get("votes_abstain") or 0, gettext("abstentions")),
        )

    return _act(request, do)


@login_required
@require_POST
def publish(request, pk: int, kind: str):
    def do(actor, post):
        act = services.publish_decision if kind == "decision" else services.publish_result
        at = _when(post["published_at"]) if post.get("published_at") else None
        act(
            actor=actor,
            matter=_matter(actor, pk),
            text=post.get("text", ""),
            place=post.get("place", ""),
            published_at=at,
        )

    return _act(request, do)


@never_cache
@require_http_methods(["GET", "POST"])
def public(request, pk: int):
    """The public page of a matter: its stages, the opinion form while opinions are collected, the two
    publications. No minutes or names of those present: those are for the staff."""
    try:
        matter = selectors.public_matter(pk)
    except NotFound as exc:
        return render(request, "deliberation/public.html", {"error": exc.message}, status=404)
    context: dict = {}
    status = 200
    if request.method == "POST":
        try:
            opinion = services.record_opinion(
                matter=matter,
                text=request.POST.get("text", ""),
                name=request.POST.get("name", ""),
                phone=request.POST.get("phone", ""),
                client=client_address(request),
            )
            context["thanks"] = opinion
            matter = selectors.public_matter(pk)
        except GridgovError as exc:
            context |= {"error": exc.message, "typed": request.POST}
            status = exc.status
    context |= {"matter": matter, "row": selectors.matter_row(matter, public=True), "steps": selectors.steps(matter)}
    response = render(request, "deliberation/public.html", context, status=status)
    if status == 429:
        response["Retry-After"] = "60"
    return response
