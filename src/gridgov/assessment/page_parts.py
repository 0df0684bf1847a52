"""What the assessment's pages share: the refusal page, months and their labels, and a ranking's rows
with their change since last month (▲ ▼ —)."""

from __future__ import annotations

from datetime import date

from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from gridgov.assessment import scoring


def refuse(request, status: int, message: str):
    return render(request, "assessment/refused.html", {"status": status, "message": message}, status=status)


def month_of(day: date) -> str:
    return f"{day.year}-{day.month:02d}"


def _rank_change(change: int | None) -> dict:
    """▲ up, ▼ down, — same, new: the ranking's change since last month, with words for screen readers."""
    if change is None:
        return {"kind": "new", "symbol": _("new"), "words": _("not ranked last month")}
    if change > 0:
        return {"kind": "up", "symbol": f"▲{change}", "words": _("up %(n)s places") % {"n": change}}
    if change < 0:
        return {"kind": "down", "symbol": f"▼{-change}", "words": _("down %(n)s places") % {"n": -change}}
    return {"kind": "same", "symbol": "—", "words": _("same place as last month")}


def ranking_rows(ranking: dict) -> list[dict]:
    """Rows with their change; no arrow against a month without cases, nor for a subject without cases."""

    def change(row: dict) -> dict:
        if row["rank"] is None:
            return {"kind": "none", "symbol": "—", "words": _("no cases this month")}
        if not ranking.get("compared_with"):
            return {"kind": "none", "symbol": "—", "words": _("no data last month")}
        return _rank_change(row["rank_change"])

    return [{**row, "change": change(row)} for row in ranking["items"]]


def month_label(month: str) -> str:
    """2026-11 → 2026年11月 / November 2026."""
    return date_format(scoring.month_range(month)[0], "YEAR_MONTH_FORMAT")
