"""上报 in bulk (批量上报): many located reports as new cases in a few statements, for imports of work orders.

The same cases, events and follow-up work as `intake.report_case` writes one by one — the same checks,
grid, platform (`platforms.platform_of`, read once per grid), category and complexity, case numbers from
the day's counter (one UPDATE per day and chunk instead of one per case), a tracking code each, the
event's keyed hash chain (`record.state_digest`, `record.event_digest`) — but written with one COPY
(PostgreSQL) or executemany (SQLite) per table (core.bulk), and the follow-up tasks as one outbox row
per task and chunk (core.tasks.enqueue_batched_items) instead of two per case.

Two steps, so that an importer can refuse a chunk before anything of it is written: `prepare_cases`
checks and builds the unsaved cases (reads only), `insert_cases` writes them inside the caller's
transaction. No idempotency keys (imports deduplicate by their work-order numbers), no photos, never
就地解决: what an import needs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from gridgov.cases import deadlines, permissions
from gridgov.cases.models import URGENT_CHANNEL_HOURS, Case, CaseCounter, CaseEvent, Status
from gridgov.cases.phones import normalise_phone, search_keys
from gridgov.cases.services.inputs import text
from gridgov.cases.services.intake import channel_for
from gridgov.cases.services.numbering import new_tracking_code
from gridgov.cases.services.platforms import platform_of
from gridgov.cases.services.record import case_state, event_digest, reporter_digest, state_digest, tracking_hash
from gridgov.core.bulk import insert_many, reserve_ids
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


def prepare_cases(
    *, actor: Actor, channel: str, reports: list[BulkReport], lookups: Lookups
) -> tuple[list[Case], dict[int, str]]:
    """The checked reports as unsaved cases (no number yet; reads only), and the problems by the report's
    index in `reports` (message in the reader's language). The cases are only those without a problem."""
    channel = channel_for(actor, channel)  # Forbidden for all of them at once
    lookups.load({r.grid for r in reports}, {r.category for r in reports if r.category})
    urgent = channel in URGENT_CHANNEL_HOURS
    now = timezone.now()
    cases: list[Case] = []
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
        case = Case(
            title=title,
            description=description,
            lon=float(r.lon),
            lat=float(r.lat),
            address=address,
            grid=grid,
            platform=lookups.platforms[grid.code],
            category=cat,
            complexity=cat.complexity if cat else "general",
            channel=channel,
            urgent=urgent,
            status=Status.REPORTED,
            reporter=actor.user,
            reporter_name=name,
            reporter_phone=phone,
            photos=[],
            reporter_digest=reporter_digest(name, phone),
            reporter_phone_keys=search_keys(phone),
            reported_at=r.at or now,
        )
        cases.append(case)
    return cases, problems


def _numbers(days: dict[str, int]) -> dict[str, int]:
    """The first number of each day's block: the day's counter moved on by the block's size (one statement)."""
    quote = connection.ops.quote_name
    table, last, key = quote(CaseCounter._meta.db_table), quote("last"), quote("day")
    first: dict[str, int] = {}
    for day, count in sorted(days.items()):
        with connection.cursor() as cursor:
            cursor.execute(f"UPDATE {table} SET {last} = {last} + %s WHERE {key} = %s RETURNING {last}", [count, day])
            row = cursor.fetchone()
        if row is None:
            try:
                with transaction.atomic():
                    CaseCounter.objects.create(day=day, last=count)
                row = (count,)
            except IntegrityError:  # another process created the day's row first
                with connection.cursor() as cursor:
                    cursor.execute(
                        f"UPDATE {table} SET {last} = {last} + %s WHERE {key} = %s RETURNING {last}", [count, day]
                    )
                    row = cursor.fetchone()
        first[day] = row[0] - count + 1
    return first


def insert_cases(*, actor: Actor, cases: list[Case]) -> list[CaseEvent]:
    """Number the prepared cases (in their order within each local day) and write them with their first
    event (上报), chained as record_event chains it, and their follow-up work. Inside a transaction."""
    if not cases:
        return []
    if not connection.in_atomic_block:
        raise RuntimeError("insert_cases writes inside the caller's transaction")
    days: dict[str, int] = defaultdict(int)
    local = [timezone.localtime(c.reported_at).strftime("%Y%m%d") for c in cases]
    for day in local:
        days[day] += 1
    first = _numbers(days)  # the first write: on SQLite it takes the write lock before the keys are reserved
    case_ids = reserve_ids(Case, len(cases))
    event_ids = reserve_ids(CaseEvent, len(cases))
    role = permissions.first_role(actor)
    scopes = actor.scopes(role)
    events = []
    for case, day, case_id, event_id in zip(cases, local, case_ids, event_ids, strict=True):
        at = case.reported_at
        case.pk = case_id
        case.number = f"{day}{first[day]:06d}"
        first[day] += 1
        case.tracking_hash = tracking_hash(case.number, new_tracking_code())  # the code itself is nobody's to see
        case.updated_at = at
        # record_event, for a new case's first event
        state = state_digest(case_state(case))
        fields = {
            "seq": 1,
            "action": "report",
            "actor_label": actor.label,
            "actor_role": role,
            "actor_unit": nearest_scope(scopes, (case.lead_unit, *case.assisting_units, case.grid.code, case.platform)),
            "from_status": "",
            "to_status": case.status,
            "unit": "",
            "note": "",
            "data": {"channel": case.channel, "photos": case.photos},
            "at": at,
        }
        digest = event_digest(number=case.number, **fields, state=state, prev_hash="")
        case.event_count = 1
        case.last_hash = digest
        case.version = 1
        case.light = deadlines.case_light(case, at) or ""
        case.light_next_at = deadlines.next_light_change(case, at)  # as record_event: when the sweep looks again
        events.append(
            CaseEvent(id=event_id, case=case, actor=actor.user, **fields, state_hash=state, prev_hash="", hash=digest)
        )
    insert_many(cases)
    insert_many(events)
    enqueue_batched_items("gridgov.cases.notify_case_events", key="event_ids", items=event_ids)
    enqueue_batched_items("gridgov.assessment.refresh_cases", key="numbers", items=[c.number for c in cases])
    return events
