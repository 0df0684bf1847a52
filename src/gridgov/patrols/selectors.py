"""Reads of patrols (docs/architecture.md §8): my plans, my session, attendance (出勤率) and coverage (覆盖率).

Definitions, so that a person can redo them by hand:
- a day a plan requires: a day from `start` to `end` (inclusive, local) within the plan's validity, every
  day for a daily plan, working days by the working calendar (gridgov.worktime) for a workday plan;
- a day a worker met the plan: a required day on which one of their sessions of that plan started inside
  the plan's window, ended, and checked in at `min_checkins` of its points at least;
- attendance = days met / days required, per worker and plan; the workers are those holding a grid
  worker post on the plan's grid and anyone who walked the plan in the range;
- coverage = the plan's points checked in at least once in the range / the plan's points.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.core.errors import BadInput, NotFound
from gridgov.core.timefmt import iso
from gridgov.patrols.models import CheckIn, Frequency, PatrolPlan, PatrolSession, PlanPoint
from gridgov.patrols.rules import oversees, patrol_scopes, require_figures, under_scopes
from gridgov.people.actors import Actor
from gridgov.people.models import Post
from gridgov.worktime.calendar import current_calendar

MAX_DAYS = 366


def _pk(actor: Actor) -> int | None:
    return getattr(actor.user, "pk", None)


def my_plans(actor: Actor, *, on: date | None = None) -> QuerySet[PatrolPlan]:
    """The active plans of the grids my grid worker or grid leader posts cover, valid on `on` if given."""
    plans = PatrolPlan.objects.filter(under_scopes("grid__code", patrol_scopes(actor)), active=True)
    if on is not None:
        plans = plans.filter(Q(valid_to__isnull=True) | Q(valid_to__gte=on), valid_from__lte=on)
    return plans.select_related("grid").prefetch_related(Prefetch("points", PlanPoint.objects.order_by("order", "id")))


def my_plan(actor: Actor, plan_id: int) -> PatrolPlan:
    plan = my_plans(actor).filter(pk=plan_id).first()
    if plan is None:
        raise NotFound(gettext("no patrol plan %(id)s among your grids") % {"id": plan_id})
    return plan


def own_session(actor: Actor, client_id: uuid.UUID | str) -> PatrolSession:
    """A session of the actor by the id the phone made; 404 for anyone else's."""
    try:
        cid = uuid.UUID(str(client_id))
    except ValueError:
        raise NotFound(gettext("no such patrol of yours")) from None
    session = PatrolSession.objects.select_related("grid", "plan").filter(client_id=cid, worker_id=_pk(actor)).first()
    if session is None:
        raise NotFound(gettext("no such patrol of yours"))
    return session


def session_summary(session: PatrolSession) -> dict:
    return {
        "id": str(session.client_id),
        "grid": session.grid.code,
        "plan": session.plan_id,
        "started_at": iso(session.started_at),
        "ended_at": iso(session.ended_at),
        "track_points": session.track.count(),
        "checked_in": sorted(session.checkins.values_list("point_id", flat=True)),
        "findings": list(session.findings.values_list("case__number", flat=True)),
    }


# --- figures ----------------------------------------------------------------------------------------


def check_range(start: date, end: date) -> None:
    if not (date(2000, 1, 1) <= start and end <= date(2999, 12, 31)):
        raise BadInput(gettext("dates lie between 2000 and 2999"))
    if end < start:
        raise BadInput(gettext("the range ends before it starts"))
    if (end - start).days >= MAX_DAYS:
        raise BadInput(gettext("at most %(n)d days at a time") % {"n": MAX_DAYS})


def _bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_default_timezone()
    return datetime.combine(start, time(), tz), datetime.combine(end + timedelta(days=1), time(), tz)


def required_days(plan: PatrolPlan, start: date, end: date) -> list[date]:
    """The days in [start, end] the plan requires a patrol (定期)."""
    first = max(start, plan.valid_from)
    last = min(end, plan.valid_to) if plan.valid_to else end
    days = [first + timedelta(days=n) for n in range((last - first).days + 1)] if first <= last else []
    if plan.frequency == Frequency.WORKDAYS:
        calendar = current_calendar()
        days = [d for d in days if calendar.is_workday(d)]
    return days


def meets_plan(plan: PatrolPlan, started_at: datetime, ended_at: datetime | None, checkins: int) -> bool:
    """One session meets its plan: ended, started inside the window (定时), enough check-ins (定量)."""
    local = timezone.localtime(started_at).time()
    return ended_at is not None and plan.window_start <= local <= plan.window_end and checkins >= plan.min_checkins


def _plans_under(grid_code: str, start: date, end: date) -> QuerySet[PatrolPlan]:
    return PatrolPlan.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=start),
        grid__code__startswith=grid_code,
        active=True,
        valid_from__lte=end,
    ).select_related("grid")


def _rate(numerator: int, denominator: int) -> dict:
    return {"rate": numerator / denominator if denominator else None, "fraction": [numerator, denominator]}


def _attendance(plans: list[PatrolPlan], start: date, end: date, workers: set[int] | None) -> list[tuple]:
    """(worker id, plan, days required, days met) for every worker posted on or walking each plan; only
    the given workers when `workers` is a set."""
    since, until = _bounds(start, end)
    sessions = (
        PatrolSession.objects.filter(plan__in=plans, started_at__gte=since, started_at__lt=until)
        .annotate(n_checkins=Count("checkins"))
        .values("plan_id", "worker_id", "started_at", "ended_at", "n_checkins")
    )
    posted = Post.objects.filter(role="grid_worker", active=True, scope__in={p.grid.code for p in plans})
    if workers is not None:
        sessions = sessions.filter(worker_id__in=workers)
        posted = posted.filter(user_id__in=workers)
    by_id = {p.pk: p for p in plans}
    met: dict[tuple[int, int], set[date]] = defaultdict(set)
    for s in sessions:
        days = met[(s["worker_id"], s["plan_id"])]  # walked, even if never met: the worker has a row
        if meets_plan(by_id[s["plan_id"]], s["started_at"], s["ended_at"], s["n_checkins"]):
            days.add(timezone.localdate(s["started_at"]))
    pairs = {(w, p.pk) for w, code in posted.values_list("user_id", "scope") for p in plans if p.grid.code == code}
    pairs |= set(met)
    out = []
    for worker, plan_id in pairs:
        required = required_days(by_id[plan_id], start, end)
        out.append((worker, by_id[plan_id], len(required), len(met[(worker, plan_id)] & set(required))))
    return out


def attendance(actor: Actor, *, grid: str, start: date, end: date) -> list[dict]:
    """出勤率 per worker and plan in the grid's subtree; a worker who does not oversee it sees their own rows."""
    check_range(start, end)
    require_figures(actor, grid)
    only = None if oversees(actor, grid) else {_pk(actor) or 0}
    found = _attendance(list(_plans_under(grid, start, end)), start, end, only)
    names = dict(get_user_model().objects.filter(pk__in={f[0] for f in found}).values_list("pk", "username"))
    rows = [
        {
            "worker": names.get(worker, ""),
            "grid": plan.grid.code,
            "plan": plan.pk,
            "days_required": required,
            "days_met": done,
            **_rate(done, required),
        }
        for worker, plan, required, done in found
    ]
    return sorted(rows, key=lambda r: (r["grid"], r["worker"], r["plan"]))


def attendance_by_grid(rows: list[dict]) -> list[dict]:
    """The rows of `attendance` summed per grid: all its workers' days met / days required."""
    sums: dict[str, list[int]] = {}
    for row in rows:
        met, due = sums.setdefault(row["grid"], [0, 0])
        sums[row["grid"]] = [met + row["days_met"], due + row["days_required"]]
    return [
        {"grid": grid, "days_required": due, "days_met": met, **_rate(met, due)}
        for grid, (met, due) in sorted(sums.items())
    ]


def attendance_by_worker(workers: list[int], start: date, end: date) -> dict[int, tuple[int, int]]:
    """(days met, days required) of each worker summed over the plans of their grids, for the scoring
    schemes (assessment: the input `patrol_attendance`); workers without a plan get (0, 0)."""
    codes = Post.objects.filter(role="grid_worker", active=True, user_id__in=workers).values_list("scope", flat=True)
    walked = PatrolSession.objects.filter(worker_id__in=workers, started_at__range=_bounds(start, end))
    plans = PatrolPlan.objects.filter(
        Q(valid_to__isnull=True) | Q(valid_to__gte=start), active=True, valid_from__lte=end
    ).filter(Q(grid__code__in=list(codes)) | Q(pk__in=walked.values("plan_id")))
    totals = dict.fromkeys(workers, (0, 0))
    for worker, _plan, required, done in _attendance(list(plans.select_related("grid")), start, end, set(workers)):
        met, due = totals[worker]
        totals[worker] = (met + done, due + required)
    return totals


def coverage(actor: Actor, *, grid: str, start: date, end: date) -> dict:
    """巡查覆盖率: per plan in the grid's subtree, the share of its points checked in within the range."""
    check_range(start, end)
    require_figures(actor, grid)
    plans = list(_plans_under(grid, start, end).annotate(n_points=Count("points")))
    since, until = _bounds(start, end)
    visited = dict(
        CheckIn.objects.filter(session__plan__in=plans, at__gte=since, at__lt=until)
        .values("session__plan_id")
        .annotate(n=Count("point_id", distinct=True))
        .values_list("session__plan_id", "n")
    )
    rows = [
        {
            "grid": p.grid.code,
            "plan": p.pk,
            "name": p.name,
            "points": p.n_points,  # type: ignore[attr-defined]
            "visited": visited.get(p.pk, 0),
            **_rate(visited.get(p.pk, 0), p.n_points),  # type: ignore[attr-defined]
        }
        for p in plans
    ]
    total, seen = sum(r["points"] for r in rows), sum(r["visited"] for r in rows)
    return {"grid": grid, "plans": rows, "points": total, "visited": seen, **_rate(seen, total)}


def open_session(actor: Actor) -> PatrolSession | None:
    """My latest patrol not yet ended, which a reloaded page carries on with."""
    return (
        PatrolSession.objects.filter(worker_id=_pk(actor), ended_at__isnull=True)
        .select_related("grid", "plan")
        .order_by("-started_at")
        .first()
    )
