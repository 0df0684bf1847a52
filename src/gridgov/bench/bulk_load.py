"""Writing a year of cases into the scratch database in bulk (批量写入) for the dashboard bench.

The year is cut into blocks of days, each generated from its own seed (the same data whatever the
number of processes); from PARALLEL_FROM cases on, worker processes generate blocks
(GRIDGOV_BENCH_WORKERS, default CPUs − 1; 0 for none) while this process inserts them — COPY on
PostgreSQL, executemany on SQLite — into tables whose plain secondary indexes are dropped for the
load and built again after it; on PostgreSQL it then runs ANALYZE, as autovacuum would (on SQLite
it does not: see build()).

CaseFact rows are computed with facts.case_counters and services.keys_of from the generated events,
and the Rollup rows with assessment.services.add_contribution, the delta logic of refresh_cases and
rebuild_rollups: the real code, only fed in bulk. rebuild_matches() checks the result against
services.rebuild_rollups().
"""

from __future__ import annotations

import json
import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np

from gridgov.bench.registry import Progress
from gridgov.bench.year_of_cases import CaseState, YearOfCases, load_pools

CHUNK = 20_000  # cases per insert transaction
PARALLEL_FROM = 100_000  # cases from which blocks are generated in worker processes


class Loader:
    """Rows of a model into its table in bulk: COPY on PostgreSQL, executemany on SQLite. Values are
    Python values; datetimes aware, JSON as Python objects (converted here as Django would store them)."""

    def __init__(self, connection, model, fields: list[str]):
        from gridgov.core.crypto import EncryptedTextField

        self.connection = connection
        self.vendor = connection.vendor
        meta = model._meta
        self.table = meta.db_table
        fs = [meta.get_field(name) for name in fields]
        self.columns = [f.column for f in fs]
        kinds = [f.get_internal_type() for f in fs]
        self.json = [i for i, k in enumerate(kinds) if k == "JSONField"]
        self.datetimes = [i for i, k in enumerate(kinds) if k == "DateTimeField"] if self.vendor == "sqlite" else []
        self.dates = [i for i, k in enumerate(kinds) if k == "DateField"] if self.vendor == "sqlite" else []
        self.encrypted = [(i, f) for i, f in enumerate(fs) if isinstance(f, EncryptedTextField)]  # core.crypto

    def prepare(self, row: list) -> list:
        for i in self.json:
            row[i] = json.dumps(row[i], ensure_ascii=False)
        for i, f in self.encrypted:
            row[i] = f.get_prep_value(row[i])
        for i in self.datetimes:  # Django keeps SQLite datetimes as naive UTC text
            if row[i] is not None:
                row[i] = str(row[i].astimezone(UTC).replace(tzinfo=None))
        for i in self.dates:
            if row[i] is not None:
                row[i] = row[i].isoformat()
        return row

    def insert(self, rows: list[list], *, prepared: bool = False) -> None:
        if not rows:
            return
        if not prepared:
            rows = [self.prepare(r) for r in rows]
        cols = ", ".join(self.connection.ops.quote_name(c) for c in self.columns)
        with self.connection.cursor() as cursor:
            if self.vendor == "postgresql":
                table = self.connection.ops.quote_name(self.table)
                with cursor.cursor.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["?"] * len(self.columns))
                cursor.cursor.executemany(f'INSERT INTO "{self.table}" ({cols}) VALUES ({marks})', rows)


def days_of(year: int) -> list[date]:
    """Every day of `year`, in order."""
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]


@dataclass(frozen=True)
class Block:
    """Consecutive days generated together, with their own seed: the data do not depend on how many
    processes generate them. Rollup rows are keyed by day, so a block's rollups are final."""

    number: int
    days: tuple[tuple[date, int], ...]  # (day, cases reported that day)
    first_id: int


def blocks_of(days: list[date], per_day, size: int) -> list[Block]:
    """Consecutive days in blocks of about `size` cases (at most a month each), numbered from 0."""
    out: list[Block] = []
    current: list[tuple[date, int]] = []
    first_id, total = 1, 0
    for day, count in zip(days, per_day, strict=True):
        current.append((day, int(count)))
        total += int(count)
        if total >= size or len(current) >= 31:
            out.append(Block(len(out), tuple(current), first_id))
            first_id, current, total = first_id + total, [], 0
    if current:
        out.append(Block(len(out), tuple(current), first_id))
    return out


EVENT_FIELDS = [
    "case",
    "seq",
    "action",
    "actor",
    "actor_label",
    "actor_role",
    "actor_unit",
    "from_status",
    "to_status",
    "unit",
    "note",
    "data",
    "at",
    "state_hash",
    "prev_hash",
    "hash",
]
_WORK: dict = {}  # what a block needs, set before the worker processes fork


def _generate_block(block: Block) -> dict:
    """Generate one block: the rows of cases, events, facts (facts.case_counters, services.keys_of) and
    rollups (services.add_contribution, the delta logic of refresh_cases and rebuild_rollups), ready to insert."""
    from gridgov.assessment import services as assessment
    from gridgov.assessment.facts import COUNTERS, case_counters

    pools, loaders, end, seed = _WORK["pools"], _WORK["loaders"], _WORK["end"], _WORK["seed"]
    t0 = time.perf_counter()
    gen = YearOfCases(pools, seed=seed * 1000 + block.number, end=end)
    tz = end.tzinfo
    cases, events, facts = [], [], []
    delta: dict = {}  # assessment.services.Delta
    next_id, counters_by_day = block.first_id, []
    for day, count in block.days:
        made = gen.day_cases(day, count, next_id)
        next_id += len(made)
        counters_by_day.append((f"{day:%Y%m%d}", len(made)))
        for c in made:
            cases.append(loaders["case"].prepare(c.row()))
            for e in c.events:
                events.append(
                    loaders["event"].prepare(
                        [
                            c.id,
                            e.seq,
                            e.action,
                            e.actor_id,
                            e.actor_label,
                            e.actor_role,
                            "",
                            e.from_status,
                            e.to_status,
                            e.unit,
                            e.note,
                            e.data,
                            e.at,
                            e.state_hash,
                            e.prev_hash,
                            e.hash,
                        ]
                    )
                )
            counters = case_counters(c.events)
            keys = assessment.keys_of(c, c.grid, pools.roots)  # type: ignore[arg-type]  # CaseState: the fields it reads
            local_day = c.reported_at.astimezone(tz).date()
            facts.append(
                loaders["fact"].prepare(
                    [
                        c.id,
                        local_day,
                        c.event_count,
                        keys.grid,
                        keys.unit,
                        keys.person,
                        keys.category_root,
                        *(counters[n] for n in COUNTERS),
                    ]
                )
            )
            assessment.add_contribution(delta, keys, local_day, counters, +1)
    rollups = []
    for (kind, code, level, day), row in sorted(delta.items(), key=lambda item: (item[0][0], item[0][1], item[0][3])):
        if any(row.values()):
            rollups.append(loaders["rollup"].prepare([kind, code, level, day, *(row.get(n, 0) for n in COUNTERS)]))
    return {
        "cases": cases,
        "events": events,
        "facts": facts,
        "rollups": rollups,
        "counters": counters_by_day,
        "seconds": time.perf_counter() - t0,
    }


def _worker_setup(overrides: dict) -> None:
    """In a forked generator process: never touch the database (the parent's connection is not ours)."""
    from gridgov.worktime.calendar import pin_overrides

    pin_overrides(overrides)


@contextmanager
def _plain_indexes_dropped(connection, tables: list[str]):
    """Bulk loads go faster into tables without their secondary indexes: drop the plain (non-unique)
    ones and build them again afterwards, exactly as they were."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = ANY(%s) AND indexdef NOT LIKE 'CREATE UNIQUE%%'",
                [tables],
            )
        else:
            marks = ", ".join(["%s"] * len(tables))
            cur.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND "
                f"tbl_name IN ({marks}) AND sql NOT LIKE 'CREATE UNIQUE%%'",
                tables,
            )
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield len(indexes)
    finally:
        with connection.cursor() as cur:
            for _, sql in indexes:
                cur.execute(sql)


def build(cases: int, *, year: int, seed: int, progress: Progress) -> dict:
    """Write the city-year into the (empty, migrated) default database; returns timings."""
    import multiprocessing
    from collections import deque

    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from gridgov.assessment.facts import COUNTERS
    from gridgov.assessment.models import CaseFact, Rollup
    from gridgov.cases.models import Case, CaseCounter, CaseEvent
    from gridgov.sim.services import build_demo_city
    from gridgov.worktime.calendar import is_workday, load_overrides

    took = {}
    started = time.perf_counter()
    progress("building the demo city (grids, units, people, categories)")
    build_demo_city(seed=0, days=0)
    pools = load_pools()
    took["demo_city_s"] = round(time.perf_counter() - started, 1)

    tz = timezone.get_default_timezone()
    end = datetime(year + 1, 1, 1, tzinfo=tz)  # "now": the year's last moment
    days = days_of(year)
    weights = np.array([40.0 if is_workday(d) else 15.0 for d in days])
    per_day = np.random.default_rng(seed).multinomial(cases, weights / weights.sum())
    blocks = blocks_of(days, per_day, CHUNK)
    loaders = {
        "case": Loader(connection, Case, list(CaseState.FIELDS)),
        "event": Loader(connection, CaseEvent, EVENT_FIELDS),
        "fact": Loader(
            connection, CaseFact, ["case", "day", "event_count", "grid", "unit", "person", "category_root", *COUNTERS]
        ),
        "rollup": Loader(connection, Rollup, ["kind", "code", "level", "day", *COUNTERS]),
    }
    _WORK.update(pools=pools, loaders=loaders, end=end, seed=seed)
    asked = os.environ.get("GRIDGOV_BENCH_WORKERS", "").strip()  # 0: generate in this process
    workers = int(asked) if asked.isdigit() else max(1, (os.cpu_count() or 2) - 1)
    parallel = workers > 0 and (cases >= PARALLEL_FROM or bool(asked))
    overrides = load_overrides()

    written = {"cases": 0, "events": 0, "rollups": 0}
    gen_s = insert_s = 0.0
    last_said = time.perf_counter()
    tables = [Case._meta.db_table, CaseEvent._meta.db_table, CaseFact._meta.db_table, Rollup._meta.db_table]
    pool = None
    try:
        if parallel:
            connection.close()  # the workers fork: none of them may share the parent's connection
            pool = multiprocessing.get_context("fork").Pool(workers, initializer=_worker_setup, initargs=(overrides,))
            pending: deque = deque()
            todo = iter(blocks)
            for _ in range(2 * workers):
                block = next(todo, None)
                if block is not None:
                    pending.append(pool.apply_async(_generate_block, (block,)))

            def results():
                while pending:
                    result = pending.popleft().get()
                    block = next(todo, None)
                    if block is not None:
                        pending.append(pool.apply_async(_generate_block, (block,)))
                    yield result
        else:

            def results():
                for block in blocks:
                    yield _generate_block(block)

        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SET synchronous_commit = off")
        t_load = time.perf_counter()
        with _plain_indexes_dropped(connection, tables) as dropped:
            for result in results():
                gen_s += result["seconds"]
                t0 = time.perf_counter()
                with transaction.atomic():
                    loaders["case"].insert(result["cases"], prepared=True)
                    loaders["event"].insert(result["events"], prepared=True)
                    loaders["fact"].insert(result["facts"], prepared=True)
                    loaders["rollup"].insert(result["rollups"], prepared=True)
                    CaseCounter.objects.bulk_create([CaseCounter(day=d, last=n) for d, n in result["counters"] if n])
                insert_s += time.perf_counter() - t0
                written["cases"] += len(result["cases"])
                written["events"] += len(result["events"])
                written["rollups"] += len(result["rollups"])
                if time.perf_counter() - last_said > 20:
                    progress(f"{written['cases']:,} of {cases:,} cases written")
                    last_said = time.perf_counter()
            took["load_s"] = round(time.perf_counter() - t_load, 1)
            progress(f"building the {dropped} secondary indexes again")
            t0 = time.perf_counter()
        took["indexes_s"] = round(time.perf_counter() - t0, 1)
    finally:
        if pool is not None:
            pool.terminate()
            pool.join()
        _WORK.clear()
    with connection.cursor() as cur:
        for sql in connection.ops.sequence_reset_sql(no_style(), [Case, CaseEvent, Rollup]):
            cur.execute(sql)
    took.update(generate_cpu_s=round(gen_s, 1), insert_s=round(insert_s, 1), workers=workers if parallel else 0)
    t0 = time.perf_counter()
    if connection.vendor == "postgresql":
        # what autovacuum does after a load like this. Not on SQLite: a deployment there has no
        # statistics (Django never runs ANALYZE), and with them SQLite plans `lights` worse (it scans
        # every case through the light index instead of the few open ones through the status index)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    took["analyze_s"] = round(time.perf_counter() - t0, 1)
    took["build_s"] = round(time.perf_counter() - started, 1)
    return {"took": took, **written}


def rebuild_matches() -> bool:
    """services.rebuild_rollups() over the stored facts gives exactly the rows the bulk load wrote."""
    from gridgov.assessment import services as assessment
    from gridgov.assessment.facts import COUNTERS
    from gridgov.assessment.models import Rollup

    def snapshot():
        return {
            (r[0], r[1], r[2], r[3]): r[4:]
            for r in Rollup.objects.values_list("kind", "code", "level", "day", *COUNTERS)
        }

    before = snapshot()
    assessment.rebuild_rollups()
    return snapshot() == before
