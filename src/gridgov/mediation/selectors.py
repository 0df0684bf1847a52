"""Reads of dispute mediation, scoped by rules.visible (outside it a dispute does not exist: 404)."""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Count, QuerySet
from django.utils import timezone

from gridgov.core.timefmt import day_span
from gridgov.mediation import rules
from gridgov.mediation.models import (
    Dispute,
    DisputeClass,
    Domain,
    Level,
    MediationTeam,
    PartyRole,
    Status,
    TeamMember,
)
from gridgov.people.actors import Actor


def disputes(
    actor: Actor, *, mine: bool = False, status: str | None = None, overdue_at: datetime | None = None
) -> QuerySet[Dispute]:
    """The disputes the actor may read; `mine`: of the teams they belong to; `overdue_at`: past due then."""
    qs = Dispute.objects.filter(rules.visible(actor)).select_related("grid", "team")
    if mine:
        qs = qs.filter(team__in=TeamMember.objects.filter(user=actor.user).values("team"))
    if status:
        qs = qs.filter(status=status)
    if overdue_at is not None:
        qs = qs.filter(status__in=rules.OPEN_STATUSES, due_at__lt=overdue_at)
    return qs.order_by("due_at", "id")


def overdue(actor: Actor, *, at: datetime | None = None) -> QuerySet[Dispute]:
    """逾期: past their due date and not finished, as of `at` (now by default)."""
    return disputes(actor, overdue_at=at or timezone.now())


def dispute(actor: Actor, number: str) -> Dispute:
    found = (
        disputes(actor).prefetch_related("parties", "sessions", "referrals", "hearings").filter(number=number).first()
    )
    if found is None:
        raise rules.not_found()
    return found


def dispute_row(d: Dispute, *, at: datetime | None = None, detail: bool = False) -> dict:
    """A dispute as the API and pages show it: parties masked, never their names or phones in clear."""
    now = at or timezone.now()
    row = {
        "number": d.number,
        "class": d.dispute_class,
        "domain": d.domain,
        "title": d.title,
        "grid": d.grid.code,
        "level": d.level,
        "team": {"id": d.team.pk, "name": d.team.name} if d.team else None,
        "status": d.status,
        "status_name": str(Status(d.status).label),
        "class_name": str(DisputeClass(d.dispute_class).label),
        "domain_name": str(Domain(d.domain).label) if d.domain else "",
        "source": d.source,
        "case": d.case.number if d.case_id and d.case else None,
        "received_at": d.received_at,
        "due_at": d.due_at,
        "extended": d.extended_at is not None,
        "overdue": d.status in rules.OPEN_STATUSES and d.due_at < now,
        "routing": rules.routing_text(d.routing),
        "routing_steps": d.routing,
    }
    if detail:
        agreement = getattr(d, "agreement", None)  # None: no agreement (the reverse one-to-one raises)
        row |= {
            "description": d.description,
            "outcome": d.outcome,
            "parties": [
                {
                    "role": p.role,
                    "role_name": str(PartyRole(p.role).label),
                    "name": p.name_masked,
                    "phone": p.phone_masked,
                }
                for p in d.parties.all()
            ],
            "sessions": [
                {"at": s.at, "place": s.place, "attendees": s.attendees, "notes": s.notes} for s in d.sessions.all()
            ],
            "agreement": {"number": agreement.number, "signed_on": agreement.signed_on, "terms": agreement.terms}
            if agreement
            else None,
            "referrals": [
                {
                    "to_team": r.to_team_id,
                    "to_unit": r.to_unit.code if r.to_unit_id else None,
                    "reason": r.reason,
                    "at": r.at,
                }
                for r in d.referrals.select_related("to_unit")
            ],
            "hearings": [{"at": h.at, "place": h.place, "court": h.court} for h in d.hearings.all()],
        }
    return row


def figures(*, area: str, start: date, end: date) -> dict:
    """Disputes of the grids under `area` received on the local days start … end, by class and by the level of
    the team that took them (三类三级), and how they ended."""
    since, until = day_span(start, end)
    received = Dispute.objects.filter(grid__code__startswith=area, received_at__gte=since, received_at__lt=until)
    table = {str(c): dict.fromkeys(Level.values, 0) for c in DisputeClass.values}
    for cls, level, n in received.values_list("dispute_class", "level").annotate(n=Count("id")):
        if level:
            table[str(cls)][level] += n
    outcome = dict(received.values("status").annotate(n=Count("id")).values_list("status", "n"))
    return {
        "received": received.count(),
        "by_class_and_level": table,
        "by_status": {s: outcome.get(s, 0) for s in Status.values},
        "agreements": received.filter(agreement__isnull=False).count(),
    }


def teams(actor: Actor) -> list[MediationTeam]:
    """Teams an actor may see: all for admins; else those they belong to, those over their area and those
    above it that take its disputes (a district committee for a street's mediators)."""
    every = MediationTeam.objects.prefetch_related("members__user").order_by("code", "kind", "domain")
    if actor.is_admin:
        return list(every)
    mine = set(TeamMember.objects.filter(user=actor.user).values_list("team_id", flat=True)) if actor.user else set()
    scopes = rules.area(actor, rules.ACT_ROLES + rules.READ_ROLES)
    return [t for t in every if t.pk in mine or any(t.code.startswith(s) or s.startswith(t.code) for s in scopes)]


def team_row(team: MediationTeam) -> dict:
    return {
        "id": team.pk,
        "name": team.name,
        "code": team.code,
        "level": team.level,
        "kind": team.kind,
        "domain": team.domain,
        "short_name": team.short_name,
        "members": [
            {"username": m.user.get_username(), "name": m.user.get_full_name(), "role": m.role}
            for m in sorted(team.members.all(), key=lambda m: (m.role, m.user.get_username()))
        ],
    }
