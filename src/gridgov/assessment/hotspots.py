"""Hot spots (热点) and 未诉先办: where one kind of problem keeps coming back, and a case before anyone calls.

A hot spot is a 三级网格 × category with at least MIN_REPORTS reports in the window — a place and a kind of
problem, which is what a grid worker can go and look at. Its heat index counts, each for one point:
- every report (a repeat merged into another case still counts: someone called);
- every distinct reporter (the same person calling five times is one voice; an anonymous report is one);
- every report that followed another case (merged into it: a resident who joined rather than filed anew;
  likes where a source has them): public support;
- every report more in the window's second half than in its first (growth: a problem getting worse).
So a heat of 20 reads as "about twenty signals", and each part is shown beside it.

`act_on_hotspot` turns one into a proactive case (未诉先办): filed by the system for the platform on the
`patrol` channel (the grid goes and looks, as on patrol), in the hot spot's category, at the middle of its
reports, registered and sent to the grid by a dispatcher of its platform; once per hot spot and window.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q
from django.utils.translation import gettext

from gridgov.assessment.models import ProactiveCase
from gridgov.assessment.selectors import check_may_read
from gridgov.cases.models import Case, Status
from gridgov.core.audit import record
from gridgov.core.errors import Conflict, Forbidden, NotFound
from gridgov.core.timefmt import day_span
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor
from gridgov.routing.models import Category

MIN_REPORTS = 3
ACT_ROLES = ("dispatcher", "leader")  # who may turn a hot spot into a case


@dataclass(frozen=True)
class HotSpot:
    grid: str
    grid_name: str
    category: str  # the category's code ("" when uncategorised)
    category_name: str
    reports: int
    reporters: int
    support: int
    growth: int
    lon: float
    lat: float
    numbers: tuple[str, ...]  # the latest few cases

    @property
    def heat(self) -> int:
        return self.reports + self.reporters + self.support + self.growth

    @property
    def key(self) -> str:
        return f"{self.grid}:{self.category or '-'}"

    def as_dict(self) -> dict:
        return {
            "key": self.key,
            "grid": {"code": self.grid, "name": self.grid_name},
            "category": {"code": self.category, "name": self.category_name} if self.category else None,
            "heat": self.heat,
            "reports": self.reports,
            "reporters": self.reporters,
            "support": self.support,
            "growth": self.growth,
            "lon": round(self.lon, 6),
            "lat": round(self.lat, 6),
            "cases": list(self.numbers),
        }


def find_hotspots(
    region: str, start: date, end: date, *, limit: int = 10, min_reports: int = MIN_REPORTS
) -> list[HotSpot]:
    """The hot spots under a region in [start, end] (local days), hottest first: counted in the database
    (one grouped query, one for the followers, one per hot spot shown for its latest cases)."""
    since, until = day_span(start, end)
    middle = since + (until - since) / 2
    cases = Case.objects.filter(grid__code__startswith=region, reported_at__gte=since, reported_at__lt=until).exclude(
        status=Status.REJECTED
    )
    groups = list(
        cases.values("grid__code", "category__code")
        .annotate(
            reports=Count("pk"),
            named=Count("reporter_digest", distinct=True, filter=~Q(reporter_digest="")),
            anonymous=Count("pk", filter=Q(reporter_digest="")),
            later=Count("pk", filter=Q(reported_at__gte=middle)),
            lon=Avg("lon"),
            lat=Avg("lat"),
        )
        .filter(reports__gte=min_reports)
    )
    followers: dict[tuple[str, str], int] = defaultdict(int)
    if groups:
        merged = (
            cases.filter(master__isnull=False, grid__code__in={g["grid__code"] for g in groups})
            .values("grid__code", "category__code")
            .annotate(n=Count("pk"))
        )
        for row in merged:
            followers[(row["grid__code"], row["category__code"] or "")] = row["n"]
    spots = [
        HotSpot(
            grid=g["grid__code"],
            grid_name="",
            category=g["category__code"] or "",
            category_name="",
            reports=g["reports"],
            reporters=g["named"] + g["anonymous"],
            support=followers[(g["grid__code"], g["category__code"] or "")],
            growth=max(0, g["later"] - (g["reports"] - g["later"])),
            lon=g["lon"],
            lat=g["lat"],
            numbers=(),
        )
        for g in groups
    ]
    spots.sort(key=lambda s: (-s.heat, s.grid, s.category))
    top = spots[:limit]
    latest = [
        tuple(
            cases.filter(grid__code=s.grid, category__code=s.category or None)
            .order_by("-reported_at")
            .values_list("number", flat=True)[:5]
        )
        for s in top
    ]
    return _named([replace(s, numbers=numbers) for s, numbers in zip(top, latest, strict=True)])


def _named(spots: list[HotSpot]) -> list[HotSpot]:
    grids = dict(Grid.objects.filter(code__in={s.grid for s in spots}).values_list("code", "name"))
    cats = dict(Category.objects.filter(code__in={s.category for s in spots if s.category}).values_list("code", "name"))
    return [replace(s, grid_name=grids.get(s.grid, ""), category_name=cats.get(s.category, "")) for s in spots]


def _may_act(actor: Actor, grid: str) -> None:
    check_may_read(actor, "region", grid)
    if not (actor.is_admin or any(actor.can(role, grid) for role in ACT_ROLES)):
        raise Forbidden(gettext("a dispatcher or a leader over the grid turns a hot spot into a case"))


def act_on_hotspot(*, actor: Actor, region: str, key: str, start: date, end: date) -> Case:
    """未诉先办: a proactive case for the hot spot `key` ("GRID:CATEGORY") of [start, end], once."""
    check_may_read(actor, "region", region)
    spot = next((s for s in find_hotspots(region, start, end, limit=1000) if s.key == key), None)
    if spot is None:
        raise NotFound(gettext("no hot spot %(key)s in this period: refresh the list") % {"key": key})
    _may_act(actor, spot.grid)
    period = f"{start.isoformat()}/{end.isoformat()}"
    try:
        with transaction.atomic():
            return _file(actor, spot, period, start, end)
    except IntegrityError:
        raise Conflict(gettext("this hot spot already has its proactive case for the period")) from None


def _file(actor: Actor, spot: HotSpot, period: str, start: date, end: date) -> Case:
    from gridgov.cases import services

    marker = ProactiveCase.objects.create(key=spot.key, period=period, created_by=actor.label)
    what = spot.category_name or gettext("problems")
    intake = services.report_case(
        actor=Actor.system("hotspot"),
        title=f"【未诉先办】{spot.grid_name}{what}问题多发"[:200],
        description=(
            f"{start:%Y-%m-%d}至{end:%Y-%m-%d}，本网格{what}类反映{spot.reports}件（{spot.reporters}位反映人，"
            f"关注{spot.support}次，后半段增加{spot.growth}件），热度{spot.heat}。"
            f"相关案件：{'、'.join(spot.numbers)}。请网格先行排查、主动处置。"
        ),
        lon=spot.lon,
        lat=spot.lat,
        category=spot.category or None,
        channel="patrol",
        address=spot.grid_name,
    )
    case = intake.case
    marker.case = case
    marker.save(update_fields=["case"])
    if actor.can("dispatcher", case.platform):  # the platform's own dispatcher sends it to the grid at once
        services.register_case(actor=actor, number=case.number, complexity="general", category=spot.category or None)
        services.dispatch_case(actor=actor, number=case.number, unit=spot.grid)
    record(
        actor=actor.user,
        action="assessment.hotspot_acted",
        object_type="case",
        object_id=case.number,
        data={"hotspot": spot.key, "period": period, "heat": spot.heat},
    )
    return Case.objects.get(pk=case.pk)


def weeks_brief_range(end: date) -> tuple[date, date]:
    """The weekly 热点 brief's window: the seven days ending `end`."""
    return end - timedelta(days=6), end


def acted_keys(spots: list[HotSpot], start: date, end: date) -> dict[str, str]:
    """The hot spots of this period already turned into a case: key → case number."""
    period = f"{start.isoformat()}/{end.isoformat()}"
    rows = ProactiveCase.objects.filter(key__in=[s.key for s in spots], period=period).values_list(
        "key", "case__number"
    )
    return {key: number or "" for key, number in rows}
