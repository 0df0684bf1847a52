"""Reads of the assessment: indicators for a region, unit or person over a date range, and the
figures the dashboard and the reports show. Sums of the daily rollups; `source="events"` computes
the same from the raw event log (for checks and the benchmark)."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.assessment.facts import COUNTERS, case_counters
from gridgov.assessment.indicators import from_counters, value_of
from gridgov.assessment.models import CaseFact, Rollup
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.transitions import OPEN_STATUSES
from gridgov.core.errors import BadInput, Forbidden, NotFound
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor, covers
from gridgov.people.models import Post, Unit

REGION_LEVELS = {6: 0, 9: 1, 12: 2, 15: 3, 18: 4}  # code length → grid level
STATS_ROLES = {"leader", "admin", "dispatcher", "supervisor", "grid_leader"}
MAX_DAYS = 3 * 366


def zero() -> dict[str, int]:
    return dict.fromkeys(COUNTERS, 0)


def parse_range(start: str | date | None, end: str | date | None, *, today: date | None = None) -> tuple[date, date]:
    """Local dates, `end` inclusive; the default is the month so far."""
    today = today or timezone.localdate()

    def parse(value, name):
        if value in (None, ""):
            return None
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise BadInput(
                gettext("%(name)s must be a date like 2026-11-01, not %(value)r") % {"name": name, "value": value}
            ) from None

    end_day = parse(end, "end") or today
    start_day = parse(start, "start") or end_day.replace(day=1)
    if start_day > end_day:
        raise BadInput(
            gettext("start %(start)s is after end %(end)s: swap them") % {"start": start_day, "end": end_day}
        )
    if (end_day - start_day).days > MAX_DAYS:
        raise BadInput(gettext("the range is longer than three years: ask for a shorter one"))
    return start_day, end_day


# ---- who may see what ----------------------------------------------------------------------------


def subject_of(
    *, region: str | None = None, department: str | None = None, person: str | None = None
) -> tuple[str, str]:
    """(kind, code) of the one subject asked for; 400 unless exactly one is given, 404 if unknown."""
    given = [(k, v) for k, v in (("region", region), ("unit", department), ("person", person)) if v]
    if len(given) != 1:
        raise BadInput(gettext("give exactly one of region=GRID_CODE, department=UNIT_CODE or person=USERNAME"))
    kind, code = given[0]
    if kind == "region" and not Grid.objects.filter(code=code).exists():
        raise NotFound(gettext("no grid with code %(code)s") % {"code": code})
    if kind == "unit" and not (Unit.objects.filter(code=code).exists() or Grid.objects.filter(code=code).exists()):
        raise NotFound(gettext("no department or unit with code %(code)s") % {"code": code})
    if kind == "person":
        user = get_user_model().objects.filter(username=code).first()
        if user is None:
            raise NotFound(gettext("no person with username %(username)s") % {"username": code})
        return kind, str(user.pk)
    return kind, code


def check_may_read(actor: Actor, kind: str, code: str) -> None:
    """Statistics are for staff whose scope covers the subject: a leader, dispatcher or supervisor
    for their subtree (and the departments of their district), a handler for their own unit, anyone
    for their own figures."""
    if actor.user is None:
        raise Forbidden(gettext("sign in to see statistics (the public rankings are at /rankings/)"))
    if actor.is_admin:
        return
    if kind == "person":
        if str(getattr(actor.user, "pk", "")) == code:
            return
        user = get_user_model().objects.get(pk=code)
        scopes = [s for r, s in actor.posts if r in STATS_ROLES]
        theirs = Post.objects.filter(user=user, active=True).values_list("scope", flat=True)
        if any(covers(s, t) for s in scopes for t in theirs if not t.startswith("D")):
            return
        # the same answer as for an unknown username (subject_of): a name outside one's area tells nothing
        raise NotFound(gettext("no person with username %(username)s") % {"username": user.get_username()})
    if kind == "unit" and code.startswith("D"):
        if any(s == code for _, s in actor.posts):
            return
        district = code[1:7]
        if any(r in STATS_ROLES and s == district for r, s in actor.posts):
            return
        raise Forbidden(gettext("unit %(code)s is outside your scope") % {"code": code})
    if any(r in STATS_ROLES and covers(s, code) for r, s in actor.posts) or any(
        r == "grid_worker" and s == code for r, s in actor.posts
    ):
        return
    raise Forbidden(gettext("%(code)s is outside your scope: ask for your own area") % {"code": code})


# ---- sums ----------------------------------------------------------------------------------------


def totals(kind: str, code: str, start: date, end: date) -> dict[str, int]:
    """The counters of a subject summed over the days [start, end] from the rollups."""
    row = Rollup.objects.filter(kind=kind, code=code, day__gte=start, day__lte=end).aggregate(
        **{name: Sum(name) for name in COUNTERS}
    )
    return {name: row[name] or 0 for name in COUNTERS}


def totals_many(kind: str, codes: list[str], start: date, end: date) -> dict[str, dict[str, int]]:
    """`totals` for many subjects of one kind in one query (rankings score hundreds at once)."""
    out = {code: zero() for code in codes}
    for chunk in range(0, len(codes), 500):
        rows = (
            Rollup.objects.filter(kind=kind, code__in=codes[chunk : chunk + 500], day__gte=start, day__lte=end)
            .values("code")
            .annotate(**{name: Sum(name) for name in COUNTERS})
        )
        for row in rows:
            out[row["code"]] = {name: row[name] or 0 for name in COUNTERS}
    return out


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(start, time.min), tz),
        timezone.make_aware(datetime.combine(end + timedelta(days=1), time.min), tz),
    )


def cases_of(kind: str, code: str, start: date, end: date):
    """The cases a subject's indicators are about (what the rollups sum), straight from the cases table."""
    lo, hi = _day_bounds(start, end)
    cases = Case.objects.filter(reported_at__gte=lo, reported_at__lt=hi)
    if kind == "region":
        return cases.filter(grid__code__startswith=code)
    if kind == "unit":
        return cases.filter(lead_unit=code)
    if kind == "person":
        return cases.filter(reporter_id=int(code))
    raise BadInput(gettext("unknown subject kind %(kind)r") % {"kind": kind})


def totals_from_events(kind: str, code: str, start: date, end: date) -> dict[str, int]:
    """The same sums computed from the raw event log, case by case (no rollups)."""
    out = zero()
    ids = list(cases_of(kind, code, start, end).values_list("pk", flat=True))
    for chunk in range(0, len(ids), 2000):
        part = ids[chunk : chunk + 2000]
        by_case = defaultdict(list)
        for e in (
            CaseEvent.objects.filter(case_id__in=part)
            .only("case_id", "seq", "action", "to_status", "data", "at")
            .order_by("case_id", "seq")
        ):
            by_case[e.case_id].append(e)
        for events in by_case.values():
            for name, value in case_counters(events).items():
                out[name] += value
    return out


def indicators(*, kind: str, code: str, start: date, end: date, source: str = "rollups") -> dict:
    counters = totals_from_events(kind, code, start, end) if source == "events" else totals(kind, code, start, end)
    return from_counters(counters)


# ---- dashboard figures ---------------------------------------------------------------------------


def children_values(region: str, start: date, end: date, indicator: str) -> list[dict]:
    """One indicator for each child grid of a region (the map's colours)."""
    children = list(
        Grid.objects.filter(parent__code=region, valid_to__isnull=True).values_list("code", "name", "level")
    )
    if not children:
        return []
    sums: dict[str, dict] = defaultdict(zero)
    for row in (
        Rollup.objects.filter(kind="region", code__in=[c for c, _, _ in children], day__gte=start, day__lte=end)
        .values("code")
        .annotate(**{n: Sum(n) for n in COUNTERS})
    ):
        sums[row["code"]] = {n: row[n] or 0 for n in COUNTERS}
    return [
        {
            "code": c,
            "name": name,
            "level": level,
            "value": value_of(sums[c], indicator),
            "received": sums[c]["received"],
        }
        for c, name, level in children
    ]


def daily_series(kind: str, code: str, start: date, end: date) -> list[dict]:
    """Received and closed per day (the trend chart); days without cases give zeros."""
    rows = {
        r["day"]: r
        for r in Rollup.objects.filter(kind=kind, code=code, day__gte=start, day__lte=end).values(
            "day", "received", "closed", "registered"
        )
    }
    out, day = [], start
    while day <= end:
        r = rows.get(day, {})
        out.append({"day": day.isoformat(), "received": r.get("received", 0), "closed": r.get("closed", 0)})
        day += timedelta(days=1)
    return out


def category_breakdown(region: str, start: date, end: date) -> list[dict]:
    """Cases by top category within a district, street or community."""
    from gridgov.routing.models import Category

    level = REGION_LEVELS.get(len(region))
    if level is None or level > 2:
        return []  # the breakdown is kept for the district, streets and communities
    # `level` and the days narrow the rows through the (kind, level, day) index; a LIKE on the code
    # alone cannot use an index under most collations and read every category row (docs/benchmarks.md)
    rows = (
        Rollup.objects.filter(kind="category", level=level, day__gte=start, day__lte=end, code__startswith=f"{region}:")
        .values("code")
        .annotate(received=Sum("received"), closed=Sum("closed"))
        .order_by("-received")
    )
    rows = [r for r in rows if r["code"].split(":", 1)[0] == region and r["received"]]
    names = dict(
        Category.objects.filter(code__in=[r["code"].split(":", 1)[1] for r in rows]).values_list("code", "name")
    )
    return [
        {
            "category": r["code"].split(":", 1)[1],
            "name": names.get(r["code"].split(":", 1)[1], ""),
            "received": r["received"],
            "closed": r["closed"],
        }
        for r in rows
    ]


def hot_spots(region: str, start: date, end: date, limit: int = 10) -> list[dict]:
    """The 三级网格 under a region with the most cases reported (where problems cluster)."""
    rows = list(
        Rollup.objects.filter(kind="region", level=3, code__startswith=region, day__gte=start, day__lte=end)
        .values("code")
        .annotate(received=Sum("received"))
        .order_by("-received", "code")[:limit]
    )
    names = dict(
        Grid.objects.filter(code__in=[r["code"] for r in rows], valid_to__isnull=True).values_list("code", "name")
    )
    return [
        {"code": r["code"], "name": names.get(r["code"], ""), "received": r["received"]} for r in rows if r["received"]
    ]


def lights(region: str) -> dict[str, int]:
    """Open cases of a region by traffic light now (红黄绿灯)."""
    # grids as a subquery rather than a join: open cases are few and the status index finds them
    grids = Grid.objects.filter(code__startswith=region).values("pk")
    rows = Case.objects.filter(status__in=OPEN_STATUSES, grid_id__in=grids).values("light").annotate(n=Count("pk"))
    out = {"green": 0, "yellow": 0, "red": 0, "none": 0}
    for r in rows:
        out[r["light"] or "none"] += r["n"]
    return out


# ---- pages (dashboard) ---------------------------------------------------------------------------


def home_region(actor: Actor) -> str | None:
    """The widest area an actor may see statistics of (the dashboard opens there): the shortest grid
    scope among their statistics posts; an administrator without one gets the first district."""
    scopes = [s for r, s in actor.posts if r in STATS_ROLES and not s.startswith("D")]
    if scopes:
        return min(scopes, key=lambda s: (len(s), s))
    if actor.is_admin:
        top = Grid.objects.filter(level=0, valid_to__isnull=True).order_by("code")
        return top.values_list("code", flat=True).first()
    return None


def region_path(code: str) -> list[dict]:
    """The grid and the grids above it, from the top: [{code, name, level}, …]; 404 if unknown."""
    prefixes = [code[:n] for n in (6, 9, 12, 15, 18) if len(code) >= n]  # codes nest by prefix
    grids = {g["code"]: g for g in Grid.objects.filter(code__in=prefixes).values("code", "name", "level")}
    if code not in grids:
        raise NotFound(gettext("no grid with code %(code)s") % {"code": code})
    return [grids[c] for c in sorted(grids, key=len)]


def months_with_cases(*, region: str | None, start: date, end: date) -> set[str]:
    """The months ("2026-11") between `start` and `end` in which cases were reported in `region` (default:
    everywhere): the months a ranking can be published for (本月暂无数据 otherwise)."""
    facts = CaseFact.objects.filter(day__gte=start, day__lte=end)
    if region:
        facts = facts.filter(grid__startswith=region)
    return {f"{d.year}-{d.month:02d}" for d in facts.dates("day", "month")}
