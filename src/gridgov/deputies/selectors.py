"""Reads of the 三单制 loop, scoped by rules.visible (outside it a need does not exist: 404), and 履职积分.

The state a need shows (`state`) follows its case: a need turned into a case whose loop ended (closed,
evaluated, rejected, merged) shows closed even before services.follow_cases has written it.

履职 figures of a deputy over a period [start, end] (local days, both included), redoable by hand:
- visits: the household visits they recorded (gridgov.visits) + the reception days they attended;
- needs_collected: needs they collected (collected_by) in the period;
- tasks_closed: tasks they claimed that closed in the period — settled by them (settled_at), or turned into
  a case whose case closed (case.closed_at) in the period;
- escalations: hops they made; suggestions: filed in the period, with replies adopted/partly/not.
"""

from __future__ import annotations

from collections import Counter as Tally
from datetime import date

from django.db.models import Q, QuerySet

from gridgov.core.timefmt import day_span
from gridgov.deputies import rules
from gridgov.deputies.models import Hop, Level, Need, Rating, Reception, Source, Status, Suggestion
from gridgov.deputies.services import CASE_ENDED
from gridgov.people.actors import Actor
from gridgov.visits.models import Visit


def needs(actor: Actor, *, status: str | None = None, mine: bool = False) -> QuerySet[Need]:
    qs = Need.objects.filter(pk__in=Need.objects.filter(rules.visible(actor)).values("pk"))
    if mine:
        qs = qs.filter(deputy=actor.user)
    if status == "closed":
        qs = qs.filter(Q(status=Status.CLOSED) | Q(status=Status.CASE, case__status__in=CASE_ENDED))
    elif status == "case":
        qs = qs.filter(status=Status.CASE).exclude(case__status__in=CASE_ENDED)
    elif status:
        qs = qs.filter(status=status)
    return qs.select_related("grid", "case", "deputy").order_by("-collected_at", "-id")


def need(actor: Actor, number: str) -> Need:
    found = needs(actor).prefetch_related("hops__from_deputy").filter(number=number).first()
    if found is None:
        raise rules.not_found()
    return found


def state(n: Need) -> str:
    if n.status == Status.CASE and n.case_id and n.case and n.case.status in CASE_ENDED:
        return "closed"
    return n.status


def need_row(n: Need, *, actor: Actor | None = None, detail: bool = False) -> dict:
    """A need as the API and pages show it: the resident masked, never their name or phone in clear."""
    s = state(n)
    row = {
        "number": n.number,
        "grid": n.grid.code,
        "grid_name": n.grid.name,
        "source": n.source,
        "source_name": str(Source(n.source).label),
        "text": n.text,
        "category": n.category,
        "name": n.name_masked,
        "phone": n.phone_masked,
        "level": n.level,
        "level_name": str(Level(n.level).label),
        "status": s,
        "status_name": str(Status(s).label),
        "deputy": n.deputy.get_full_name() or n.deputy.get_username() if n.deputy_id and n.deputy else None,
        "deputy_id": n.deputy_id,
        "case": n.case.number if n.case_id and n.case else None,
        "case_status": n.case.status if n.case_id and n.case else None,
        "result": n.result,
        "rating": n.rating,
        "rating_name": str(Rating(n.rating).label) if n.rating else "",
        "collected_at": n.collected_at,
        "closed_at": n.closed_at or (n.case.closed_at if s == "closed" and n.case_id and n.case else None),
    }
    if actor is not None:
        row |= {
            "may_claim": n.status == Status.COLLECTED and rules.may_claim(actor, n),
            "may_work": n.status == Status.CLAIMED and rules.may_work(actor, n),
        }
    if detail:
        row["hops"] = [
            {
                "from_deputy": h.from_deputy.get_username(),
                "from_level": h.from_level,
                "to_level": h.to_level,
                "reason": h.reason,
                "at": h.at,
            }
            for h in n.hops.all()
        ]
    return row


def my_needs(resident_digest: str) -> list[dict]:
    """The needs filed with this phone (the resident's /my/ page), newest first."""
    if not resident_digest:
        return []
    qs = Need.objects.filter(phone_digest=resident_digest).select_related("grid", "case", "deputy")
    return [need_row(n) for n in qs.order_by("-collected_at", "-id")[:50]]


# ---- 履职积分 -------------------------------------------------------------------------------------------


def duty_many(user_ids: list[int], start: date, end: date) -> dict[int, dict]:
    """Each deputy's 履职 figures over the period (definitions in the module's docstring)."""
    lo, hi = day_span(start, end)
    out = {
        uid: {
            "visits": 0,
            "household_visits": 0,
            "receptions": 0,
            "needs_collected": 0,
            "tasks_closed": 0,
            "escalations": 0,
            "suggestions": 0,
            "adopted": 0,
            "partly": 0,
            "not_adopted": 0,
        }
        for uid in user_ids
    }

    def add(key: str, pairs) -> None:
        for uid, n in Tally(pairs).items():
            if uid in out:
                out[uid][key] += n

    add(
        "household_visits",
        Visit.objects.filter(visitor_id__in=user_ids, at__gte=lo, at__lt=hi).values_list("visitor_id", flat=True),
    )
    add(
        "receptions",
        Reception.attended.through.objects.filter(
            user_id__in=user_ids, reception__day__gte=start, reception__day__lte=end
        ).values_list("user_id", flat=True),
    )
    add(
        "needs_collected",
        Need.objects.filter(collected_by_id__in=user_ids, collected_at__gte=lo, collected_at__lt=hi).values_list(
            "collected_by_id", flat=True
        ),
    )
    closed = Need.objects.filter(deputy_id__in=user_ids).filter(
        Q(settled_at__gte=lo, settled_at__lt=hi)
        | Q(case__status__in=CASE_ENDED, case__closed_at__gte=lo, case__closed_at__lt=hi)
    )
    add("tasks_closed", closed.values_list("deputy_id", flat=True))
    add(
        "escalations",
        Hop.objects.filter(from_deputy_id__in=user_ids, at__gte=lo, at__lt=hi).values_list("from_deputy_id", flat=True),
    )
    filed = Suggestion.objects.filter(deputy_id__in=user_ids, filed_at__gte=lo, filed_at__lt=hi)
    add("suggestions", filed.values_list("deputy_id", flat=True))
    for key, adoption in (("adopted", "adopted"), ("partly", "partly"), ("not_adopted", "not")):
        add(key, filed.filter(adoption=adoption).values_list("deputy_id", flat=True))
    for figures in out.values():
        figures["visits"] = figures["household_visits"] + figures["receptions"]
    return out
