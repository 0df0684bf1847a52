"""Reads of campaigns (专项排查) and covert inspections (暗访).

Definitions, so that a person can redo them by hand:
- progress of a grid (a CampaignTarget): `done` results of the campaign's `items`; `rate` = done ÷ items;
  `problems` = results with outcome problem; `solved` = those solved on the spot or whose case is closed
  (closed or evaluated). A community's or street's figures are the sums over its 三级网格, its rate the
  summed done ÷ (grids × items);
- a target is overdue on day `on` when its campaign is running, its due date lies before `on` and it has
  fewer results than items;
- the street ranking (暗访排名, as the seeds' 通报 "各乡镇(街道)工作排名"): per street (一级网格) the findings
  found on the local days start … end, the households (the street's `Grid.households`, or the registry's
  active households under it when the grid tree holds none), findings per 1,000 households, and the share
  rectified (findings whose case is closed or evaluated). Fewer findings per 1,000 households rank higher;
  equal densities are split by the larger share rectified; still equal, the same rank (1, 2, 2, 4).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.campaigns import rules
from gridgov.campaigns.models import Campaign, CampaignStatus, CampaignTarget, CheckResult, CovertFinding, Outcome
from gridgov.cases.models import Status
from gridgov.core.errors import NotFound
from gridgov.core.timefmt import day_start, iso
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor
from gridgov.registry.models import Household

SOLVED = (Status.CLOSED, Status.EVALUATED)


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def campaigns(actor: Actor, *, status: str | None = None) -> QuerySet[Campaign]:
    """The campaigns pushed over or under the actor's grids."""
    qs = Campaign.objects.filter(rules.related("grid__code", rules.grid_scopes(actor, rules.READ_ROLES)))
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("grid", "created_by").prefetch_related("items")


def campaign(actor: Actor, pk: int) -> Campaign:
    found = campaigns(actor).filter(pk=pk).first()
    if found is None:
        raise NotFound(gettext("no campaign %(id)s over your grids") % {"id": pk})
    return found


def campaign_row(c: Campaign) -> dict:
    return {
        "id": c.pk,
        "client_id": str(c.client_id),
        "title": c.title,
        "kind": c.kind,
        "grid": {"code": c.grid.code, "name": c.grid.name},
        "start_date": c.start_date.isoformat(),
        "due_date": c.due_date.isoformat(),
        "status": c.status,
        "created_by": c.created_by.get_username(),
        "started_at": iso(c.started_at),
        "closed_at": iso(c.closed_at),
        "items": [
            {
                "id": i.pk,
                "position": i.position,
                "text": i.text,
                "needs_photo": i.needs_photo,
                "needs_note": i.needs_note,
            }
            for i in c.items.all()
        ],
    }


def result_row(r: CheckResult) -> dict:
    return {
        "id": str(r.client_id),
        "grid": r.target.grid.code,
        "item": r.item.position,
        "outcome": r.outcome,
        "note": r.note,
        "case": r.case.number if r.case_id else None,
        "on_spot": r.on_spot,
        "worker": r.worker.get_username(),
        "at": iso(r.at),
    }


def _targets(actor: Actor, c: Campaign, grid: str | None = None) -> QuerySet[CampaignTarget]:
    qs = c.targets.filter(rules.under("grid__code", rules.grid_scopes(actor, rules.READ_ROLES)))
    if grid:
        qs = qs.filter(grid__code__startswith=grid)
    return qs


def _figures(done: int, slots: int, problems: int, solved: int) -> dict:
    return {"done": done, "slots": slots, "rate": _rate(done, slots), "problems": problems, "solved": solved}


def progress(actor: Actor, c: Campaign, *, grid: str | None = None) -> dict:
    """Progress of a campaign per 三级网格, community and street, over the actor's grids (or `grid`)."""
    if grid:
        rules.require_read(actor, grid)
    items = len(c.items.all())
    targets = list(_targets(actor, c, grid).select_related("grid").order_by("grid__code"))
    results = CheckResult.objects.filter(target__in=targets)
    done = dict(results.values("target_id").annotate(n=Count("id")).values_list("target_id", "n"))
    problems = dict(
        results.filter(outcome=Outcome.PROBLEM)
        .values("target_id")
        .annotate(n=Count("id"))
        .values_list("target_id", "n")
    )
    solved = dict(
        results.filter(Q(on_spot=True) | Q(case__status__in=SOLVED), outcome=Outcome.PROBLEM)
        .values("target_id")
        .annotate(n=Count("id"))
        .values_list("target_id", "n")
    )
    rows = []
    sums: dict[int, dict[str, list[int]]] = {
        12: defaultdict(lambda: [0, 0, 0, 0]),
        9: defaultdict(lambda: [0, 0, 0, 0]),
    }
    for t in targets:
        figures = (done.get(t.pk, 0), items, problems.get(t.pk, 0), solved.get(t.pk, 0))
        rows.append({"grid": t.grid.code, "name": t.grid.name, "target": t.pk, **_figures(*figures)})
        for n, table in sums.items():
            acc = table[t.grid.code[:n]]
            for k in range(4):
                acc[k] += figures[k]
    names = dict(Grid.objects.filter(code__in=[*sums[12], *sums[9]]).values_list("code", "name"))

    def rollup(n: int) -> list[dict]:
        return [{"grid": code, "name": names.get(code, ""), **_figures(*acc)} for code, acc in sorted(sums[n].items())]

    total = [sum(r[k] for r in rows) for k in ("done", "slots", "problems", "solved")]
    return {
        "campaign": c.pk,
        "items": items,
        "grids": rows,
        "communities": rollup(12),
        "streets": rollup(9),
        **_figures(*total),
    }


def checklist(actor: Actor, target: CampaignTarget) -> list[dict]:
    """The items of a target with their results, for the grid's phone page."""
    rules.require_read(actor, target.grid.code)
    results = {r.item_id: r for r in target.results.select_related("case", "worker")}
    rows = []
    for item in target.campaign.items.all():
        r = results.get(item.pk)
        rows.append(
            {
                "id": item.pk,
                "position": item.position,
                "text": item.text,
                "needs_photo": item.needs_photo,
                "needs_note": item.needs_note,
                "outcome": r.outcome if r else None,
                "case": r.case.number if r and r.case_id else None,
                "on_spot": bool(r and r.on_spot),
                "worker": r.worker.get_username() if r else None,
            }
        )
    return rows


def my_targets(actor: Actor) -> QuerySet[CampaignTarget]:
    """Targets of running campaigns in the grids the actor ticks checklists for."""
    scopes = rules.grid_scopes(actor, rules.RESULT_ROLES)
    return (
        CampaignTarget.objects.filter(rules.under("grid__code", scopes), campaign__status=CampaignStatus.RUNNING)
        .select_related("campaign", "grid")
        .order_by("campaign__due_date", "grid__code")
    )


def overdue(actor: Actor, *, on: date | None = None) -> list[dict]:
    """Targets past their campaign's due date with items left (逾期未完成), in the actor's grids."""
    on = on or timezone.localdate()
    targets = (
        CampaignTarget.objects.filter(
            rules.under("grid__code", rules.grid_scopes(actor, rules.READ_ROLES)),
            campaign__status=CampaignStatus.RUNNING,
            campaign__due_date__lt=on,
        )
        .select_related("campaign", "grid")
        .annotate(done=Count("results", distinct=True), items=Count("campaign__items", distinct=True))
        .order_by("campaign__due_date", "grid__code")
    )
    return [
        {
            "campaign": t.campaign.pk,
            "title": t.campaign.title,
            "grid": t.grid.code,
            "name": t.grid.name,
            "due_date": t.campaign.due_date.isoformat(),
            "days_overdue": (on - t.campaign.due_date).days,
            "done": t.done,
            "items": t.items,
        }
        for t in targets
        if t.done < t.items
    ]


def findings(actor: Actor, *, street: str | None = None) -> QuerySet[CovertFinding]:
    """Covert findings' details: for supervisors, leaders and dispatchers over them (not public)."""
    qs = CovertFinding.objects.filter(rules.under("street__code", rules.grid_scopes(actor, rules.FINDING_READ_ROLES)))
    if street:
        qs = qs.filter(street__code__startswith=street)
    return qs.select_related("street", "grid", "case", "inspector", "campaign")


def finding_row(f: CovertFinding) -> dict:
    return {
        "id": str(f.client_id),
        "street": f.street.code,
        "grid": f.grid.code,
        "category": f.category,
        "title": f.title,
        "lon": f.lon,
        "lat": f.lat,
        "found_at": iso(f.found_at),
        "campaign": f.campaign_id,
        "case": f.case.number,
        "case_status": f.case.status,
        "inspector": f.inspector.get_username(),
    }


def street_ranking(*, region: str, start: date | None = None, end: date | None = None) -> list[dict]:
    """暗访排名 of the streets under `region` (public: counts only, no finding's details)."""
    streets = list(Grid.objects.filter(level=1, valid_to__isnull=True, code__startswith=region[:9]).order_by("code"))
    qs = CovertFinding.objects.filter(street__in=streets)
    if start:
        qs = qs.filter(found_at__gte=day_start(start))
    if end:
        qs = qs.filter(found_at__lt=day_start(end + timedelta(days=1)))
    counts = dict(qs.values("street_id").annotate(n=Count("id")).values_list("street_id", "n"))
    fixed = dict(
        qs.filter(case__status__in=SOLVED).values("street_id").annotate(n=Count("id")).values_list("street_id", "n")
    )
    missing = [s.code for s in streets if not s.households]
    registry: dict[str, int] = defaultdict(int)
    if missing:
        for code, n in (
            Household.objects.filter(rules.under("grid__code", missing), active=True)
            .values("grid__code")
            .annotate(n=Count("id"))
            .values_list("grid__code", "n")
        ):
            registry[code[:9]] += n
    rows = []
    for s in streets:
        households = s.households or registry.get(s.code, 0)
        n, ok = counts.get(s.pk, 0), fixed.get(s.pk, 0)
        rows.append(
            {
                "street": s.code,
                "name": s.name,
                "findings": n,
                "households": households,
                "per_1000": round(n * 1000 / households, 2) if households else None,
                "rectified": ok,
                "share_rectified": _rate(ok, n),
            }
        )

    def key(r: dict) -> tuple:
        # exact figures (the published ones are rounded); a street without households ranks last
        density = r["findings"] / r["households"] if r["households"] else float("inf")
        share = r["rectified"] / r["findings"] if r["findings"] else 1.0
        return (density, -share)

    rows.sort(key=lambda r: (*key(r), r["street"]))
    for n, r in enumerate(rows):
        r["rank"] = rows[n - 1]["rank"] if n and key(rows[n - 1]) == key(r) else n + 1
    return rows
