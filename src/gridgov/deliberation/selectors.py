"""Reads of deliberation: the staff's matters (scoped by rules.readable), a matter's steps for the step
indicator, the public view of a matter (no minutes, names or personal data) and the board's matters."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.core.errors import NotFound
from gridgov.core.timefmt import day_span, iso
from gridgov.deliberation.models import Matter, Opinion, Publication, PublicationKind, Round, Status
from gridgov.deliberation.procedures import PROCEDURES, ROUND, SOLICIT
from gridgov.deliberation.rules import readable
from gridgov.deliberation.services import opinions_open
from gridgov.people.actors import Actor

BOARD_MATTERS = 10


def _with_parts(qs: QuerySet[Matter]) -> QuerySet[Matter]:
    return qs.select_related("grid").prefetch_related(
        Prefetch("rounds", queryset=Round.objects.order_by("held_on", "id")),
        Prefetch("publications", queryset=Publication.objects.order_by("published_at")),
    )


def matters(actor: Actor, *, grid: str | None = None, status: str | None = None) -> QuerySet[Matter]:
    qs = Matter.objects.filter(readable(actor))
    if grid:
        qs = qs.filter(grid__code__startswith=grid)
    if status:
        qs = qs.filter(status=status)
    return _with_parts(qs)


MAX_ID = 2**63 - 1  # a larger id is no row (and no database takes it as an integer)


def matter_for(actor: Actor, pk: int) -> Matter:
    matter = matters(actor).filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    if matter is None:
        raise NotFound(gettext("no such matter in your grids"))
    return matter


def public_matter(pk: int) -> Matter:
    matter = (
        _with_parts(Matter.objects.exclude(status=Status.WITHDRAWN)).filter(pk=pk).first() if 0 < pk <= MAX_ID else None
    )
    if matter is None:
        raise NotFound(gettext("no such matter: check the link on the grid board"))
    return matter


def steps(matter: Matter) -> list[dict]:
    """Each stage of the matter's procedure: done, next (current) or to come, with its rounds and publication."""
    proc = PROCEDURES[matter.procedure]
    rounds = list(matter.rounds.all())
    pubs = {p.kind: p for p in matter.publications.all()}
    current = proc.index(matter.stage) if matter.stage else len(proc.stages)
    out = []
    for i, stage in enumerate(proc.stages):
        row: dict = {
            "key": stage.key,
            "kind": stage.kind,
            "name": str(stage.name),
            "body": str(stage.body),
            "state": "done" if i < current else ("next" if i == current else "later"),
        }
        if stage.kind == ROUND:
            row["quorum"] = f"{stage.quorum.numerator}/{stage.quorum.denominator}"
            row["rounds"] = [r for r in rounds if r.stage == stage.key]
        elif stage.kind == SOLICIT:
            row["from"], row["until"] = matter.opinions_from, matter.opinions_until
        else:
            row["publication"] = pubs.get(stage.kind)
        out.append(row)
    return out


def round_row(r: Round, *, public: bool) -> dict:
    row = {
        "stage": r.stage,
        "attempt": r.attempt,
        "held_on": r.held_on.isoformat(),
        "body": r.body,
        "expected": r.expected,
        "present": r.present,
        "votes": {"for": r.votes_for, "against": r.votes_against, "abstain": r.votes_abstain},
        "passed": r.passed,
    }
    if not public:
        row |= {"minutes": r.minutes, "present_names": r.present_names}
    return row


def publication_row(p: Publication) -> dict:
    return {
        "kind": p.kind,
        "published_at": iso(p.published_at),
        "published_on": timezone.localdate(p.published_at).isoformat(),
        "text": p.text,
        "place": p.place,
    }


def matter_row(matter: Matter, *, public: bool = False) -> dict:
    proc = PROCEDURES[matter.procedure]
    return {
        "id": matter.pk,
        "title": matter.title,
        "description": matter.description,
        "grid": {"code": matter.grid.code, "name": matter.grid.name},
        "procedure": matter.procedure,
        "procedure_name": str(proc.name),
        "stage": matter.stage or None,
        "stage_name": str(proc.stage(matter.stage).name) if matter.stage else None,
        "status": matter.status,
        "opened_at": iso(matter.opened_at),
        "opinions": {
            "open": opinions_open(matter),
            "from": iso(matter.opinions_from),
            "until": iso(matter.opinions_until),
            **({} if public else {"count": matter.opinions.count()}),
        },
        "rounds": [round_row(r, public=public) for r in matter.rounds.all()],
        "publications": [publication_row(p) for p in matter.publications.all()],
    }


def board_matters(code: str) -> list[dict]:
    """A grid's public matters for its board: those collecting opinions and those whose decision is public,
    newest first, with their two publications (for the grid itself, the communities under it, or the
    community above a smaller grid)."""
    qs = Matter.objects.filter(status__in=[Status.OPEN, Status.DECIDED, Status.DONE])
    qs = qs.filter(grid__code__startswith=code) if len(code) <= 12 else qs.filter(grid__code=code[:12])
    now = timezone.now()
    rows = []
    for m in _with_parts(qs)[: BOARD_MATTERS * 3]:
        if m.status == Status.OPEN and not opinions_open(m, now):
            continue
        rows.append(
            {
                "id": m.pk,
                "title": m.title,
                "grid": m.grid.name,
                "status": m.status,
                "status_name": str(Status(m.status).label),
                "opinions_open": m.status == Status.OPEN,
                "opinions_until": iso(m.opinions_until),
                "publications": [publication_row(p) for p in m.publications.all()],
            }
        )
    return rows[:BOARD_MATTERS]


def opinions(matter: Matter) -> QuerySet[Opinion]:
    return matter.opinions.order_by("at", "id")


def for_resident(resident_id: int, community: str) -> dict:
    """For the resident's own page (我的议事): the public matters of their community (as on its board) and the
    matters they gave an opinion on, with whether its points were credited."""
    given = (
        Opinion.objects.filter(resident_id=resident_id)
        .select_related("matter")
        .order_by("-at", "-id")
        .values_list("matter_id", "matter__title", "matter__status", "at", "credited")
    )
    return {
        "matters": board_matters(community[:12]),
        "opinions": [
            {"matter": pk, "title": title, "status": status, "at": iso(at), "credited": credited}
            for pk, title, status, at, credited in given
        ],
    }


def figures(*, area: str, start: date, end: date) -> dict:
    """Matters of the communities and villages under `area` on the local days start … end: opened, deliberated
    (a round held), decided and implemented (the two publications), and the opinions residents gave."""
    since, until = day_span(start, end)
    under = {"matter__grid__code__startswith": area}
    published = Publication.objects.filter(**under, published_at__gte=since, published_at__lt=until)
    return {
        "opened": Matter.objects.filter(grid__code__startswith=area, opened_at__gte=since, opened_at__lt=until).count(),
        "deliberated": Round.objects.filter(**under, held_on__gte=start, held_on__lte=end)
        .values("matter")
        .distinct()
        .count(),
        "rounds": Round.objects.filter(**under, held_on__gte=start, held_on__lte=end).count(),
        "decided": published.filter(kind=PublicationKind.DECISION).count(),
        "implemented": published.filter(kind=PublicationKind.RESULT).count(),
        "opinions": Opinion.objects.filter(**under, at__gte=since, at__lt=until).count(),
        "open_now": Matter.objects.filter(grid__code__startswith=area, status=Status.OPEN).count(),
    }
