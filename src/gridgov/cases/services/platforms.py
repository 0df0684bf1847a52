"""Which platform (指挥中心: community, street or district) holds a case, and at which level it was solved."""

from __future__ import annotations

from typing import cast

from django.db import connection
from django.utils import timezone

from gridgov.cases.models import Case, ResolvedLevel
from gridgov.cases.permissions import level_of_code
from gridgov.people.models import Post, in_force

# cast: without django-stubs mypy reads a TextChoices member as its (value, label) tuple; it is a str.
LEVEL_NAMES = cast(dict[int, str], {0: ResolvedLevel.DISTRICT, 1: ResolvedLevel.STREET, 2: ResolvedLevel.COMMUNITY})


def platform_of(grid_code: str) -> str:
    """The platform a new case goes to: the nearest platform above the grid (community, street,
    district) that has a dispatcher on duty; the district when none has (never into a void)."""
    candidates = [grid_code[:n] for n in (12, 9) if len(grid_code) >= n]
    staffed = _staffed(candidates)
    for code in candidates:
        if code in staffed:
            return code
    return grid_code[:6]


def _staffed(scopes: list[str]) -> set[str]:
    # read on every report: plain SQL, the ORM's compile of this filter costs more than the read itself
    if not scopes:
        return set()
    quote = connection.ops.quote_name
    table, scope, role, active, start, end = (
        quote(n) for n in (Post._meta.db_table, "scope", "role", "active", "start_date", "end_date")
    )
    marks = ", ".join(["%s"] * len(scopes))
    day = timezone.localdate()  # people.models.in_force, spelled in SQL
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {scope} FROM {table} WHERE {role} = %s AND {active} = %s AND {scope} IN ({marks})"
            f" AND ({start} IS NULL OR {start} <= %s) AND ({end} IS NULL OR {end} >= %s)",
            ["dispatcher", True, *scopes, day, day],
        )
        return {row[0] for row in cursor.fetchall()}


def parent_platform(platform: str) -> str | None:
    """The next staffed platform above a platform (逐级上报), or None at the district."""
    for n in (9, 6):
        if len(platform) > n:
            code = platform[:n]
            if n == 6 or Post.objects.filter(in_force(), role="dispatcher", scope=code).exists():
                return code
    return None


def resolution_level(case: Case) -> str:
    """The level that solved a case (解决层级): its lead grid's (a grid below the community counts as
    the grid), else its platform's."""
    if case.lead_unit and not case.lead_unit.startswith("D"):
        level = level_of_code(case.lead_unit)
        return cast(str, ResolvedLevel.GRID) if level >= 3 else LEVEL_NAMES[level]
    return LEVEL_NAMES[level_of_code(case.platform)]
