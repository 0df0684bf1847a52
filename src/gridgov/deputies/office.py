"""The 人大 office's view (代表履职统计) of an area and a month: per deputy and per level, and the area's
三单制 totals (需求单 collected, 任务单 claimed, 责任单 turned into cases, closed, rated satisfied).

Leaders and admins of the area see every deputy of it (deputy posts inside the area or covering it); a
deputy sees their own row only."""

from __future__ import annotations

import calendar
from datetime import date
from typing import Any

from django.db.models import Q, Sum
from django.utils.translation import gettext

from gridgov.cases.models import Case
from gridgov.core.errors import BadInput, Forbidden
from gridgov.core.timefmt import day_span
from gridgov.deputies import rules
from gridgov.deputies.models import Level, Need, Reception, Status
from gridgov.deputies.selectors import duty_many
from gridgov.deputies.services import CASE_ENDED
from gridgov.people.actors import Actor
from gridgov.people.models import Post, in_force_during
from gridgov.visits.models import Visit

FIGURES = ("visits", "receptions", "needs_collected", "tasks_closed", "escalations", "suggestions", "adopted")


def month_range(month: str) -> tuple[date, date]:
    try:
        year, mon = (int(x) for x in month.split("-"))
        return date(year, mon, 1), date(year, mon, calendar.monthrange(year, mon)[1])
    except (ValueError, calendar.IllegalMonthError):
        raise BadInput(gettext("the month is like 2026-12")) from None


def deputies_of(area: str, start: date, end: date) -> list[tuple[int, str, str]]:
    """(user id, name, scope) of the deputies posted inside `area` or over it, in force during the period."""
    posts = (
        Post.objects.filter(in_force_during(start, end), role="deputy")
        .select_related("user")
        .order_by("scope", "user_id")
    )
    seen, out = set(), []
    for p in posts:
        if p.user_id in seen or not (p.scope.startswith(area) or area.startswith(p.scope)):
            continue
        seen.add(p.user_id)
        out.append((p.user_id, p.user.get_full_name() or p.user.get_username(), p.scope))
    return out


def totals(area: str, start: date, end: date) -> dict:
    """The area's 三单制 figures: needs collected in the period and where they stand now."""
    lo, hi = day_span(start, end)
    qs = Need.objects.filter(grid__code__startswith=area, collected_at__gte=lo, collected_at__lt=hi)
    ended = Q(status=Status.CASE, case__status__in=CASE_ENDED)
    return {
        "needs": qs.count(),  # 需求单
        "tasks": qs.filter(~Q(status=Status.COLLECTED) | Q(hops__isnull=False)).distinct().count(),  # 任务单
        "cases": qs.filter(case__isnull=False).count(),  # 责任单
        "closed": qs.filter(Q(status__in=(Status.CLOSED, Status.RATED)) | ended).count(),
        "rated": qs.filter(status=Status.RATED).count(),
        "satisfied": qs.filter(status=Status.RATED, rating__in=("satisfied", "basically_satisfied")).count(),
        "escalated": qs.filter(hops__isnull=False).distinct().count(),
        "receptions": Reception.objects.filter(
            station__grid__code__startswith=area, day__gte=start, day__lte=end
        ).count(),
        # issues raised through deputies (代表反映): the cases reported on the deputy channel in the area
        "deputy_cases": Case.objects.filter(
            grid__code__startswith=area, channel="deputy", reported_at__gte=lo, reported_at__lt=hi
        ).count(),
    }


def figures(area: str, start: date, end: date) -> dict:
    """The seeds' deputy figures of an area (assessment's participation figures): the 三单制 totals and closure,
    and the deputies' person-times in the grids — household visits by the deputies posted there and their
    attendances at reception days (进网格接待走访人次) — with the residents the receptions received."""
    lo, hi = day_span(start, end)
    people = [uid for uid, _name, _scope in deputies_of(area, start, end)]
    made = totals(area, start, end)
    visits = Visit.objects.filter(visitor_id__in=people, at__gte=lo, at__lt=hi).count()
    attended = Reception.attended.through.objects.filter(
        reception__station__grid__code__startswith=area, reception__day__gte=start, reception__day__lte=end
    ).count()
    received = Reception.objects.filter(station__grid__code__startswith=area, day__gte=start, day__lte=end).aggregate(
        n=Sum("residents_received")
    )["n"]
    return {
        **made,
        "closure_rate": round(made["closed"] / made["needs"], 4) if made["needs"] else None,
        "deputies": len(people),
        "visit_person_times": visits + attended,
        "household_visits": visits,
        "reception_attendances": attended,
        "residents_received": received or 0,
    }


def office(actor: Actor, *, area: str, month: str) -> dict:
    start, end = month_range(month)
    if rules.may_see_office(actor, area):
        people = deputies_of(area, start, end)
    elif "deputy" in actor.roles and actor.user is not None:
        user: Any = actor.user
        people = [(user.pk, user.get_full_name() or user.get_username(), actor.scopes("deputy")[0])]
    else:
        raise Forbidden(gettext("the 人大 office figures are for the area's leaders, and each deputy's own"))
    figures = duty_many([uid for uid, _, _ in people], start, end)
    rows, by_level = [], {level: dict.fromkeys(FIGURES, 0) | {"deputies": 0} for level in rules.LEVELS}
    for uid, name, scope in people:
        level = rules.level_of(uid)
        row = {"id": uid, "name": name, "scope": scope, "level": level, "level_name": str(Level(level).label)}
        row |= figures[uid]
        rows.append(row)
        by_level[level]["deputies"] += 1
        for key in FIGURES:
            by_level[level][key] += figures[uid][key]
    levels = [{"level": k, "level_name": str(Level(k).label), **v} for k, v in by_level.items() if v["deputies"]]
    area_totals = None
    if rules.may_see_office(actor, area):  # 代表进网格接待走访人次: the deputies' visits and reception days
        area_totals = totals(area, start, end) | {"visits": sum(figures[uid]["visits"] for uid, _, _ in people)}
    return {"area": area, "month": month, "deputies": rows, "levels": levels, "totals": area_totals}
