"""`gridgov bench import`: 12345 work orders from a CSV file into cases, in bulk (工单批量导入).

`--scale 1` is 1,000,000 hotline orders over the 中原区 demo city, read from a CSV file through the
product's own bulk import (`exchange.files.bulk.import_orders_bulk`, `gridgov cases import --bulk`):
each order checked, deduplicated against the work orders already received, located (the chunk's points
through Locator.locate_many; 1 % of the orders have no coordinates and are placed by their address text),
classified, numbered, chained, its case, first event and WorkOrder written and its follow-up work queued.

The limit is 0.5 × a raw bulk insert of the very rows the import wrote, into the same tables with their
indexes, in the same run: the tables are read out after the import (not timed), emptied, and written
again — COPY on PostgreSQL, executemany on SQLite, one transaction — and must hold as many rows as the
import wrote. Both figures are orders per second. Beside them: the per-order import (`import_orders`)
on a sample of the same orders, whose cases must equal the bulk ones (grid, platform, category,
complexity, status, deadlines, light, reporter digest), and a sample of the chains through audit verify.

The data go into the scratch database (bench/scratch.py), never the user's: the demo city is built
once (kept in GRIDGOV_BENCH_DATABASE_URL's database and reused), the case tables emptied before each run.
"""

from __future__ import annotations

import csv
import pickle
import random
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np

from gridgov.bench.registry import BenchmarkError, Progress, figure
from gridgov.bench.scratch import scratch_database, write_marker
from gridgov.exchange.files.columns import HEADERS

ORDERS = 1_000_000
SEED = 20261207
GOAL = 0.5  # import ≥ 0.5 × raw
SAMPLE = 300  # orders also imported one by one (the per-order path), compared with the bulk cases
CHAINS = 200
DATA_VERSION = 1
COLUMNS = (
    *("number", "received_at", "caller_name", "caller_phone", "address", "district"),
    *("lon", "lat", "crs", "title", "text", "category_code"),
)
HEADER = [HEADERS[key][0] for key in COLUMNS]  # the importer's own column names (exchange/files/columns.py)
NAMES = ["张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇", "周杰", "吴霞"]


def _titles() -> list[str]:
    path = Path(__file__).resolve().parents[1] / "data" / "complaints" / "teddy2020_titles_train.csv"
    with path.open(encoding="utf-8") as f:
        return [row["title"][:200] for row in csv.DictReader(f) if row["title"].strip()]


def write_orders(path: Path, count: int, seed: int = SEED) -> None:
    """`count` orders at points inside the demo city's grids (deterministic for a seed)."""
    from gridgov.grids.locator import OUTSIDE, current_locator
    from gridgov.grids.models import Grid
    from gridgov.routing.models import Category

    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    locator = current_locator()
    bounds = np.array([g.bounds for g in locator.tree.geometries])
    box = bounds[:, 0].min(), bounds[:, 1].min(), bounds[:, 2].max(), bounds[:, 3].max()
    points = np.empty((0, 2))
    while len(points) < count:  # uniform in the city: the box's points that some grid holds
        batch = np.column_stack([rng.uniform(box[0], box[2], count), rng.uniform(box[1], box[3], count)])
        batch = np.round(batch, 7)  # as the file writes them: a point a rounding moves out of the city is not kept
        points = np.vstack([points, batch[locator.locate_many(batch) != OUTSIDE]])
    points = points[:count]
    leaves = list(Category.objects.filter(is_leaf=True, active=True).order_by("code").values_list("code", flat=True))
    communities = list(Grid.objects.filter(level=2, valid_to__isnull=True).values_list("name", flat=True))
    titles = _titles()
    start = datetime(2025, 1, 1, 8, 0)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        for i in range(count):
            title = titles[pick.randrange(len(titles))]
            caller = pick.random() < 0.7
            by_address = pick.random() < 0.01
            lon, lat = ("", "") if by_address else (f"{points[i, 0]:.7f}", f"{points[i, 1]:.7f}")
            writer.writerow(
                [
                    f"12345-{i:08d}",
                    (start + timedelta(seconds=pick.randrange(365 * 86400))).strftime("%Y-%m-%d %H:%M:%S"),
                    pick.choice(NAMES) if caller else "",
                    f"13{pick.randrange(10**9):09d}" if caller else "",
                    pick.choice(communities) + "附近" if by_address else "",
                    "中原区",
                    lon,
                    lat,
                    "" if by_address else "wgs84",
                    title,
                    f"市民来电反映：{title}，请尽快处理。",
                    pick.choice(leaves) if pick.random() < 0.9 else "",
                ]
            )


def _tables() -> list[str]:
    from gridgov.cases.models import Case, CaseCounter, CaseEvent
    from gridgov.core.models import OutboxItem
    from gridgov.exchange.models import WorkOrder

    # in the order a load must write them (keys point back up the list)
    return [m._meta.db_table for m in (CaseCounter, Case, CaseEvent, WorkOrder, OutboxItem)]


def _count(connection, table: str) -> int:
    with connection.cursor() as cur:
        cur.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
        return cur.fetchone()[0]


def _empty(connection) -> None:
    tables = _tables()
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("TRUNCATE " + ", ".join(connection.ops.quote_name(t) for t in tables) + " CASCADE")
        else:
            for table in reversed(tables):
                cur.execute(f"DELETE FROM {connection.ops.quote_name(table)}")


def _dump(connection, workdir: Path) -> dict[str, Path]:
    """Every row of the tables, as stored, into files (COPY text on PostgreSQL, pickled chunks on SQLite)."""
    files = {}
    for table in _tables():
        path = files[table] = workdir / f"{table}.dump"
        quoted = connection.ops.quote_name(table)
        with connection.cursor() as cur, path.open("wb") as out:
            if connection.vendor == "postgresql":
                with cur.cursor.copy(f"COPY (SELECT * FROM {quoted}) TO STDOUT") as copy:  # partitioned too
                    for data in copy:
                        out.write(data)
            else:
                cur.execute(f"SELECT * FROM {quoted}")
                while rows := cur.fetchmany(20_000):
                    pickle.dump(rows, out, protocol=pickle.HIGHEST_PROTOCOL)
    return files


def _raw_load(connection, files: dict[str, Path]) -> float:
    """The dumped rows written back in one transaction; the seconds spent writing (reading files excluded)."""
    from django.db import transaction

    spent = 0.0
    with transaction.atomic():
        for table, path in files.items():
            quoted = connection.ops.quote_name(table)
            with connection.cursor() as cur, path.open("rb") as f:
                if connection.vendor == "postgresql":
                    t0 = time.perf_counter()
                    with cur.cursor.copy(f"COPY {quoted} FROM STDIN") as copy:
                        while block := f.read(1 << 20):
                            copy.write(block)
                    spent += time.perf_counter() - t0
                else:
                    while True:
                        try:
                            rows = pickle.load(f)
                        except EOFError:
                            break
                        marks = ", ".join(["?"] * len(rows[0]))
                        t0 = time.perf_counter()
                        cur.cursor.executemany(f"INSERT INTO {quoted} VALUES ({marks})", rows)
                        spent += time.perf_counter() - t0
        t0 = time.perf_counter()
    return spent + (time.perf_counter() - t0)  # the COMMIT


COMPARED = (
    "grid_id",
    "platform",
    "category_id",
    "complexity",
    "status",
    "lead_unit",
    "sign_by",
    "resolve_by",
    "light",
    "dispatched_at",
    "reported_at",
    "reporter_digest",
    "title",
    "address",
    "channel",
    "urgent",
)


def _same_as_per_order(path: Path, workdir: Path, count: int) -> dict:
    """The first `count` orders imported again one by one (another system's numbers): the same cases?"""
    from gridgov.exchange.files import import_orders
    from gridgov.exchange.models import WorkOrder
    from gridgov.people.actors import Actor

    sample = workdir / "sample.csv"
    with path.open(encoding="utf-8") as f, sample.open("w", encoding="utf-8") as out:
        for _ in range(count + 1):
            out.write(f.readline())
    t0 = time.perf_counter()
    report = import_orders(actor=Actor.system("bench import"), path=sample, system="bench-per-order")
    seconds = time.perf_counter() - t0
    if report["errors"] or report["created"] != count:
        raise BenchmarkError(f"the per-order import of the sample failed: {report['errors'][:3]}")
    one = {w.number: w.case for w in WorkOrder.objects.filter(system="bench-per-order").select_related("case")}
    bulk = {w.number: w.case for w in WorkOrder.objects.filter(number__in=one, system="12345").select_related("case")}
    differ = [(n, name) for n in one for name in COMPARED if getattr(one[n], name) != getattr(bulk[n], name)]
    if differ or set(one) != set(bulk):
        raise BenchmarkError(f"bulk cases differ from the per-order import's: {differ[:5]}")
    return {"orders": count, "orders_per_s": round(count / seconds, 1), "same_cases": True}


def run(scale: float = 1.0, progress: Progress = lambda m: None) -> dict:
    from django.db import connection
    from django.test.utils import override_settings

    from gridgov.cases.chains import verify_chains
    from gridgov.exchange.files.bulk import import_orders_bulk
    from gridgov.people.actors import Actor
    from gridgov.sim.services import build_demo_city

    orders = max(200, round(ORDERS * scale))
    spec = {"bench": "import", "version": DATA_VERSION}
    with scratch_database(spec, progress) as (scratch, reused), override_settings(GRIDGOV_OUTBOX_DRAIN="worker"):
        if not reused:
            progress("building the demo city (grids, units, people, categories)")
            build_demo_city(seed=0, days=0)
            write_marker(connection, {**spec, "complete": True})
        _empty(connection)
        path = scratch.workdir / "orders.csv"
        progress(f"writing {orders:,} work orders to {path.name}")
        write_orders(path, orders)
        progress(f"importing them in bulk into {scratch.label}")
        t0 = time.perf_counter()
        report = import_orders_bulk(actor=Actor.system("bench import"), path=path, system="12345")
        import_s = time.perf_counter() - t0
        if report["errors"] or report["created"] != orders:
            raise BenchmarkError(f"the bulk import refused the orders: {report['errors'][:3]}")
        written = {t: _count(connection, t) for t in _tables()}
        chains = verify_chains(random.Random(SEED).sample(_numbers(connection), min(CHAINS, orders)))
        if not chains.ok:
            raise BenchmarkError(f"broken chains after the bulk import: {chains.broken[:3]}")
        progress("reading the rows out, emptying the tables, writing them again raw")
        files = _dump(connection, scratch.workdir)
        _empty(connection)
        raw_s = _raw_load(connection, files)
        rewritten = {t: _count(connection, t) for t in _tables()}
        if rewritten != written:
            raise BenchmarkError(f"raw wrote {rewritten}, the import {written}")
        progress(f"the per-order import of {min(SAMPLE, orders)} of the same orders")
        per_order = _same_as_per_order(path, scratch.workdir, min(SAMPLE, orders))
        database = {
            "engine": scratch.engine,
            "where": scratch.label,
            "reused_city": reused,
            "server": connection.get_database_version() if scratch.engine == "postgresql" else None,
        }
    import_rate, raw_rate = orders / import_s, orders / raw_s
    return figure(
        value=round(import_rate, 1),
        limit=round(GOAL * raw_rate, 1),
        unit="orders/s",
        better="higher",
        size={"orders": orders, "rows": written},
        share_of_raw=round(import_rate / raw_rate, 4),
        seconds={"import": round(import_s, 2), "raw": round(raw_s, 2)},
        raw={"orders_per_s": round(raw_rate, 1), "rows": rewritten, "same_rows": True},
        report={k: v for k, v in report.items() if k not in ("errors", "unplaced_rows", "unplaced_reasons")},
        per_order=per_order,
        chains={"checked": chains.cases, "ok": True},
        database=database,
    )


def _numbers(connection) -> list[str]:
    from gridgov.cases.models import Case

    return list(Case.objects.values_list("number", flat=True))
