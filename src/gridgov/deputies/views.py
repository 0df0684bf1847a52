"""Pages of 人大代表进网格: the deputy's page (/deputies/: my grids' needs, collect one, my stations' reception
days, my suggestions; a unit's handlers reply there), one need with its actions (claim, settle, turn into a
case, escalate, record the rating), and the 人大 office's figures (/deputies/office/). They translate only."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from gridgov.core.errors import BadInput, Conflict, Forbidden, GridgovError, NotFound
from gridgov.deputies import office, receptions, rules, selectors, services, suggestions
from gridgov.deputies.models import LiaisonStation, Status, Suggestion
from gridgov.people.actors import Actor
from gridgov.people.models import Unit

MAX_ROWS = 200
STATUS_OF = {BadInput: 400, Forbidden: 403, NotFound: 404, Conflict: 409}


def _status(exc: GridgovError) -> int:
    return STATUS_OF.get(type(exc), 400)


def _home_act(actor: Actor, post) -> str | None:
    """The list page's forms; returns the need to open, if any."""
    action = post.get("action")
    if action == "collect":
        n = services.collect_need(
            actor=actor,
            grid_code=post.get("grid", "").strip(),
            text=post.get("text", ""),
            source=post.get("source", "resident"),
            category=post.get("category", ""),
            name=post.get("name", ""),
            phone=post.get("phone", ""),
            client_id=post.get("client_id") or None,
        )
        return n.number
    if action == "raise":
        n = receptions.raise_at_reception(
            actor=actor,
            reception_id=int(post.get("reception", "0") or 0),
            text=post.get("text", ""),
            name=post.get("name", ""),
            phone=post.get("phone", ""),
        )
        return n.number
    if action == "suggest":
        suggestions.file(
            actor=actor, unit_code=post.get("unit", ""), title=post.get("title", ""), text=post.get("text", "")
        )
    elif action == "reply":
        suggestions.reply(
            actor=actor, number=post.get("number", ""), reply=post.get("reply", ""), adoption=post.get("adoption", "")
        )
    elif action == "rate_reply":
        suggestions.rate(actor=actor, number=post.get("number", ""), rating=post.get("rating", ""))
    else:
        raise BadInput(gettext("unknown action"))
    return None


@login_required
@require_http_methods(["GET", "POST"])
def home(request):
    actor = Actor.of(request.user)
    error, status = "", 200
    if request.method == "POST":
        try:
            opened = _home_act(actor, request.POST)
            return redirect("deputies:need", number=opened) if opened else redirect("deputies:home")
        except GridgovError as exc:
            error, status = exc.message, _status(exc)
    rows = [selectors.need_row(n, actor=actor) for n in selectors.needs(actor)[:MAX_ROWS]]
    uid = request.user.pk
    stations = (
        LiaisonStation.objects.filter(deputies=request.user).select_related("grid").prefetch_related("receptions")
    )
    context = {
        "open": [r for r in rows if r["status"] == Status.COLLECTED],
        "mine": [r for r in rows if r["status"] in (Status.CLAIMED, Status.CASE) and r["deputy_id"] == uid],
        "others": [r for r in rows if r["status"] in (Status.CLAIMED, Status.CASE) and r["deputy_id"] != uid],
        "done": [r for r in rows if r["status"] in ("closed", "rated")],
        "level": rules.level_of(request.user) if "deputy" in actor.roles else None,
        "stations": stations,
        "suggestions": Suggestion.objects.select_related("unit").filter(suggestions.visible(actor))[:MAX_ROWS],
        "units": Unit.objects.filter(active=True).order_by("code") if "deputy" in actor.roles else [],
        "uid": uid,
        "handler_units": actor.scopes("department_handler"),
        "is_deputy": "deputy" in actor.roles,
        "error": error,
        "today": timezone.localdate(),
    }
    return render(request, "deputies/home.html", context, status=status)


def _act(actor: Actor, number: str, post) -> None:
    action = post.get("action")
    if action == "claim":
        services.claim(actor=actor, number=number)
    elif action == "settle":
        services.settle(actor=actor, number=number, result=post.get("result", ""))
    elif action == "case":
        services.to_case(
            actor=actor,
            number=number,
            title=post.get("title", ""),
            category=post.get("category") or None,
            address=post.get("address", ""),
        )
    elif action == "escalate":
        services.escalate(actor=actor, number=number, reason=post.get("reason", ""))
    elif action == "rate":
        services.rate(actor=actor, number=number, rating=post.get("rating", ""))
    else:
        raise BadInput(gettext("unknown action"))


@login_required
@require_http_methods(["GET", "POST"])
def need_page(request, number: str):
    actor = Actor.of(request.user)
    error, status = "", 200
    if request.method == "POST":
        try:
            _act(actor, number, request.POST)
            return redirect("deputies:need", number=number)
        except NotFound:
            raise Http404 from None
        except GridgovError as exc:
            error, status = exc.message, _status(exc)
    try:
        n = selectors.need(actor, number)
    except NotFound:
        raise Http404 from None
    row = selectors.need_row(n, actor=actor, detail=True)
    context = {
        "n": row,
        "may_rate": row["status"] == "closed" and n.deputy_id == request.user.pk,
        "error": error,
    }
    return render(request, "deputies/need.html", context, status=status)


@login_required
@require_GET
def office_page(request):
    actor = Actor.of(request.user)
    scopes = [s for r, s in actor.posts if r in ("leader", "admin", "deputy") and not s.startswith("D")]
    area = request.GET.get("area") or (scopes[0] if scopes else "")
    month = request.GET.get("month") or timezone.localdate().strftime("%Y-%m")
    try:
        figures = office.office(actor, area=area, month=month)
    except GridgovError as exc:
        return render(
            request, "deputies/office.html", {"error": exc.message, "area": area, "month": month}, status=_status(exc)
        )
    return render(request, "deputies/office.html", {"f": figures, "area": area, "month": month})
