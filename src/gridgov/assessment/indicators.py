"""The indicators (考核指标): one formula each over the case counters of facts.py.

Every rate is numerator / denominator over the cases reported in the chosen range, as an exact
fraction (a float of the two integers; None when the denominator is 0). Pages round for display:
642 / 647 = 0.992272… is what the API returns; the article prints it as 99.22 %.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Rate:
    name: str
    numerator: str
    denominator: str
    label: object  # lazily translated: 办结率 …


RATES: tuple[Rate, ...] = (
    Rate("closure_rate", "closed", "registered", _("closure rate")),  # 办结率
    Rate("on_time_rate", "closed_on_time", "closed", _("on-time closure rate")),  # 按期办结率
    Rate("response_rate", "signed_on_time", "sign_due", _("response rate")),  # 签收及时率
    Rate("resolution_rate", "solved", "evaluated", _("resolution rate")),  # 解决率
    Rate("satisfaction_rate", "satisfied", "evaluated", _("satisfaction rate")),  # 满意率
    Rate("rework_rate", "reworked", "checked", _("rework rate")),  # 返工率
    Rate("extension_rate", "extended", "dispatched", _("extension rate")),  # 延期率
)
RATE_BY_NAME = {r.name: r for r in RATES}
LEVELS = ("grid", "community", "street", "district")
COUNTS = ("received", "registered", "closed", "closed_on_time")
# "lower is better" rates: rankings and map colours turn them round
LOWER_IS_BETTER = {"rework_rate", "extension_rate"}


def fraction(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def from_counters(c: dict[str, int]) -> dict:
    """The API's indicator object (docs/architecture.md §4) from summed counters."""
    out: dict = {name: c[name] for name in COUNTS}
    for rate in RATES:
        out[rate.name] = fraction(c[rate.numerator], c[rate.denominator])
    out["resolved_at_level"] = {level: fraction(c[f"level_{level}"], c["closed"]) for level in LEVELS}
    # the integers behind every rate, so that a reader can redo the division
    out["fractions"] = {rate.name: [c[rate.numerator], c[rate.denominator]] for rate in RATES}
    out["fractions"]["resolved_at_level"] = {level: [c[f"level_{level}"], c["closed"]] for level in LEVELS}
    return out


def value_of(c: dict[str, int], name: str) -> float | None:
    """One indicator by name: a rate, a count, or a resolution level (level_grid …)."""
    if name in RATE_BY_NAME:
        rate = RATE_BY_NAME[name]
        return fraction(c[rate.numerator], c[rate.denominator])
    if name.startswith("level_"):
        return fraction(c[name], c["closed"])
    return c[name]
