"""Pages of the party layer (党建): the console for grid leaders and readers (/console/party/) with the forms
to open and close a call and record hours, and the member's 报到 button on 我的工作台 (/party/calls/{id}/answer/).

They translate only: the services and selectors check the person's posts (party/rules.py); their errors
come back as the page with the message and its status (403, 404, 409 …).
"""

from __future__ import annotations

from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from gridgov.core.errors import BadInput, GridgovError, NotFound
from gridgov.grids.models import Grid
from gridgov.party import selectors, services
from gridgov.party.models import WhistleAnswer, WhistleCall
from gridgov.party.rules import manage_scopes, read_scopes
from gridgov.people.actors import Actor

MAX_ROWS = 200


def _refuse(request, message: str, status: int):
    return render(request, "party/refused.html", {"message": message, "status": status}, status=status)


def _areas(actor: Actor) -> list[str]:
    """The grid subtrees the person reads, as codes (an administrator's: the scopes of their posts)."""
    scopes = read_scopes(actor)
    if scopes == [""]:
        scopes = [s for _, s in actor.posts if s and not s.startswith("D")] or list(
            Grid.objects.filter(level=0, valid_to__isnull=True).values_list("code", flat=True)[:1]
        )
    return scopes


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def _with_percent(coverage: dict) -> dict:
    for row in [coverage, *coverage["grids"]]:
        row["percent"] = _percent(row["coverage"])
    return coverage


def _context(actor: Actor, grid: str) -> dict:
    today = timezone.localdate()
    start = today.replace(day=1)
    manages = any(grid.startswith(s) for s in manage_scopes(actor))
    call_grids = (
        list(
            Grid.objects.filter(code__startswith=grid, level__in=(2, 3), valid_to__isnull=True)
            .order_by("code")
            .values_list("code", "name")[:MAX_ROWS]
        )
        if manages
        else []
    )
    return {
        "grid": grid,
        "areas": _areas(actor),
        "groups": selectors.groups(actor, grid=grid),
        "members": [selectors.member_row(m) for m in selectors.members(actor, grid=grid)[:MAX_ROWS]],
        "coverage": _with_percent(selectors.liaison_coverage(actor, grid=grid)),
        "calls": [selectors.call_row(c) for c in selectors.calls(actor, grid=grid)[:MAX_ROWS]],
        "hours": selectors.hours_by_grid(actor, grid=grid, start=start, end=today),
        "month": f"{start:%Y-%m}",
        "manages": manages,
        "call_grids": call_grids,
        "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    }


@login_required
@never_cache
@require_GET
def console(request):
    """网格党建: groups, members (phones masked), liaison coverage, calls with answers and hours."""
    actor = Actor.of(request.user)
    areas = _areas(actor)
    if not areas:
        return _refuse(request, gettext("Party work is for grid leaders, grid workers, leaders and auditors."), 403)
    grid = request.GET.get("grid", "").strip()[:18] or areas[0]
    try:
        context = _context(actor, grid)
    except GridgovError as exc:
        return _refuse(request, exc.message, exc.status)
    return render(request, "party/console.html", context)


def _back(grid: str):
    return redirect(f"{reverse('party:console')}?grid={grid}")


def _failed(request, actor: Actor, grid: str, exc: GridgovError):
    try:
        context = _context(actor, grid)
    except GridgovError:
        return _refuse(request, exc.message, exc.status)
    return render(request, "party/console.html", {**context, "error": exc.message}, status=exc.status)


@login_required
@require_POST
def open_call(request):
    actor = Actor.of(request.user)
    area = request.POST.get("area", "").strip()[:18]
    try:
        grid = Grid.objects.filter(code=request.POST.get("grid", "").strip()[:18], valid_to__isnull=True).first()
        if grid is None:
            raise NotFound(gettext("choose the grid that calls"))
        try:
            starts = timezone.make_aware(datetime.fromisoformat(request.POST.get("starts_at", "")))
            people = int(request.POST.get("people_needed", ""))
        except ValueError:
            raise BadInput(gettext("give the time of the task and the number of people needed")) from None
        services.open_call(
            actor=actor,
            grid=grid,
            title=request.POST.get("title", ""),
            task=request.POST.get("task", ""),
            place=request.POST.get("place", ""),
            starts_at=starts,
            people_needed=people,
        )
    except GridgovError as exc:
        return _failed(request, actor, area or (_areas(actor) or [""])[0], exc)
    return _back(area or grid.code)


@login_required
@require_POST
def close_call(request, pk: int):
    actor = Actor.of(request.user)
    area = request.POST.get("area", "").strip()[:18]
    try:
        call = WhistleCall.objects.select_related("grid").filter(pk=pk).first()
        if call is None:
            raise NotFound(gettext("no such call"))
        services.close_call(actor=actor, call=call)
    except GridgovError as exc:
        return _failed(request, actor, area, exc)
    return _back(area)


@login_required
@require_POST
def record_hours(request, pk: int):
    actor = Actor.of(request.user)
    area = request.POST.get("area", "").strip()[:18]
    try:
        answer = WhistleAnswer.objects.select_related("call__grid").filter(pk=pk).first()
        if answer is None:
            raise NotFound(gettext("no such answer"))
        services.record_hours(actor=actor, answer=answer, hours=request.POST.get("hours", ""))
    except GridgovError as exc:
        return _failed(request, actor, area, exc)
    return _back(area)


@login_required
@require_POST
def answer(request, pk: int):
    """报到 from 我的工作台: back to it, the call marked answered."""
    actor = Actor.of(request.user)
    try:
        call = WhistleCall.objects.select_related("grid").filter(pk=pk).first()
        if call is None:
            raise NotFound(gettext("no such call in your community"))
        services.answer_call(actor=actor, call=call)
    except GridgovError as exc:
        return _refuse(request, exc.message, exc.status)
    return redirect(reverse("web:home") + "#party-calls")
