"""How many households a grid should hold, per area (规模适度, 网格定人): a setting, not a constant.

The seeds give a city 三级网格 300–500 households by default, 焦作 about 400, and villages one grid per
村民小组 (so a village grid is not measured in households at all). settings.GRIDGOV_GRID_SIZE_RULES maps a
grid code prefix to `{"min": n, "max": n}` or `{"basis": "villager_groups"}`; the longest prefix that
begins a grid's code decides, and DEFAULT_RULE holds where none does. The count is Grid.households.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from gridgov.grids.models import Grid

DEFAULT_MIN, DEFAULT_MAX = 300, 500
VILLAGER_GROUPS = "villager_groups"


@dataclass(frozen=True)
class SizeRule:
    prefix: str  # "" for the default
    min: int
    max: int
    basis: str = "households"  # or VILLAGER_GROUPS: not measured in households

    @property
    def counted(self) -> bool:
        return self.basis == "households"


DEFAULT_RULE = SizeRule("", DEFAULT_MIN, DEFAULT_MAX)


def rules() -> list[SizeRule]:
    """The configured rules, longest prefix first (a malformed entry is refused by the system check)."""
    found = []
    for prefix, spec in (getattr(settings, "GRIDGOV_GRID_SIZE_RULES", None) or {}).items():
        basis = spec.get("basis", "households")
        found.append(SizeRule(str(prefix), int(spec.get("min", 0)), int(spec.get("max", 0)), basis))
    return sorted(found, key=lambda r: len(r.prefix), reverse=True)


def rule_for(code: str, configured: list[SizeRule] | None = None) -> SizeRule:
    """The rule of a grid: the longest configured prefix of its code, else the default."""
    for rule in rules() if configured is None else configured:
        if code.startswith(rule.prefix):
            return rule
    return DEFAULT_RULE


def rule_problems() -> list[str]:
    """What is wrong with the configured rules, for the system check (empty when they are fine)."""
    problems = []
    for prefix, spec in (getattr(settings, "GRIDGOV_GRID_SIZE_RULES", None) or {}).items():
        if not isinstance(spec, dict):
            problems.append(f"{prefix}: a rule is an object")
            continue
        basis = spec.get("basis", "households")
        if basis not in ("households", VILLAGER_GROUPS):
            problems.append(f"{prefix}: basis is households or {VILLAGER_GROUPS}, not {basis}")
        elif basis == "households":
            low, high = spec.get("min"), spec.get("max")
            if not (isinstance(low, int) and isinstance(high, int) and 0 <= low <= high):
                problems.append(f"{prefix}: min and max are whole numbers with min ≤ max")
    return problems


def grids_outside_rule(*, root: str = "", level: int = 3) -> list[dict]:
    """The current grids of a level (3, 三级网格, by default) under `root` whose household count lies outside
    their area's rule, by code: `{code, name, households, min, max, prefix}`. Grids of a villager-group
    rule are not measured and never listed."""
    configured = rules()
    flagged = []
    grids = Grid.objects.filter(level=level, valid_to__isnull=True, code__startswith=root).order_by("code")
    for code, name, households in grids.values_list("code", "name", "households"):
        rule = rule_for(code, configured)
        if rule.counted and not rule.min <= households <= rule.max:
            flagged.append(
                {
                    "code": code,
                    "name": name,
                    "households": households,
                    "min": rule.min,
                    "max": rule.max,
                    "prefix": rule.prefix,
                }
            )
    return flagged
