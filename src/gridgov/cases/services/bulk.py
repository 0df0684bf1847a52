"""上报 in bulk (批量上报): many located reports as new cases in a few statements, for imports of work orders.

The same cases, events and follow-up work as `intake.report_case` writes one by one — the same checks,
grid, platform (`platforms.platform_of`, read once per grid), category and complexity, case numbers from
the day's counter (a few statements per chunk for all its days instead of one per case), a tracking code
each, the event's keyed hash chain (`record.state_digest`, `record.event_digest`) — but written with one
COPY (PostgreSQL) or executemany (SQLite) per table, as value lists without model instances
(core.bulk.Rows), and the follow-up tasks as one outbox row per task and chunk
(core.tasks.enqueue_batched_items) instead of two per case.

Two steps, so that an importer can refuse a chunk before anything of it is written: `prepare_cases`
checks the reports and drafts their cases (reads only), `insert_cases` writes them inside the caller's
transaction. No idempotency keys (imports deduplicate by their work-order numbers), no photos, never
就地解决: what an import needs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import cast

from django.db import connection
from django.utils import timezone

from gridgov.cases import deadlines, permissions
from gridgov.cases.models import URGENT_CHANNEL_HOURS, Case, CaseCounter, CaseEvent, Status
from gridgov.cases.phones import normalise_phone, search_keys_of
from gridgov.cases.services.inputs import text
from gridgov.cases.services.intake import channel_for
from gridgov.cases.services.numbering import new_tracking_codes
from gridgov.cases.services.platforms import platform_of
from gridgov.cases.services.record import (
    EVENT_FIELDS,
    canonical,
    case_state,
    event_digests,
    reporter_digests,
    state_digests,
    tracking_hashes,
)
from gridgov.core.bulk import Rows, Writer, reserve_ids
from gridgov.core.errors import GridgovError
from gridgov.core.tasks import enqueue_batched_items
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor, nearest_scope
from gridgov.routing.models import Category


@dataclass(frozen=True)
class BulkReport:
    """One located report: `grid` is the leaf (三级网格) the point (WGS-84) lies in, found by the caller
    with the locator (grids.locator.Locator.locate_many)."""

    title: str
    lon: float
    lat: float
    grid: str
    description: str = ""
    category: str | None = None  # an active leaf's code (checked by the caller against the category tree)
    address: str = ""
    reporter_name: str = ""
    reporter_phone: str = ""
    at: datetime | None = None


@dataclass
class Lookups:
    """What a bulk import reads once and keeps for its chunks: grids, platforms and categories by code."""

    grids: dict[str, Grid]
    platforms: dict[str, str]
    categories: dict[str, Category]

    @classmethod
    def empty(cls) -> Lookups:
        return cls({}, {}, {})

    def grid(self, code: str) -> Grid:
        return self.grids[code]

    def load(self, codes: set[str], categories: set[str]) -> None:
        missing = codes - self.grids.keys()
        if missing:
            self.grids.update((g.code, g) for g in Grid.objects.filter(code__in=missing, valid_to__isnull=True))
        for code in codes - self.platforms.keys():
            self.platforms[code] = platform_of(code)
        missing = categories - self.categories.keys()
        if missing:
            self.categories.update(
                (c.code, c) for c in Category.objects.filter(code__in=missing, is_leaf=True, active=True)
            )


@dataclass(frozen=True, slots=True)
class Draft:
    """A checked report, ready to be numbered and written (prepare_cases): what its case row holds besides
    what every case of the import shares."""

    title: str
    description: str
    lon: float
    lat: float
    address: str
    grid: Grid
    platform: str
    category: Category | None
    name: str
    phone: str
    reported_at: datetime


def prepare_cases(
    *, actor: Actor, channel: str, reports: list[BulkReport], lookups: Lookups
) -> tuple[list[Draft], dict[int, str]]:
    """The checked reports as drafts of their cases (no number yet; reads only), and the problems by the
    report's index in `reports` (message in the reader's language). The drafts are only those without a problem."""
    channel_for(actor, channel)  # Forbidden for all of them at once
    lookups.load({r.grid for r in reports}, {r.category for r in reports if r.category})
    now = timezone.now()
    drafts: list[Draft] = []
    problems: dict[int, str] = {}
    for i, r in enumerate(reports):
        try:
            title = text(r.title, "title", required=True, limit=200)
            description = text(r.description, "description", limit=5000)
            address = text(r.address, "location description", limit=200)
            name = text(r.reporter_name, "reporter name", limit=50)
            phone = text(normalise_phone(r.reporter_phone), "reporter phone", limit=20)
        except GridgovError as exc:
            problems[i] = exc.message
            continue
        grid = lookups.grids.get(r.grid)
        if grid is None:
            problems[i] = f"grid {r.grid} is not a current grid"
            continue
        cat = lookups.categories.get(r.category) if r.category else None
        if r.category and cat is None:
            problems[i] = f"unknown category {r.category!r}"
            continue
        platform = lookups.platforms[grid.code]
        drafts.append(
            Draft(
                title, description, float(r.lon), float(r.lat), address, grid, platform, cat, name, phone, r.at or now
            )
        )
    return drafts, problems


_DAYS_PER_STATEMENT = 500  # days moved on by one UPDATE (3 parameters each: well within SQLite's limit)


def _numbers(days: dict[str, int]) -> dict[str, int]:
    """The first number of each day's block: the day's counter moved on by the block's size. A few statements
    for all the days (a year of orders is 365 of them per chunk): the rows of days never counted created at 0
    (a row another process just created is left alone), then one UPDATE … RETURNING per 500 days."""
    CaseCounter.objects.bulk_create([CaseCounter(day=day, last=0) for day in sorted(days)], ignore_conflicts=True)
    quote = connection.ops.quote_name
    table, last, key = quote(CaseCounter._meta.db_table), quote("last"), quote("day")
    first: dict[str, int] = {}
    ordered = sorted(days.items())
    for start in range(0, len(ordered), _DAYS_PER_STATEMENT):
        part = ordered[start : start + _DAYS_PER_STATEMENT]
        steps = " ".join(["WHEN %s THEN %s"] * len(part))
        marks = ", ".join(["%s"] * len(part))
        params = [value for day_count in part for value in day_count] + [day for day, _ in part]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET {last} = {last} + CASE {key} {steps} END WHERE {key} IN ({marks}) "
                f"RETURNING {key}, {last}",
                params,
            )
            for day, value in cursor.fetchall():
                first[day] = value - days[day] + 1
    if first.keys() != days.keys():  # never: every day's row exists after the insert above
        raise RuntimeError(f"no day counter for {sorted(days.keys() - first.keys())[:3]}")
    return first


# The columns of a case that differ from one imported case to the next (Rows); the rest are shared.
_CASE_VARYING = (
    *("id", "number", "tracking_hash", "title", "description", "lon", "lat", "address", "grid_id", "platform"),
    *("category_id", "complexity", "reporter_name", "reporter_phone", "reporter_phone_keys", "reporter_digest"),
    *("last_hash", "light", "light_next_at", "reported_at", "updated_at"),
)
# What a case's state (record.case_state) has of its own, by the state's names; the rest is the import's.
_STATE_VARYING = (
    *("title", "description", "lon", "lat", "address", "platform", "complexity", "reporter_digest", "reported_at"),
    *("grid", "category"),
)


def insert_cases(*, actor: Actor, channel: str, drafts: list[Draft], writer: Writer) -> list[int]:
    """Number the drafts (in their order within each local day) and write their cases with their first
    event (上报), chained as record_event chains it, and their follow-up work. Inside a transaction. The
    cases' primary keys, in the drafts' order. The rows go to `writer` (core.bulk.Writer: written while the
    caller prepares its next batch), which is released once this batch's statements are done."""
    if not drafts:
        return []
    if not connection.in_atomic_block:
        raise RuntimeError("insert_cases writes inside the caller's transaction")
    channel = channel_for(actor, channel)
    days: dict[str, int] = defaultdict(int)
    zone = timezone.get_current_timezone()  # once: localtime() looks it up on every call
    local = [timezone.localtime(d.reported_at, zone).strftime("%Y%m%d") for d in drafts]
    for day in local:
        days[day] += 1
    first = _numbers(days)  # the first write: on SQLite it takes the write lock before the keys are reserved
    case_ids = reserve_ids(Case, len(drafts))
    event_ids = reserve_ids(CaseEvent, len(drafts))
    role = permissions.first_role(actor)
    scopes = actor.scopes(role)
    user_id = getattr(actor.user, "pk", None)  # None: a system actor
    # What every case of the import shares; the rest is the fields' defaults, as Case(...) would have them.
    cases = Rows(
        Case,
        fixed={
            "channel": channel,
            "urgent": channel in URGENT_CHANNEL_HOURS,
            "status": Status.REPORTED,
            "reporter_id": user_id,
            "event_count": 1,
            "version": 1,
        },
        varying=_CASE_VARYING,
        ready=("reported_at", "updated_at"),
    )
    data = {"channel": channel, "photos": cases.values["photos"]}  # the event's data: one object, digested and written
    events = Rows(
        CaseEvent,
        fixed={
            "seq": 1,
            "action": "report",
            "actor_id": user_id,
            "actor_label": actor.label,
            "actor_role": role,
            "from_status": "",
            "to_status": Status.REPORTED,
            "unit": "",
            "note": "",
            "data": data,
            "prev_hash": "",
        },
        varying=("id", "case_id", "actor_unit", "at", "state_hash", "hash"),
        ready=("at",),
    )
    event = {name: events.values[name] for name in EVENT_FIELDS}
    # the chain's digests (record.state_digest, event_digest) with what every case and event shares digested once
    digest_event = event_digests(
        prev_hash="", varying=("number", "actor_unit", "at", "state"), **_without(event, "actor_unit", "at")
    )
    digest_state = None
    # FK objects by name (case_state reads grid.code, category.code), beside the columns by attname
    shared = cases.values | {f.name: None for f in Case._meta.concrete_fields if f.is_relation}
    # What case_state and deadlines read: attributes only. One object for all the rows, each row's own
    # values set on it in turn (a copy of every column per row cost more than the digests); the columns
    # written after the digests start from the shared values again on every row.
    view = SimpleNamespace(**shared)
    case = cast(Case, view)
    later = {key: shared[key] for key in ("last_hash", "light", "light_next_at", "updated_at")}
    numbers = []
    for day in local:
        numbers.append(f"{day}{first[day]:06d}")
        first[day] += 1
    # the follow-up work first: after it this batch sends no statement of its own, so that the writer's
    # COPY of the batch before runs while the rows below are built
    enqueue_batched_items("gridgov.cases.notify_case_events", key="event_ids", items=event_ids)
    enqueue_batched_items("gridgov.assessment.refresh_cases", key="numbers", items=numbers)
    writer.release()
    # the codes themselves are nobody's to see
    tracking = tracking_hashes(zip(numbers, new_tracking_codes(len(numbers)), strict=True))
    reporters = reporter_digests((draft.name, draft.phone) for draft in drafts)
    phone_keys = search_keys_of(draft.phone for draft in drafts)
    for draft, number, tracking_hash, reporter, keys, case_id, event_id in zip(
        drafts, numbers, tracking, reporters, phone_keys, case_ids, event_ids, strict=True
    ):
        at = draft.reported_at
        name, phone, grid, category = draft.name, draft.phone, draft.grid, draft.category
        values = later.copy()
        values.update(
            id=case_id,
            number=number,
            tracking_hash=tracking_hash,
            title=draft.title,
            description=draft.description,
            lon=draft.lon,
            lat=draft.lat,
            address=draft.address,
            grid=grid,
            grid_id=grid.pk,
            platform=draft.platform,
            category=category,
            category_id=category.pk if category is not None else None,
            complexity=category.complexity if category is not None else "general",
            reporter_name=name,
            reporter_phone=phone,
            reporter_digest=reporter,
            reporter_phone_keys=keys,
            reported_at=at,
        )
        vars(view).update(values)
        # record_event, for a new case's first event
        if digest_state is None:  # the first case's state: every other one differs from it only in _STATE_VARYING
            digest_state = state_digests(case_state(case), _STATE_VARYING)
        moment = canonical(at)  # digested as `at` is, converted once for both digests
        state = digest_state(
            {key: values[key] for key in _STATE_VARYING}
            | {"grid": grid.code, "category": category.code if category is not None else None, "reported_at": moment}
        )
        event["actor_unit"] = nearest_scope(scopes, (case.lead_unit, *case.assisting_units, grid.code, draft.platform))
        event["at"] = at
        digest = digest_event({"number": number, "actor_unit": event["actor_unit"], "at": moment, "state": state})
        stored_at = cases.store("reported_at", at)
        values.update(
            last_hash=digest,
            light=deadlines.case_light(case, at) or "",
            light_next_at=deadlines.next_light_change(case, at),  # as record_event: when the sweep looks again
            reported_at=stored_at,
            updated_at=stored_at,
        )
        cases.add(values)
        events.add({**event, "id": event_id, "case_id": case_id, "at": stored_at, "state_hash": state, "hash": digest})
    writer.write(cases, events)
    return case_ids


def _without(values: dict, *names: str) -> dict:
    return {k: v for k, v in values.items() if k not in names}
