"""Keeping the rollups (日汇总) equal to the event log: incrementally, idempotently.

A case's contribution is recomputed from its events (facts.case_counters) under the case's row lock,
the old contribution stored in its CaseFact is taken out of the rollup rows and the new one put in,
in one transaction. Running it twice, or on two workers, changes nothing the second time.
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import date
from pathlib import Path

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.assessment.facts import COUNTERS, Keys, case_counters
from gridgov.assessment.models import CaseFact, Rollup, ScoringScheme, Subject
from gridgov.cases.models import Case, CaseEvent
from gridgov.core.audit import record
from gridgov.core.errors import BadInput

Delta = dict[tuple[str, str, int, date], dict[str, int]]


def category_roots(ids=None) -> dict[int, str]:
    """category id → the code of its top class (for the category breakdown); all, or just `ids`."""
    from gridgov.routing.models import Category

    rows: dict[int, tuple[str, int | None]] = {}
    wanted = None if ids is None else set(ids) - {None}
    query = Category.objects.all() if wanted is None else Category.objects.filter(pk__in=wanted)
    while True:  # fetch the parents still missing, one level per query (trees are a few levels deep)
        rows.update({pk: (code, parent) for pk, code, parent in query.values_list("id", "code", "parent_id")})
        missing = {parent for _, parent in rows.values() if parent is not None and parent not in rows}
        if not missing:
            break
        query = Category.objects.filter(pk__in=missing)

    def root(pk: int) -> str:
        for _ in range(20):
            parent = rows[pk][1]
            if parent is None:
                break
            pk = parent
        return rows[pk][0]

    return {pk: root(pk) for pk in (rows if wanted is None else wanted & rows.keys())}


def keys_of(case: Case, grid_code: str, roots: dict[int, str]) -> Keys:
    return Keys(
        grid=grid_code,
        unit=case.lead_unit or "",
        person=str(case.reporter_id) if case.reporter_id else "",
        category_root=roots.get(case.category_id, "") if case.category_id else "",
    )


def local_day(case: Case) -> date:
    return timezone.localtime(case.reported_at).date()


def add_contribution(delta: Delta, keys: Keys, day: date, counters: dict[str, int], sign: int) -> None:
    """Add (sign +1) or take out (-1) one case's counters in every rollup row its keys reach, into
    `delta`; refresh_cases, rebuild_rollups and the dashboard bench's bulk load share it."""
    for kind, code, level in keys.rows():
        row = delta.setdefault((kind, code, level, day), defaultdict(int))
        for name in COUNTERS:
            if counters[name]:
                row[name] += sign * counters[name]


def _fact_keys(fact: CaseFact) -> Keys:
    return Keys(grid=fact.grid, unit=fact.unit, person=fact.person, category_root=fact.category_root)


def _apply(delta: Delta) -> None:
    """Add the deltas to the rollup rows, creating missing rows first (safe against a concurrent create)."""
    delta = {k: {n: v for n, v in row.items() if v} for k, row in delta.items()}
    delta = {k: row for k, row in delta.items() if row}
    if not delta:
        return
    Rollup.objects.bulk_create(
        [Rollup(kind=k, code=c, level=lv, day=d) for (k, c, lv, d) in delta], ignore_conflicts=True
    )
    # a fixed order, so that two workers never wait on each other's rows crosswise (deadlock)
    for (kind, code, _level, day), row in sorted(delta.items(), key=lambda item: (item[0][0], item[0][1], item[0][3])):
        Rollup.objects.filter(kind=kind, code=code, day=day).update(**{n: F(n) + v for n, v in row.items()})


@transaction.atomic
def refresh_cases(*, numbers: list[str], roots: dict[int, str] | None = None) -> int:
    """Bring these cases' facts and their rollups up to date with their events; returns how many changed."""
    # only what the keys need: a whole case row would also decrypt the reporter's name and phone
    cases = list(
        Case.objects.select_for_update()
        .filter(number__in=numbers)
        .order_by("pk")
        .only("number", "category", "lead_unit", "reporter", "reported_at", "event_count")
    )
    if not cases:
        return 0
    roots = roots if roots is not None else category_roots({c.category_id for c in cases})
    # select_related cannot be combined with the lock on PostgreSQL for nullable joins: fetch grids apart
    grid_codes = dict(Case.objects.filter(pk__in=[c.pk for c in cases]).values_list("pk", "grid__code"))
    facts = CaseFact.objects.select_for_update().in_bulk([c.pk for c in cases])
    events_by_case: dict[int, list] = defaultdict(list)
    for event in (
        CaseEvent.objects.filter(case_id__in=[c.pk for c in cases])
        .only("case_id", "seq", "action", "to_status", "data", "at")
        .order_by("case_id", "seq")
    ):
        events_by_case[event.case_id].append(event)

    delta: Delta = {}
    changed = 0
    to_create: list[CaseFact] = []
    to_update: list[CaseFact] = []
    for case in cases:
        counters = case_counters(events_by_case[case.pk])
        keys = keys_of(case, grid_codes[case.pk], roots)
        day = local_day(case)
        old = facts.get(case.pk)
        if old is not None:
            old_counters = {n: getattr(old, n) for n in COUNTERS}
            if old_counters == counters and _fact_keys(old) == keys and old.day == day:
                if old.event_count != case.event_count:
                    old.event_count = case.event_count
                    to_update.append(old)
                continue
            add_contribution(delta, _fact_keys(old), old.day, old_counters, -1)
        add_contribution(delta, keys, day, counters, +1)
        fact = old or CaseFact(case_id=case.pk)
        fact.day, fact.event_count = day, case.event_count
        fact.grid, fact.unit, fact.person, fact.category_root = keys.grid, keys.unit, keys.person, keys.category_root
        for name, value in counters.items():
            setattr(fact, name, value)
        (to_update if old is not None else to_create).append(fact)
        changed += 1
    if to_update:  # rewritten rather than bulk_update: its CASE per column is far slower for 20 columns
        CaseFact.objects.filter(pk__in=[f.pk for f in to_update]).delete()
    CaseFact.objects.bulk_create(to_create + to_update)
    _apply(delta)
    return changed


def stale_cases(limit: int = 2000) -> list[str]:
    """Cases whose fact is missing or older than their event log (a lost task, a crash, a new install)."""
    return list(
        Case.objects.filter(Q(fact__isnull=True) | ~Q(fact__event_count=F("event_count")))
        .order_by("pk")
        .values_list("number", flat=True)[:limit]
    )


def catch_up(*, batch: int = 500) -> int:
    """Refresh every stale case, in batches (each its own transaction); returns how many changed."""
    roots = category_roots()
    changed, last = 0, None
    while (numbers := stale_cases(batch)) and numbers != last:  # the same batch twice: give up till next run
        changed += refresh_cases(numbers=numbers, roots=roots)
        last = numbers
    return changed


@transaction.atomic
def rebuild_rollups() -> int:
    """Recompute every rollup row from the stored facts (after a schema change, or to repair by hand)."""
    Rollup.objects.all().delete()
    delta: Delta = {}
    for fact in CaseFact.objects.iterator(chunk_size=5000):
        add_contribution(delta, _fact_keys(fact), fact.day, {n: getattr(fact, n) for n in COUNTERS}, +1)
    rows = [Rollup(kind=k, code=c, level=lv, day=d, **row) for (k, c, lv, d), row in delta.items()]
    Rollup.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


SCHEMES_FILE = Path(__file__).parent / "data" / "schemes.json"


@transaction.atomic
def save_scheme(
    *,
    actor,
    code: str,
    name: str,
    subject: str,
    items: list,
    level: int | None = None,
    total: int = 100,
    bonus_cap: float = 0,
    active: bool = True,
) -> ScoringScheme:
    """Create or change a scoring scheme (考核方案), after checking its items."""
    from gridgov.assessment.scoring import validate_items

    validate_items(items)
    if subject not in Subject.values:
        raise BadInput(gettext("subject must be one of %(known)s") % {"known": ", ".join(Subject.values)})
    scheme, created = ScoringScheme.objects.update_or_create(
        code=code,
        defaults={
            "name": name,
            "subject": subject,
            "items": items,
            "level": level,
            "total": total,
            "bonus_cap": bonus_cap,
            "active": active,
        },
    )
    record(
        actor=actor,
        action="assessment.scheme_created" if created else "assessment.scheme_changed",
        object_type="scoring_scheme",
        object_id=code,
        data={"items": items, "total": total, "bonus_cap": bonus_cap},
    )
    return scheme


def install_default_schemes(*, actor=None, overwrite: bool = False) -> int:
    """The schemes of data/schemes.json (千分制, 百分制, 三率, 履职积分); existing ones kept unless overwrite."""
    count = 0
    for spec in json.loads(SCHEMES_FILE.read_text(encoding="utf-8")):
        if overwrite or not ScoringScheme.objects.filter(code=spec["code"]).exists():
            save_scheme(actor=actor, **spec)
            count += 1
    return count
