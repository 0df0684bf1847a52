"""Reads of the party layer (党建), scoped to the actor (party/rules.py); members' phones only masked."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Count, Q, Sum
from django.utils import timezone

from gridgov.core.timefmt import day_start, local_minute
from gridgov.party.models import (
    CallStatus,
    LiaisonLink,
    PartyGroup,
    PartyMember,
    Registration,
    WhistleAnswer,
    WhistleCall,
)
from gridgov.party.rules import community_of, may_answer, read_scopes, require_read, under
from gridgov.people.actors import Actor
from gridgov.people.models import Post, PostKind, in_force
from gridgov.registry.models import Household

ZERO = Decimal("0.0")


def _period(start: date, end: date) -> Q:
    """Calls that began on the local days start … end (end inclusive)."""
    return Q(call__starts_at__gte=day_start(start), call__starts_at__lt=day_start(end + timedelta(days=1)))


def member_row(m: PartyMember) -> dict:
    return {
        "id": m.pk,
        "name": m.name,
        "grid": m.grid.code,
        "group": m.group_id,
        "kind": m.kind,
        "kind_name": m.get_kind_display(),
        "employer": m.employer,
        "phone": m.phone_masked,  # never the full number
        "joined_on": m.joined_on,
        "active": m.active,
        "account": bool(m.user_id),
    }


def groups(actor: Actor, *, grid: str) -> list[dict]:
    require_read(actor, grid)
    rows = (
        PartyGroup.objects.filter(grid__code__startswith=grid)
        .select_related("grid", "leader")
        .annotate(n=Count("members", filter=Q(members__active=True)))
    )
    return [
        {
            "id": g.pk,
            "grid": g.grid.code,
            "grid_name": g.grid.name,
            "name": g.name,
            "leader": g.leader.name if g.leader else None,
            "members": g.n,
            "created_on": g.created_on,
        }
        for g in rows
    ]


def members(actor: Actor, *, grid: str | None = None):
    """Members in the actor's read scope (under `grid` when given)."""
    if grid:
        require_read(actor, grid)
    qs = PartyMember.objects.filter(under("grid__code", read_scopes(actor))).select_related("grid")
    return qs.filter(grid__code__startswith=grid) if grid else qs


def liaison_coverage(actor: Actor, *, grid: str) -> dict:
    """联户覆盖率: the share of active households of each grid under `grid` that have a liaison member."""
    require_read(actor, grid)
    households = Household.objects.filter(active=True, grid__code__startswith=grid)
    totals = dict(households.values("grid__code").annotate(n=Count("id")).values_list("grid__code", "n"))
    linked = dict(
        LiaisonLink.objects.filter(
            end_date__isnull=True, household__active=True, household__grid__code__startswith=grid
        )
        .values("household__grid__code")
        .annotate(n=Count("household", distinct=True))
        .values_list("household__grid__code", "n")
    )

    def share(n: int, total: int) -> float | None:
        return round(n / total, 4) if total else None

    rows = [
        {"grid": code, "households": n, "linked": linked.get(code, 0), "coverage": share(linked.get(code, 0), n)}
        for code, n in sorted(totals.items())
    ]
    total, done = sum(totals.values()), sum(linked.values())
    return {"grid": grid, "households": total, "linked": done, "coverage": share(done, total), "grids": rows}


def calls(actor: Actor, *, grid: str, status: str | None = None):
    require_read(actor, grid)
    qs = WhistleCall.objects.filter(grid__code__startswith=grid).select_related("grid", "case")
    qs = qs.prefetch_related("answers__member")
    return qs.filter(status=status) if status else qs


def call_row(c: WhistleCall, *, answers: bool = True) -> dict:
    row = {
        "id": c.pk,
        "grid": c.grid.code,
        "grid_name": c.grid.name,
        "title": c.title,
        "task": c.task,
        "place": c.place,
        "starts_at": timezone.localtime(c.starts_at).isoformat(),
        "starts": local_minute(c.starts_at),  # as pages show it
        "people_needed": c.people_needed,
        "case": c.case.number if c.case_id else None,
        "status": c.status,
    }
    if answers:
        row["answers"] = [
            {
                "id": a.pk,
                "member": a.member.name,
                "member_id": a.member_id,
                "answered_at": timezone.localtime(a.answered_at).isoformat(),
                "answered": local_minute(a.answered_at),
                "hours": a.hours,
            }
            for a in c.answers.all()
        ]
    return row


def member_hours(member: PartyMember, *, start: date, end: date) -> Decimal:
    """The hours recorded for a member's answers to calls that began on the days start … end."""
    total = member.answers.filter(_period(start, end), hours__isnull=False).aggregate(h=Sum("hours"))["h"]
    return Decimal(total or ZERO)


def hours_by_grid(actor: Actor, *, grid: str, start: date, end: date) -> list[dict]:
    """Hours per calling grid (and answers, calls) over calls that began on the days start … end."""
    require_read(actor, grid)
    rows = (
        WhistleAnswer.objects.filter(_period(start, end), call__grid__code__startswith=grid)
        .values("call__grid__code")
        .annotate(
            calls=Count("call", distinct=True),
            answers=Count("id"),
            hours=Sum("hours"),
        )
        .order_by("call__grid__code")
    )
    return [
        {"grid": r["call__grid__code"], "calls": r["calls"], "answers": r["answers"], "hours": r["hours"] or ZERO}
        for r in rows
    ]


def member_of_user(user) -> PartyMember | None:
    if user is None or not getattr(user, "pk", None):
        return None
    return PartyMember.objects.filter(user=user, active=True).select_related("grid").first()


def liaison_communities(user) -> list[str]:
    """The communities of the person's 联户党员 posts in force (a post above a community: its subtree)."""
    scopes = Post.objects.filter(in_force(), user=user, kind=PostKind.PARTY_LIAISON).values_list("scope", flat=True)
    return sorted({community_of(s) for s in scopes if s and not s.startswith("D")})


def open_calls_for(actor: Actor) -> list[dict]:
    """The open calls the signed-in party member may answer (or, with a 联户党员 post only, those of the
    post's community), soonest first, each with `answered` for this member."""
    member = member_of_user(actor.user)
    communities = set(liaison_communities(actor.user)) if actor.user is not None else set()
    reg = None
    if member is not None:
        reg = Registration.objects.filter(member=member, ended_at__isnull=True).select_related("community").first()
        communities.add(community_of(member.grid.code))
        if reg is not None:
            communities.add(reg.community.code)
    if not communities:
        return []
    qs = WhistleCall.objects.filter(under("grid__code", sorted(communities)), status=CallStatus.OPEN)
    qs = qs.select_related("grid", "case").annotate(n=Count("answers")).order_by("starts_at", "id")
    mine = set(member.answers.values_list("call_id", flat=True)) if member else set()
    out = []
    for c in qs[:50]:
        row = call_row(c, answers=False)
        can = member is not None and may_answer(
            kind=member.kind,
            home_grid=member.grid.code,
            registered_in=reg and reg.community.code,
            call_grid=c.grid.code,
        )
        row.update(answered=c.pk in mine, answers=c.n, may_answer=can and c.n < c.people_needed)
        out.append(row)
    return out


def linked_households(member: PartyMember) -> list[dict]:
    """The member's households in touch (联户): the address, and the residents by their masked names only."""
    links = (
        LiaisonLink.objects.filter(member=member, end_date__isnull=True)
        .select_related("household__address", "household__grid")
        .prefetch_related("household__residents")
        .order_by("household__address__full_text")
    )
    return [
        {
            "household": link.household_id,
            "address": link.household.address.full_text,
            "grid": link.household.grid.code,
            "size": link.household.size,
            "residents": [r.name_masked for r in link.household.residents.all() if r.active],
            "since": link.start_date,
        }
        for link in links
    ]


def home_section(actor: Actor, *, on: date | None = None) -> dict | None:
    """The party member's part of 我的工作台: who they are (phone masked), their households, the open calls
    they may answer and their hours this month and in all; None for a person who is no party member."""
    member = member_of_user(actor.user)
    if member is None and not (actor.user is not None and liaison_communities(actor.user)):
        return None
    on = on or timezone.localdate()
    hours = None
    if member is not None:
        hours = {
            "month": member_hours(member, start=on.replace(day=1), end=on),
            "all": member_hours(member, start=date(2000, 1, 1), end=on),
        }
    return {
        "member": member_row(member) if member else None,
        "households": linked_households(member) if member else [],
        "calls": open_calls_for(actor),
        "hours": hours,
    }


def figures(*, area: str, start: date, end: date) -> dict:
    """网格吹哨 under `area`: calls that began on the local days start … end, the answers and the hours confirmed."""
    calls = WhistleCall.objects.filter(grid__code__startswith=area, starts_at__gte=day_start(start)).filter(
        starts_at__lt=day_start(end + timedelta(days=1))
    )
    answers = WhistleAnswer.objects.filter(call__in=calls)
    return {
        "calls": calls.count(),
        "answers": answers.count(),
        "hours": str(answers.aggregate(h=Sum("hours"))["h"] or ZERO),
        "members": PartyMember.objects.filter(grid__code__startswith=area).count(),
    }
