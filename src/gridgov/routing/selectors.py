"""Reads of the routing app: category look-ups for pickers, the routing decision (派单) and deadline limits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, cast

from django.db.models import Case, IntegerField, Q, QuerySet, Value, When

from gridgov.grids.models import CODE_LENGTH, LEVEL_OF_LENGTH
from gridgov.routing.models import Category, Complexity, DispatchRule, HandlingMode, ModeRule


def leaf_categories(tree: str | None = None) -> QuerySet[Category]:
    """Active leaf classes (the ones a case is filed under), optionally of one tree, by code."""
    qs = Category.objects.filter(is_leaf=True, active=True)
    return qs.filter(tree=tree) if tree else qs


def category(code: str) -> Category | None:
    """The category with this code, or None."""
    return Category.objects.filter(code=code).first() if code else None


def search_categories(text: str, limit: int = 20, tree: str | None = None) -> list[Category]:
    """Active classes whose name or keywords contain `text` (or whose code starts with it), for a picker.

    Exact names first, then names starting with the text, then other name matches, then keyword matches;
    leaves before branches within each group.
    """
    text = (text or "").strip()
    if not text or limit <= 0:
        return []
    qs = Category.objects.filter(active=True).filter(
        Q(name__icontains=text) | Q(keywords__icontains=text) | Q(code__istartswith=text)
    )
    if tree:
        qs = qs.filter(tree=tree)
    rank = Case(
        When(name=text, then=Value(0)),
        When(name__startswith=text, then=Value(1)),
        When(name__icontains=text, then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    return list(qs.annotate(rank=rank).select_related("parent").order_by("rank", "-is_leaf", "depth", "code")[:limit])


@dataclass(frozen=True)
class Route:
    """Where a case goes: the lead unit, the assisting units (联合执法) and whether the catalogue said so."""

    unit: str
    assisting: list[str] = field(default_factory=list)
    source: Literal["catalogue", "default"] = "default"
    rule_id: int | None = None


def _ancestry(cat: Category) -> list[int]:
    """The category and its ancestors, nearest first (a few small queries: trees are 2–3 levels deep)."""
    ids, parent_id = [cat.pk], cat.parent_id
    while parent_id is not None and parent_id not in ids:
        ids.append(parent_id)
        parent_id = Category.objects.filter(pk=parent_id).values_list("parent_id", flat=True).first()
    return ids


def _target(token: str, grid_code: str, level: int | None) -> str:
    """Blank is the case's grid; "@N" its ancestor at level N (a prefix of the code, GB/T 30428.1)."""
    if token == "":
        return grid_code
    if token.startswith("@"):
        n = int(token[1:])
        return grid_code[: CODE_LENGTH[n]] if level is not None and n < level else grid_code
    return token


def responsible_unit(*, category: Category | None, grid_code: str, district: str) -> Route:
    """The routing decision (派单): which unit leads a case of `category` filed in the grid `grid_code`.

    The dispatch catalogue is searched for rules of the category or, failing that, its nearest ancestor
    with a rule; rules for the case's district beat rules for every district (blank), and among those a
    rule for the grid's own level beats one for any level. Nothing matching (or no category) leaves the
    case where it was found: the unit is the grid itself, so a case never falls into a void — its
    platform dispatches it by hand.
    """
    level = LEVEL_OF_LENGTH.get(len(grid_code))
    if category is None:
        return Route(unit=grid_code)
    chain = _ancestry(category)
    rules = list(
        DispatchRule.objects.filter(category_id__in=chain, district__in=[district, ""])
        .filter(Q(grid_level=level) | Q(grid_level__isnull=True))
        .values("id", "category_id", "grid_level", "district", "unit", "assisting")
    )
    if not rules:
        return Route(unit=grid_code)
    best = min(
        rules,
        key=lambda r: (chain.index(r["category_id"]), r["district"] != district, r["grid_level"] is None, r["id"]),
    )
    lead = _target(best["unit"], grid_code, level)
    assisting: list[str] = []
    for token in filter(None, (t.strip() for t in best["assisting"].split(","))):
        code = _target(token, grid_code, level)
        if code != lead and code not in assisting:
            assisting.append(code)
    return Route(unit=lead, assisting=assisting, source="catalogue", rule_id=best["id"])


@dataclass(frozen=True)
class Limits:
    """Deadline parameters: hours to sign (working), days to resolve (working), clock hours when urgent."""

    sign_hours: int
    resolve_days: int
    resolve_hours: int | None
    urgent: bool


# How complexity scales a class's resolve limit (given for a general case), as a fraction, rounded up.
# complex ×3 turns the 12345 practice of 5 working days into its 15 days for complex requests; simple
# halves it but never below one day. An urgent class's clock hours are the time to make it safe and are
# not scaled: a collapsed road is as urgent whatever the dispatcher calls it.
# cast: without django-stubs mypy reads a TextChoices member as its (value, label) tuple; it is a str.
COMPLEXITY_FACTOR = cast(
    dict[str, tuple[int, int]],
    {
        Complexity.SIMPLE: (1, 2),
        Complexity.GENERAL: (1, 1),
        Complexity.COMPLEX: (3, 1),
        Complexity.LEGACY: (4, 1),
        Complexity.MAJOR: (6, 1),
    },
)
DEFAULT_SIGN_HOURS = 2  # uncategorised cases: 2 working hours to sign, 5 working days to resolve
DEFAULT_RESOLVE_DAYS = 5


def limits(category: Category | None, complexity: str | None = None) -> Limits:
    """The limits of a case of `category` at `complexity` (default: the category's own default complexity)."""
    if category is None:
        sign, days, hours, urgent = DEFAULT_SIGN_HOURS, DEFAULT_RESOLVE_DAYS, None, False
        complexity = complexity or cast(str, Complexity.GENERAL)
    else:
        sign, days, urgent = category.sign_hours, category.resolve_days, category.urgent
        hours = category.resolve_hours if urgent else None
        complexity = complexity or category.complexity
    if complexity not in COMPLEXITY_FACTOR:
        raise ValueError(f"unknown complexity {complexity!r}; one of {', '.join(COMPLEXITY_FACTOR)}")
    num, den = COMPLEXITY_FACTOR[complexity]
    return Limits(
        sign_hours=max(1, sign), resolve_days=max(1, -(-days * num // den)), resolve_hours=hours, urgent=urgent
    )


# Without a rule for a complexity (an administrator took it out of every mode), a case is coordinated: a lead
# unit under the platform, the loop as it always was.
FALLBACK_MODE = cast(str, HandlingMode.COORDINATED)


def mode_rules() -> dict[str, ModeRule]:
    return {r.mode: r for r in ModeRule.objects.all()}


def mode_for(complexity: str, rules: dict[str, ModeRule] | None = None) -> str:
    """办理方式 that a case of `complexity` gets when it is registered (ModeRule.complexities)."""
    for rule in (rules if rules is not None else mode_rules()).values():
        if complexity in rule.complexity_list:
            return rule.mode
    return FALLBACK_MODE


def mode_rule(mode: str) -> ModeRule:
    """The rule of `mode`; an unsaved blank rule (asks nothing) when the table lacks it."""
    return ModeRule.objects.filter(mode=mode).first() or ModeRule(mode=mode)
