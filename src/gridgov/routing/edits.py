"""Single edits to the routing configuration from the admin: one class (问题分类), one dispatch rule (派单规则).

Each is a service: keyword-only, one transaction, checked like an import row (a rule naming a unit or grid
that does not exist is refused), and written to the audit log.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext

from gridgov.core import audit
from gridgov.core.errors import BadInput, Conflict, NotFound
from gridgov.routing.models import UNIT_TOKEN, Category, DispatchRule
from gridgov.routing.services import DISTRICT_RE, import_categories, missing_units


@transaction.atomic
def save_category(
    *,
    code: str,
    name: str,
    tree: str,
    parent: str | None,
    complexity: str,
    sign_hours: int,
    resolve_days: int,
    urgent: bool,
    resolve_hours: int | None,
    unit_kind: str,
    keywords: str,
    active: bool,
    actor=None,
) -> Category:
    """Create or update one class by code, with the import's checks (tree, parent, limits) and its audit event;
    depths and leaf flags follow (refresh_tree)."""
    row = {
        "row": 1,
        "code": code,
        "name": name,
        "tree": tree,
        "parent": parent or "",
        "complexity": complexity,
        "sign_hours": str(sign_hours),
        "resolve_days": str(resolve_days),
        "urgent": "1" if urgent else "0",
        "resolve_hours": "" if resolve_hours is None else str(resolve_hours),
        "unit_kind": unit_kind,
        "keywords": keywords or "",
        "active": "1" if active else "0",
    }
    import_categories(rows=[row], actor=actor, source=f"admin edit {code}")
    return Category.objects.get(code=code)


def _tokens(unit: str, assisting: str) -> list[str]:
    return [t for t in [unit, *assisting.split(",")] if t]


@transaction.atomic
def save_dispatch_rule(
    *,
    rule_id: int | None,
    category: Category,
    grid_level: int | None,
    district: str,
    unit: str,
    assisting: str,
    note: str,
    actor=None,
) -> DispatchRule:
    """Create (`rule_id` None) or change one row of the dispatch catalogue (派单目录).

    The unit and the assisting units must exist (unit codes and grid codes; @1…@4 and blank always do), the
    grid level is 0–4 or empty, and one rule per category, level and district.
    """
    unit = (unit or "").strip()
    assisting = ",".join(t.strip() for t in re.split(r"[,;，；、\s]+", assisting or "") if t.strip())
    district = (district or "").strip()
    problems = []
    if grid_level is not None and not 0 <= grid_level <= 4:
        problems.append(gettext("grid level must be 0–4 or empty, not %(level)s") % {"level": grid_level})
    if district and not DISTRICT_RE.match(district):
        problems.append(gettext("district must be a 6-digit code, not %(district)s") % {"district": district})
    for token in _tokens(unit, assisting):
        if not re.fullmatch(UNIT_TOKEN, token):
            problems.append(gettext("%(unit)s is neither a unit code, a grid code nor @0…@4") % {"unit": token})
    for token in sorted(missing_units(set(_tokens(unit, assisting)))):
        problems.append(
            gettext("unknown unit %(unit)s") % {"unit": token}
            if token.startswith("D")
            else gettext("unknown grid %(grid)s") % {"grid": token}
        )
    if problems:
        raise BadInput("; ".join(problems))
    rule = (
        DispatchRule(category=category)
        if rule_id is None
        else (DispatchRule.objects.select_for_update().filter(pk=rule_id).first())
    )
    if rule is None:
        raise NotFound(gettext("dispatch rule %(id)s does not exist (any more): reload the list") % {"id": rule_id})
    same = DispatchRule.objects.filter(category=category, grid_level=grid_level, district=district)
    if rule.pk is not None:
        same = same.exclude(pk=rule.pk)
    if same.exists():
        raise Conflict(
            gettext("%(category)s already has a rule for this grid level and district: change that one")
            % {"category": category.code}
        )
    before = {
        "category": rule.category.code if rule.pk else None,
        "grid_level": rule.grid_level,
        "district": rule.district,
        "unit": rule.unit,
        "assisting": rule.assisting,
        "note": rule.note,
    }
    rule.category, rule.grid_level, rule.district = category, grid_level, district
    rule.unit, rule.assisting, rule.note = unit, assisting, (note or "").strip()
    rule.save()
    audit.record(
        actor=actor,
        action="routing.save_dispatch_rule",
        object_type="dispatch_rule",
        object_id=rule.pk,
        data={
            "before": before if before["category"] else None,
            "after": {
                "category": category.code,
                "grid_level": grid_level,
                "district": district,
                "unit": unit,
                "assisting": assisting,
                "note": rule.note,
            },
        },
    )
    return rule


@transaction.atomic
def delete_dispatch_rule(*, rule_id: int, actor=None) -> None:
    """Remove one row of the dispatch catalogue; its class falls back to its parent's rule or to the grid."""
    rule = DispatchRule.objects.select_for_update().select_related("category").filter(pk=rule_id).first()
    if rule is None:
        return  # already gone: deleting twice is not an error
    data = {
        "category": rule.category.code,
        "grid_level": rule.grid_level,
        "district": rule.district,
        "unit": rule.unit,
        "assisting": rule.assisting,
        "note": rule.note,
    }
    rule.delete()
    audit.record(
        actor=actor,
        action="routing.delete_dispatch_rule",
        object_type="dispatch_rule",
        object_id=str(rule_id),
        data=data,
    )
