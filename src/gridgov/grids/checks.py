"""Checks of the grid tree: 无缝覆盖 (seamless cover) and 规模适度 (size balance)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import shapely

from gridgov.core import geo
from gridgov.grids import size_rules
from gridgov.grids.selectors import current_geometries, subtree

TOLERANCE_M2 = 1.0  # gaps and overlaps below one square metre are rounding, not errors


@dataclass
class CheckReport:
    counts_by_level: dict[str, int] = field(default_factory=dict)
    gaps: int = 0
    overlaps: int = 0
    outside_parent: int = 0
    orphans: int = 0
    invalid: int = 0
    missing_geometry: int = 0
    size_flags: int = 0
    problems: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (self.gaps or self.overlaps or self.outside_parent or self.orphans or self.invalid)

    def as_dict(self) -> dict:
        return {
            "counts_by_level": self.counts_by_level,
            "gaps": self.gaps,
            "overlaps": self.overlaps,
            "outside_parent": self.outside_parent,
            "orphans": self.orphans,
            "invalid": self.invalid,
            "missing_geometry": self.missing_geometry,
            "size_flags": self.size_flags,
            "ok": self.ok,
            "problems": self.problems,
        }


def check_tree(root: str | None = None) -> CheckReport:
    """Check the current tree (or the subtree under `root`); every problem is listed with its grid."""
    report = CheckReport()
    grids = list(
        subtree(root).values("code", "level", "parent__code", "parent__valid_to", "parent_id", "households", "name")
    )
    geoms = current_geometries([g["code"] for g in grids])
    children: dict[str, list[str]] = defaultdict(list)
    levels: dict[str, int] = defaultdict(int)
    configured = size_rules.rules()

    def problem(kind: str, code: str, detail: str, area: float | None = None) -> None:
        entry: dict[str, str | float] = {"check": kind, "code": code, "detail": detail}
        if area is not None:
            entry["area_m2"] = round(area, 2)
        report.problems.append(entry)

    for g in grids:
        levels[str(g["level"])] += 1
        code = g["code"]
        if g["level"] > 0 and (g["parent_id"] is None or g["parent__valid_to"] is not None):
            report.orphans += 1
            problem("orphans", code, "no current parent grid")
        elif g["parent__code"]:
            children[g["parent__code"]].append(code)
        geom = geoms.get(code)
        if geom is None:
            report.missing_geometry += 1
            problem("missing_geometry", code, "no boundary")
        elif not geom.is_valid:
            report.invalid += 1
            problem("invalid", code, shapely.is_valid_reason(geom))
        rule = size_rules.rule_for(code, configured)
        if g["level"] == 3 and rule.counted and not rule.min <= g["households"] <= rule.max:
            report.size_flags += 1
            problem("size_flags", code, f"{g['households']} households, outside {rule.min}–{rule.max}")
    report.counts_by_level = dict(sorted(levels.items()))

    valid = {c: g for c, g in geoms.items() if g.is_valid}
    for parent_code, kids in sorted(children.items()):
        parent = valid.get(parent_code)
        shapes = [valid[k] for k in kids if k in valid]
        if parent is None or not shapes:
            continue
        _check_siblings(report, parent_code, parent, [k for k in kids if k in valid], shapes, problem)
    return report


def _check_siblings(report, parent_code, parent, codes, shapes, problem) -> None:
    union = shapely.union_all(shapes)
    gap = shapely.difference(parent, union)
    gap_area = geo.area_m2(gap)
    if gap_area > TOLERANCE_M2:
        report.gaps += 1
        problem("gaps", parent_code, "children leave part of the grid uncovered", gap_area)
    for code, shape in zip(codes, shapes, strict=True):
        outside = geo.area_m2(shapely.difference(shape, parent))
        if outside > TOLERANCE_M2:
            report.outside_parent += 1
            problem("outside_parent", code, f"extends beyond its parent {parent_code}", outside)
    tree = shapely.STRtree(shapes)
    left, right = tree.query(shapes, predicate="intersects")
    for i, j in zip(left, right, strict=True):
        if i >= j:
            continue
        area = geo.area_m2(shapely.intersection(shapes[i], shapes[j]))
        if area > TOLERANCE_M2:
            report.overlaps += 1
            problem("overlaps", codes[i], f"overlaps {codes[j]}", area)
