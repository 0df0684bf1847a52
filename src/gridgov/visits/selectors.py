"""Reads of household visits (docs/architecture.md §8): visit lists, care visits due, coverage.

Definitions, so that a person can redo them by hand:
- a household's care cadence: the shortest `visit_every_days` of the active key-group tags (registry.Tag)
  of its active residents; households without one are not on a care schedule;
- a household is due for a care visit on day `on` when its last care visit (purpose `care`, made by
  the end of `on`) lies more than `cadence` local days before `on`: weekly (7) and visited 6 or 7 days
  ago is not due, 8 days ago is overdue by 1; never visited is due, listed first (days overdue None);
- coverage of a grid over N days ending `on`: the active households in its subtree with at least one
  visit (any purpose) on the local days on−N+1 … on, divided by those households.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Count, Max, Min, Q, QuerySet
from django.utils import timezone

from gridgov.core.timefmt import day_start, iso
from gridgov.people.actors import Actor
from gridgov.registry.models import Household, Resident
from gridgov.visits.models import Purpose, Visit
from gridgov.visits.rules import figure_scopes, require_figures, under

COVERAGE_WINDOWS = (30, 90)


def visits(actor: Actor, *, mine: bool = False, grid: str | None = None) -> QuerySet[Visit]:
    """My visits, or those in my subtree (grid leaders, leaders; a grid worker's own grid)."""
    uid = getattr(actor.user, "pk", None)
    if mine:
        qs = Visit.objects.filter(visitor_id=uid)
    else:
        qs = Visit.objects.filter(under("grid__code", figure_scopes(actor)) | Q(visitor_id=uid))
    if grid:
        qs = qs.filter(grid__code__startswith=grid)
    return qs.select_related("grid", "household__address", "visitor").prefetch_related("findings__case")


def visit_row(visit: Visit) -> dict:
    return {
        "id": str(visit.client_id),
        "household": {"id": visit.household_id, "address": visit.household.address.full_text},
        "grid": visit.grid.code,
        "visitor": visit.visitor.get_username(),
        "purpose": visit.purpose,
        "at": iso(visit.at),
        "people_seen": visit.people_seen,
        "residents": sorted(r.pk for r in visit.residents.all()),
        "notes": visit.notes,
        "findings": [{"case": f.case.number, "on_spot": f.on_spot} for f in visit.findings.all()],
    }


def care_due(actor: Actor, *, on: date | None = None, grid: str | None = None) -> list[dict]:
    """关爱探访到期: households on a care schedule in the actor's subtree (or `grid`, within it) whose care
    visit is due on `on` (default today), never visited first, then the most overdue."""
    on = on or timezone.localdate()
    if grid:
        require_figures(actor, grid)
        scope = under("household__grid__code", [grid])
    else:
        scope = under("household__grid__code", figure_scopes(actor))
    cadences = dict(
        Resident.objects.filter(
            scope,
            active=True,
            household__active=True,
            tags__active=True,
            tags__visit_every_days__isnull=False,
        )
        .values("household_id")
        .annotate(days=Min("tags__visit_every_days"))
        .values_list("household_id", "days")
    )
    tags: dict[int, set[str]] = defaultdict(set)
    for hid, name in Resident.objects.filter(
        household_id__in=cadences, active=True, tags__active=True, tags__visit_every_days__isnull=False
    ).values_list("household_id", "tags__name"):
        tags[hid].add(name)
    last = dict(
        Visit.objects.filter(household_id__in=cadences, purpose=Purpose.CARE, at__lt=day_start(on + timedelta(days=1)))
        .values("household_id")
        .annotate(last=Max("at"))
        .values_list("household_id", "last")
    )
    households = Household.objects.filter(pk__in=cadences).select_related("address", "grid")
    rows = []
    for h in households:
        cadence, seen = cadences[h.pk], last.get(h.pk)
        since = (on - timezone.localdate(seen)).days if seen else None
        if since is not None and since <= cadence:
            continue
        rows.append(
            {
                "household": h.pk,
                "address": h.address.full_text,
                "grid": h.grid.code,
                "tags": sorted(tags[h.pk]),
                "every_days": cadence,
                "last_care_visit": iso(seen),
                "days_overdue": None if since is None else since - cadence,
            }
        )
    rows.sort(key=lambda r: (r["days_overdue"] is not None, -(r["days_overdue"] or 0), r["address"]))
    return rows


def coverage(actor: Actor, *, grid: str, on: date | None = None) -> dict:
    """入户覆盖率 of a grid's subtree over the last 30 and 90 days ending `on`: overall and per grid that
    holds households (three-level grids, or 微网格 below them)."""
    require_figures(actor, grid)
    on = on or timezone.localdate()
    households = Household.objects.filter(active=True, grid__code__startswith=grid)
    totals = dict(households.values("grid__code").annotate(n=Count("id")).values_list("grid__code", "n"))
    until = day_start(on + timedelta(days=1))
    visited: dict[int, dict[str, int]] = {}
    for days in COVERAGE_WINDOWS:
        since = day_start(on - timedelta(days=days - 1))
        visited[days] = dict(
            households.filter(visits__at__gte=since, visits__at__lt=until)
            .values("grid__code")
            .annotate(n=Count("id", distinct=True))
            .values_list("grid__code", "n")
        )

    def figures(total: int, seen: dict[int, int]) -> dict:
        return {
            "households": total,
            **{f"visited_{d}": seen[d] for d in COVERAGE_WINDOWS},
            **{f"coverage_{d}": round(seen[d] / total, 4) if total else None for d in COVERAGE_WINDOWS},
        }

    rows = [
        {"grid": code, **figures(n, {d: visited[d].get(code, 0) for d in COVERAGE_WINDOWS})}
        for code, n in sorted(totals.items())
    ]
    overall = figures(sum(totals.values()), {d: sum(visited[d].values()) for d in COVERAGE_WINDOWS})
    return {"grid": grid, "on": on.isoformat(), **overall, "grids": rows}


def visits_by_person(people: list[int], start: date, end: date) -> dict[int, int]:
    """Visits each person made on the local days start … end, for the scoring schemes (assessment: the
    inputs `household_visits` and `deputy_visits`); people without visits get 0."""
    counts = dict(
        Visit.objects.filter(visitor_id__in=people, at__gte=day_start(start), at__lt=day_start(end + timedelta(days=1)))
        .values("visitor_id")
        .annotate(n=Count("id"))
        .values_list("visitor_id", "n")
    )
    return {p: counts.get(p, 0) for p in people}
