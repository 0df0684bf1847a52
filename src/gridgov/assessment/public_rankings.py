"""排名公示: the public rankings page — the month's rankings of streets, communities, departments, grid
workers and deputies, with no sign-in and no personal data."""

from __future__ import annotations

from datetime import date

from django.core.cache import cache
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from gridgov.assessment import scoring, selectors
from gridgov.assessment.page_parts import month_label, month_of, ranking_rows, refuse
from gridgov.campaigns.selectors import street_ranking
from gridgov.core.errors import BadInput, GridgovError, NotFound
from gridgov.grids import selectors as grid_selectors

PUBLIC_CACHE_SECONDS = 300  # a month's ranking of 660 workers takes seconds to score; the page is public

# The public page's sections, in order (scheme code, heading).
PUBLIC_SCHEMES = (
    ("street-100", gettext_lazy("Streets")),
    ("community-100", gettext_lazy("Communities")),
    ("unit-3rates", gettext_lazy("Departments")),
    ("worker-1000", gettext_lazy("Grid workers")),
    ("deputy-duty", gettext_lazy("Deputies")),
)
PUBLIC_MONTHS = 12  # months the picker offers before the current one


def _public_ranking(scheme: str, month: str, region: str | None) -> dict | None:
    """A scheme's public ranking (names masked, no ids), kept a few minutes: anyone may ask for it."""
    key = f"assessment:public-ranking:{scheme}:{month}:{region or ''}"
    found = cache.get(key)
    if found is None:
        try:
            found = scoring.ranking(scheme, month, region, public=True)
        except NotFound:  # scheme switched off
            found = {}
        cache.set(key, found, PUBLIC_CACHE_SECONDS)
    return found or None


def _month_choices(today: date, with_data: set[str]) -> list[tuple[str, str]]:
    months, month = [], month_of(today)
    for n in range(PUBLIC_MONTHS + 1):
        label = month_label(month)
        if n == 0:
            label = _("%(month)s (so far)") % {"month": label}
        if month not in with_data:
            label = _("%(month)s (no data)") % {"month": label}
        months.append((month, label))
        month = scoring.previous_month(month)
    return months


def _default_month(today: date, with_data: set[str]) -> str:
    """The latest finished month with cases; this month so far when only it has some; else last month,
    which then says that it has no data."""
    this = month_of(today)
    month = scoring.previous_month(this)
    for _n in range(PUBLIC_MONTHS):
        if month in with_data:
            return month
        month = scoring.previous_month(month)
    return this if this in with_data else scoring.previous_month(this)


@require_GET
def rankings(request):
    """排名公示: the month's rankings of streets, communities, departments, grid workers and deputies,
    with the change since last month. No sign-in, no personal data: people by masked name and grid."""
    today = timezone.localdate()
    region = request.GET.get("region") or None
    streets = list(grid_selectors.grid_list(level=1).values_list("code", "name"))
    oldest = month_of(today)
    for _n in range(PUBLIC_MONTHS):
        oldest = scoring.previous_month(oldest)
    with_data = selectors.months_with_cases(region=region, start=scoring.month_range(oldest)[0], end=today)
    # 公示 is of a finished month: the default is the latest one with cases; this month so far can be chosen.
    month = request.GET.get("month") or _default_month(today, with_data)
    try:
        first, _last = scoring.month_range(month)
        if first > today:
            raise BadInput(_("a month to come has no ranking yet"))
        if region and region not in {code for code, _name in streets}:
            raise BadInput(_("choose a street from the list"))
    except GridgovError as exc:
        return refuse(request, exc.status, _("Choose a month and a street from the lists."))
    month = month_of(first)  # 2026-3 → 2026-03
    sections = []
    for code, heading in PUBLIC_SCHEMES:
        ranking = _public_ranking(code, month, region)
        if ranking is None:
            continue
        people = ranking["scheme"]["subject"] in ("worker", "deputy")
        sections.append(
            {
                "code": code,
                "heading": heading,
                "scheme": ranking["scheme"],
                "people": people,
                "rows": ranking_rows(ranking),
                "has_data": ranking.get("has_data", True),
                "compared": bool(ranking.get("compared_with")),
            }
        )
    choices = _month_choices(today, with_data)
    if month not in {m for m, _label in choices}:
        choices.append((month, month_label(month)))
    has_data = any(s["has_data"] for s in sections)
    # 暗访通报: the district's streets by covert findings of the month (counts only; none: no section)
    covert = street_ranking(region=streets[0][0][:6], start=first, end=_last) if streets else []
    context = {
        "covert": covert if any(r["findings"] for r in covert) else [],
        "month": month,
        "month_label": month_label(month),
        "previous_month_label": month_label(scoring.previous_month(month)),
        "month_choices": choices,
        "region": region,
        "streets": streets,
        "sections": sections if has_data else [],
        "has_data": has_data,
        "compared": has_data and any(s["compared"] for s in sections),
    }
    return render(request, "assessment/rankings.html", context)
