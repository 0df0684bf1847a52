"""Scores (考核评分) from schemes kept as data, and the monthly rankings (排名公示).

A score is a pure function of the scheme and the counters of the month's cases: the same events
give the same score. Each item says which input it used, the input's value and the counters behind
it, and `evidence()` lists the cases those counters came from.
"""

from __future__ import annotations

import calendar
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext

from gridgov.assessment import selectors
from gridgov.assessment.facts import COUNTERS
from gridgov.assessment.indicators import RATE_BY_NAME, fraction
from gridgov.assessment.models import CaseFact, ScoringScheme
from gridgov.core.errors import BadInput, Forbidden, NotFound
from gridgov.core.privacy import mask_name
from gridgov.deputies import selectors as deputies
from gridgov.grids.models import Grid
from gridgov.oversight import selectors as oversight
from gridgov.patrols import selectors as patrols
from gridgov.people.actors import Actor
from gridgov.people.models import Post, Unit, in_force, in_force_during
from gridgov.visits import selectors as visits


@dataclass(frozen=True)
class Subject:
    kind: str  # region | unit | person: where its counters are summed
    code: str  # grid code, unit code, or user id
    name: str  # public name: a place, a unit, or a masked person's name
    area: str  # the grid code the subject belongs to (a worker's grid, a unit's district)


@dataclass(frozen=True)
class Input:
    """A value a scheme item can score: a rate (value in [0, 1]) or a count."""

    counters: tuple[str, ...]  # the counters it reads, for evidence
    value: Callable[[dict, dict], float | None]  # (subject counters, area counters) → value
    available: bool = True


def _rate(name: str, area: bool = False) -> Input:
    r = RATE_BY_NAME[name]
    return Input(
        (r.numerator, r.denominator),
        lambda own, grid: fraction((grid if area else own)[r.numerator], (grid if area else own)[r.denominator]),
    )


def _count(name: str) -> Input:
    return Input((name,), lambda own, grid: own[name])


INPUTS: dict[str, Input] = {
    **{name: _rate(name) for name in RATE_BY_NAME},
    **{f"grid_{name}": _rate(name, area=True) for name in RATE_BY_NAME},
    **{name: _count(name) for name in COUNTERS},
    "level_grid": Input(("level_grid", "closed"), lambda own, grid: fraction(own["level_grid"], own["closed"])),
    "in_street": Input(
        ("level_grid", "level_community", "level_street", "closed"),
        lambda own, grid: fraction(own["level_grid"] + own["level_community"] + own["level_street"], own["closed"]),
    ),
    "patrol_share": Input(
        ("patrol_found", "received"), lambda own, grid: fraction(own["patrol_found"], own["received"])
    ),
    # 出勤率: days a worker met their grids' patrol plans / days the plans required (gridgov.patrols)
    "patrol_attendance": Input(
        ("patrol_days_met", "patrol_days_required"),
        lambda own, grid: fraction(own.get("patrol_days_met", 0), own.get("patrol_days_required", 0)),
    ),
    # 入户走访 / 进网格接待走访: visits a person recorded in the month (gridgov.visits)
    "household_visits": Input(("household_visits",), lambda own, grid: own.get("household_visits", 0)),
    "deputy_visits": Input(("deputy_visits",), lambda own, grid: own.get("deputy_visits", 0)),
    # 一聘三督: supervisors' findings charged to a worker, or in a region's grids (gridgov.oversight)
    "oversight_findings": Input(("oversight_findings",), lambda own, grid: own.get("oversight_findings", 0)),
    # 三单制: needs a deputy collected, tasks they closed, suggestions they filed (gridgov.deputies.selectors)
    "needs_collected": Input(("needs_collected",), lambda own, grid: own.get("needs_collected", 0)),
    "tasks_closed": Input(("tasks_closed",), lambda own, grid: own.get("tasks_closed", 0)),
    "suggestions": Input(("suggestions",), lambda own, grid: own.get("suggestions", 0)),
}
RULES = ("rate", "per_count", "target", "bonus")


def month_range(month: str) -> tuple[date, date]:
    try:
        year, mon = (int(part) for part in month.split("-"))
        first = date(year, mon, 1)
    except (ValueError, TypeError):
        raise BadInput(gettext("month must look like 2026-11, not %(month)r") % {"month": month}) from None
    return first, first.replace(day=calendar.monthrange(year, mon)[1])


def previous_month(month: str) -> str:
    first, _ = month_range(month)
    return f"{first.year - (first.month == 1)}-{(first.month - 2) % 12 + 1:02d}"


def validate_items(items: list) -> None:
    """A scheme's items must name known inputs and rules (checked when the admin saves one)."""
    if not isinstance(items, list):
        raise BadInput(gettext("items must be a list"))
    for n, item in enumerate(items, 1):
        if not isinstance(item, dict) or not item.get("key"):
            raise BadInput(gettext("item %(n)d: each item needs a key") % {"n": n})
        if item.get("input") not in INPUTS:
            raise BadInput(
                gettext("item %(n)d (%(key)s): unknown input %(input)r; known: %(known)s")
                % {"n": n, "key": item["key"], "input": item.get("input"), "known": ", ".join(INPUTS)}
            )
        if item.get("rule") not in RULES:
            raise BadInput(
                gettext("item %(n)d (%(key)s): rule must be one of %(known)s")
                % {"n": n, "key": item["key"], "known": ", ".join(RULES)}
            )
        if item["rule"] == "target" and not item.get("target"):
            raise BadInput(
                gettext("item %(n)d (%(key)s): a target rule needs a target above 0") % {"n": n, "key": item["key"]}
            )
        if item["rule"] in ("per_count", "bonus") and not isinstance(item.get("per"), int | float):
            raise BadInput(
                gettext("item %(n)d (%(key)s): %(rule)s needs `per`, the points per count")
                % {"n": n, "key": item["key"], "rule": item["rule"]}
            )


def score(scheme: ScoringScheme, own: dict, area: dict | None = None) -> dict:
    """The score of one subject from its counters (and its grid's, for area inputs)."""
    area = area or own
    items, total, bonus = [], 0.0, 0.0
    for item in scheme.items:
        spec = INPUTS[item["input"]]
        value = spec.value(own, area)
        points = float(item.get("points", 0))
        if value is None:
            earned = 0.0
        elif item["rule"] == "rate":
            earned = points * value
        elif item["rule"] == "target":
            earned = points * min(1.0, value / item["target"])
        elif item["rule"] == "per_count":
            earned = max(-points, min(points, item["per"] * value)) if points else item["per"] * value
        else:  # bonus
            earned = item["per"] * value
        if item["rule"] == "bonus":
            bonus += earned
        else:
            total += earned
        items.append(
            {
                "key": item["key"],
                "label": item.get("label", item["key"]),
                "input": item["input"],
                "value": value,
                "points": round(earned, 4),
                "available": spec.available,
                "counters": {name: own.get(name) for name in spec.counters},
            }
        )
    capped = min(bonus, scheme.bonus_cap) if scheme.bonus_cap else 0.0
    final = max(0.0, total + capped)
    return {"score": round(final, 4), "base": round(total, 4), "bonus": round(capped, 4), "items": items}


# ---- subjects --------------------------------------------------------------------------------------


def subjects(
    scheme: ScoringScheme, region: str | None = None, during: tuple[date, date] | None = None
) -> list[Subject]:
    """Who a scheme scores, within a region (default: everyone); people by the posts in force on some day
    `during` the period scored (a worker who left in March is not scored for April), else today's."""
    if scheme.subject == "region":
        grids = Grid.objects.filter(level=scheme.level or 1, valid_to__isnull=True)
        if region:
            grids = grids.filter(code__startswith=region)
        return [Subject("region", c, n, c) for c, n in grids.order_by("code").values_list("code", "name")]
    if scheme.subject == "unit":
        units = Unit.objects.filter(active=True)
        if region:
            units = units.filter(district=region[:6])
        return [Subject("unit", c, n, d) for c, n, d in units.order_by("code").values_list("code", "name", "district")]
    role = "grid_worker" if scheme.subject == "worker" else "deputy"
    posts = (
        Post.objects.filter(in_force_during(*during) if during else in_force(), role=role)
        .select_related("user")
        .order_by("scope", "user_id")
    )
    if region:
        posts = posts.filter(scope__startswith=region)
    seen, out = set(), []
    for post in posts:
        if post.user_id in seen:
            continue
        seen.add(post.user_id)
        name = post.user.get_full_name() or post.user.get_username()
        out.append(Subject("person", str(post.user_id), mask_name(name), post.scope))
    return out


def scheme_by_code(code: str) -> ScoringScheme:
    scheme = ScoringScheme.objects.filter(code=code, active=True).first()
    if scheme is None:
        raise NotFound(gettext("no active scoring scheme %(code)r") % {"code": code})
    return scheme


def scores(scheme: ScoringScheme, month: str, region: str | None = None) -> list[dict]:
    """Every subject's score for the month, ranked (ties share the order of their codes)."""
    start, end = month_range(month)
    people = subjects(scheme, region, during=(start, end))
    kind = people[0].kind if people else "region"
    owns = selectors.totals_many(kind, [s.code for s in people], start, end)
    areas = selectors.totals_many("region", sorted({s.area for s in people}), start, end) if kind == "person" else owns
    if kind == "person" and any(item["input"] == "patrol_attendance" for item in scheme.items):
        attended = patrols.attendance_by_worker([int(s.code) for s in people], start, end)
        for subject in people:
            met, due = attended[int(subject.code)]
            owns[subject.code] = {**owns[subject.code], "patrol_days_met": met, "patrol_days_required": due}
    if kind == "person" and any(item["input"] in ("household_visits", "deputy_visits") for item in scheme.items):
        made = visits.visits_by_person([int(s.code) for s in people], start, end)
        for subject in people:
            n = made[int(subject.code)]
            owns[subject.code] = {**owns[subject.code], "household_visits": n, "deputy_visits": n}
    duty = ("deputy_visits", "needs_collected", "tasks_closed", "suggestions")
    if kind == "person" and scheme.subject == "deputy" and any(item["input"] in duty for item in scheme.items):
        figures = deputies.duty_many([int(s.code) for s in people], start, end)
        for subject in people:
            f = figures[int(subject.code)]
            owns[subject.code] = {  # 进网格接待走访: household visits and the reception days attended
                **owns[subject.code],
                "deputy_visits": owns[subject.code].get("deputy_visits", 0) + f["receptions"],
                **{key: f[key] for key in ("needs_collected", "tasks_closed", "suggestions")},
            }
    if any(item["input"] == "oversight_findings" for item in scheme.items) and kind in ("person", "region"):
        if kind == "person":
            by_worker = oversight.findings_by_worker([int(s.code) for s in people], start, end)
            found = {str(w): n for w, n in by_worker.items()}
        else:
            found = oversight.findings_by_region([s.code for s in people], start, end)
        for subject in people:
            owns[subject.code] = {**owns[subject.code], "oversight_findings": found[subject.code]}
    rows = []
    for subject in people:
        own = owns[subject.code]
        area = areas[subject.area] if kind == "person" else own
        rows.append(
            {
                "code": subject.code,
                "name": subject.name,
                "area": subject.area,
                "cases": own["received"],
                **score(scheme, own, area),
            }
        )
    # A subject without cases that month has nothing to be judged on: unranked (无案件), after the ranked ones,
    # never last place with 0.
    rows.sort(key=lambda r: (not r["cases"], -r["score"], r["code"]))
    ranked = 0
    for row in rows:
        ranked += bool(row["cases"])
        row["rank"] = ranked if row["cases"] else None
    return rows


def ranking(scheme_code: str, month: str, region: str | None = None, *, public: bool = True) -> dict:
    """The month's ranking with the change since last month (排名及较上月变化). Public rows carry no
    personal data: people appear by masked name and their grid, never by id.

    `has_data` is False for a month without cases (本月暂无数据); the change is measured only against a
    previous month that had cases (`compared_with`, else None and no change), and only for subjects ranked in
    both months: a subject without cases has rank None."""
    scheme = scheme_by_code(scheme_code)
    now = scores(scheme, month, region)
    earlier = scores(scheme, previous_month(month), region)
    compared = any(r["cases"] for r in earlier)
    before = {r["code"]: r for r in earlier if r["rank"] is not None}
    area_names = dict(Grid.objects.filter(code__in={r["area"] for r in now}).values_list("code", "name"))
    rows = []
    for r in now:
        last = before.get(r["code"]) if r["rank"] is not None else None
        row = {
            "rank": r["rank"],
            "name": r["name"],
            "area": area_names.get(r["area"], r["area"]),
            "score": r["score"],
            "rank_change": (last["rank"] - r["rank"]) if last else None,
            "score_change": round(r["score"] - last["score"], 4) if last else None,
        }
        if not public or scheme.subject in ("region", "unit"):
            row["code"] = r["code"]
        if not public:
            row["items"] = r["items"]
        rows.append(row)
    return {
        "scheme": {"code": scheme.code, "name": scheme.name, "subject": scheme.subject, "total": scheme.total},
        "month": month,
        "previous_month": previous_month(month),
        "items": rows,
        "has_data": any(r["cases"] for r in now),
        "compared_with": previous_month(month) if compared else None,
    }


def evidence(kind: str, code: str, start: date, end: date, counter: str, limit: int = 500) -> list[str]:
    """The cases whose counter `counter` made up a subject's figure (每个分数可追溯到案件)."""
    if counter not in COUNTERS:
        raise BadInput(gettext("unknown counter %(counter)r") % {"counter": counter})
    facts = CaseFact.objects.filter(day__gte=start, day__lte=end, **{f"{counter}__gt": 0})
    if kind == "region":
        facts = facts.filter(grid__startswith=code)
    elif kind == "unit":
        facts = facts.filter(unit=code)
    else:
        facts = facts.filter(person=code)
    return list(facts.order_by("case__number").values_list("case__number", flat=True)[:limit])


def scores_for_actor(actor: Actor, *, scheme_code: str, month: str, region: str | None) -> dict:
    """Staff see the full scores (items and their counters) of their own area."""
    area = region or next((s for r, s in actor.posts if r in selectors.STATS_ROLES and not s.startswith("D")), None)
    if area is None and not actor.is_admin:
        raise Forbidden(gettext("scores are for leaders, dispatchers and supervisors of an area"))
    if area:
        selectors.check_may_read(actor, "region", area)
    return ranking(scheme_code, month, area, public=False)
