"""Pages of dispute mediation: the mediator's list (/mediation/), one dispute with its actions (session,
agreement, extension, referral, hearing) and the printable 调解协议书. They translate only: services and
selectors scope everything; parties are shown masked."""

from __future__ import annotations

from datetime import date, datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_date
from django.utils.translation import gettext
from django.views.decorators.http import require_GET, require_http_methods

from gridgov.core.errors import BadInput, Conflict, Forbidden, NotFound
from gridgov.core.timefmt import parse_local
from gridgov.mediation import rules, selectors, services
from gridgov.mediation import teams as team_services
from gridgov.mediation.models import Agreement, Domain, MemberRole, TeamKind
from gridgov.people.actors import Actor

MAX_ROWS = 200


@login_required
@require_http_methods(["GET", "POST"])
def dispute_list(request):
    """The disputes of my teams and area; POST: take in a walk-in dispute (来访受理) and open its page."""
    actor = Actor.of(request.user)
    error, status = "", 200
    if request.method == "POST":
        post = request.POST
        try:
            d = services.open_dispute(
                actor=actor,
                dispute_class=int(post.get("class")) if str(post.get("class", "")).isdigit() else 0,
                domain=post.get("domain", ""),
                title=post.get("title", ""),
                description=post.get("description", ""),
                grid_code=post.get("grid", "").strip(),
                case_number=post.get("case", "").strip() or None,
                parties=[
                    {"role": role, "name": post.get(f"{role}_name", ""), "phone": post.get(f"{role}_phone", "")}
                    for role in ("applicant", "respondent")
                ],
            )
            return redirect("mediation:dispute", number=d.number)
        except (BadInput, Conflict, Forbidden, NotFound) as exc:
            error = str(exc)
            status = exc.status  # the refusal carries its HTTP status
    now = timezone.now()
    rows = [selectors.dispute_row(d, at=now) for d in selectors.disputes(actor)[:MAX_ROWS]]
    context = {
        "running": [r for r in rows if r["status"] in rules.OPEN_STATUSES],
        "done": [r for r in rows if r["status"] not in rules.OPEN_STATUSES],
        "now": now,
        "may_open": bool(actor.roles & set(rules.OPEN_ROLES)) or actor.is_admin,
        "error": error,
        "form": request.POST if error else {},
    }
    return render(request, "mediation/list.html", context, status=status)


def _when(raw: str) -> datetime:
    value = parse_local(raw)
    if value is None:
        raise BadInput(gettext("give the date and time, like 2026-12-07 09:30"))
    return value


def _day(raw: str) -> date:
    value = parse_date(raw or "")
    if value is None:
        raise BadInput(gettext("give the date, like 2026-12-07"))
    return value


def _act(actor: Actor, number: str, post) -> None:
    action = post.get("action")
    if action == "session":
        services.record_session(
            actor=actor,
            number=number,
            at=_when(post.get("at")),
            place=post.get("place", ""),
            attendees=post.get("attendees", ""),
            notes=post.get("notes", ""),
        )
    elif action == "agreement":
        services.record_agreement(
            actor=actor, number=number, terms=post.get("terms", ""), signed_on=_day(post.get("signed_on"))
        )
    elif action == "extension":
        services.extend(
            actor=actor,
            number=number,
            applicant_consents=post.get("applicant") == "on",
            respondent_consents=post.get("respondent") == "on",
            reason=post.get("reason", ""),
        )
    elif action == "referral":
        team = post.get("to_team") or None
        services.refer(
            actor=actor,
            number=number,
            reason=post.get("reason", ""),
            to_team=int(team) if team and team.isdigit() else None,
            to_unit=post.get("to_unit") or None,
        )
    elif action == "hearing":
        services.schedule_hearing(
            actor=actor,
            number=number,
            at=_when(post.get("at")),
            place=post.get("place", ""),
            court=post.get("court", ""),
        )
    elif action == "fail":
        services.fail(actor=actor, number=number, reason=post.get("reason", ""))
    elif action == "close":
        services.close(actor=actor, number=number, note=post.get("note", ""))
    else:
        raise BadInput(gettext("unknown action"))


@login_required
@require_http_methods(["GET", "POST"])
def dispute_page(request, number: str):
    actor = Actor.of(request.user)
    error, status = "", 200
    if request.method == "POST":
        try:
            _act(actor, number, request.POST)
            return redirect("mediation:dispute", number=number)
        except NotFound:
            raise Http404 from None
        except (BadInput, Conflict, Forbidden) as exc:
            error, status = str(exc), 403 if isinstance(exc, Forbidden) else 400 if isinstance(exc, BadInput) else 409
    try:
        d = selectors.dispute(actor, number)
    except NotFound:
        raise Http404 from None
    context = {
        "d": selectors.dispute_row(d, detail=True),
        "may_act": rules.may_act(actor, d),
        "running": d.status in rules.OPEN_STATUSES,
        "error": error,
        "today": timezone.localdate(),
    }
    return render(request, "mediation/dispute.html", context, status=status)


@login_required
@require_GET
def agreement_page(request, number: str):
    """调解协议书 as a printable document: the parties' names masked, as on every page."""
    actor = Actor.of(request.user)
    try:
        d = selectors.dispute(actor, number)
    except NotFound:
        raise Http404 from None
    agreement = Agreement.objects.select_related("team").filter(dispute=d).first()
    if agreement is None:
        raise Http404
    return render(request, "mediation/agreement.html", {"d": selectors.dispute_row(d, detail=True), "a": agreement})


@login_required
@require_http_methods(["GET", "POST"])
def team_list(request):
    """调解组织: the teams over my area and their members; POST sets a team up or adds a member (admins and the
    area's mediators; the services refuse others with 403)."""
    actor = Actor.of(request.user)
    error, status = "", 200
    if request.method == "POST":
        post = request.POST
        try:
            if post.get("team", "").isdigit():
                team = next((t for t in selectors.teams(actor) if t.pk == int(post["team"])), None)
                if team is None:
                    raise NotFound(gettext("no such mediation team in your area"))
                team_services.add_member(
                    actor=actor, team=team, username=post.get("username", "").strip(), role=post.get("role", "")
                )
            else:
                team_services.create_team(
                    actor=actor,
                    name=post.get("name", "").strip(),
                    code=post.get("code", "").strip(),
                    kind=post.get("kind", ""),
                    domain=post.get("domain", ""),
                    short_name=post.get("short_name", "").strip(),
                )
            return redirect("mediation:teams")
        except (BadInput, Conflict, Forbidden, NotFound) as exc:
            error = str(exc)
            status = exc.status  # the refusal carries its HTTP status
    context = {
        "teams": [selectors.team_row(t) for t in selectors.teams(actor)],
        "may_set_up": actor.is_admin or "mediator" in actor.roles,
        "kinds": TeamKind.choices,
        "domains": Domain.choices,
        "member_roles": MemberRole.choices,
        "labels": {**dict(TeamKind.choices), **dict(Domain.choices), **dict(MemberRole.choices)},
        "error": error,
        "form": request.POST if error else {},
    }
    return render(request, "mediation/teams.html", context, status=status)
