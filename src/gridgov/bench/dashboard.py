"""`gridgov bench dashboard`: the leader's dashboard queries over a city-year of cases (大屏统计).

`--scale 1` is one city for one year: 3,000,000 cases (DESIGN.md §7) over the 中原区 demo city's grids,
with their event logs, per-case facts and daily rollups. The figure is the p95 latency of the
dashboard's queries (assessment.selectors: indicators of the district, a street, a community and a
department; children_values; daily_series; category_breakdown; hot_spots; lights), each run REPEATS
times with random subjects and date ranges; the limit is 200 ms. Beside it, the same indicators
computed from the raw event log (selectors.totals_from_events) on fewer samples: both must give the
same numbers, or the benchmark fails (BenchmarkError).

The data are written by bulk insert, not through HTTP or the services, but they are what the services
would have written: each case walks the closed loop (report, register, dispatch, accept, resolve,
verify, close, evaluate; returns, escalations, extensions, suspensions, reworks, rejections, merges,
reopenings, automatic 督办) with the shares of the demo simulator (gridgov.sim.history), the same
`data` shapes, deadlines from cases.deadlines, and real hash chains (cases.services.event_digest, so
`gridgov audit verify` passes on them). Steps that would fall after the end of the year are left undone, so the last days'
cases are open with green, yellow and red lights. CaseFact rows are computed with facts.case_counters
and services.keys_of from the same events, and the Rollup rows with services._add, the delta logic of
refresh_cases and rebuild_rollups: the real code, only fed in bulk. Up to REBUILD_CHECK_UP_TO cases
(CI's scales) services.rebuild_rollups() is run afterwards and must leave every rollup row as it was;
at any scale a sample of the hash chains goes through `audit verify`.

Building: the year is cut into blocks of days, each generated from its own seed (the same data
whatever the number of processes); from PARALLEL_FROM cases on, worker processes generate blocks
(GRIDGOV_BENCH_WORKERS, default CPUs − 1; 0 for none) while this process inserts them — COPY on
PostgreSQL, executemany on SQLite — into tables whose plain secondary indexes are dropped for the
load and built again after it; on PostgreSQL it then runs ANALYZE, as autovacuum would (on SQLite
it does not: see build()).

Where the data go — never into your database:
  GRIDGOV_BENCH_DATABASE_URL unset: a new SQLite file in a temporary directory, deleted afterwards.
  GRIDGOV_BENCH_DATABASE_URL set (sqlite:///… or postgresql://…): that database, created when missing
    and kept, so that a later run at the same scale reuses the data (`data.reused`). The bench
    refuses a database that is the one GRIDGOV_DATABASE_URL names, and one that holds cases or grids it
    did not write itself (no marker table gridgov_bench_dataset); a bench database built for another
    scale is dropped and built afresh.
While it runs, Django's default connection points at the scratch database; it is put back afterwards.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import random
import shutil
import tempfile
import time
from bisect import bisect_right
from collections import defaultdict
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate
from pathlib import Path

import numpy as np

from gridgov.bench.registry import BenchmarkError, Progress, figure

CASES = 3_000_000  # at --scale 1: one city, one year (DESIGN.md §7)
YEAR = 2025  # a whole year chinese-calendar knows (holidays, 调休)
SEED = 20261124
REPEATS = 100  # timed calls of each dashboard query
RAW_REPEATS = 2  # timed calls of each raw-events sample
LIMIT_MS = 200.0
CHUNK = 20_000  # cases per insert transaction
REBUILD_CHECK_UP_TO = 60_000  # cases up to which rebuild_rollups() is run to check the bulk-built rollups
PARALLEL_FROM = 100_000  # cases from which blocks are generated in worker processes
CHECK_EVERY = 97  # every so many events, the bench's hash is checked against services.event_digest
ENV = "GRIDGOV_BENCH_DATABASE_URL"
MARKER = "gridgov_bench_dataset"
DATA_VERSION = 3  # bump when the generator changes: a kept bench database is then rebuilt

QUERIES = ("indicators_district", "indicators_street", "indicators_community", "indicators_department",
           "children_values", "daily_series", "category_breakdown", "hot_spots", "lights")
RANGE_DAYS = (1, 7, 30, 31, 90, 365)  # today, a week, a month, a quarter, the year


# ---- the scratch database ------------------------------------------------------------------------

def _same_database(a: dict, b: dict) -> bool:
    if a["ENGINE"] != b["ENGINE"]:
        return False
    if "sqlite3" in a["ENGINE"]:
        return os.path.realpath(str(a["NAME"])) == os.path.realpath(str(b["NAME"]))
    return (a.get("NAME"), a.get("HOST") or "localhost", str(a.get("PORT") or "5432")) == \
        (b.get("NAME"), b.get("HOST") or "localhost", str(b.get("PORT") or "5432"))


def _scratch_settings(url: str | None, workdir: Path) -> dict:
    import dj_database_url

    if not url:
        url = f"sqlite:///{workdir / 'dashboard.sqlite3'}"
    db = dj_database_url.parse(url)
    db["OPTIONS"] = {}  # nothing that writes before the checks (WAL mode would change a stranger's file)
    if "sqlite3" not in db["ENGINE"] and "postgresql" not in db["ENGINE"]:
        raise BenchmarkError(f"{ENV} must be a sqlite:/// or postgresql:// URL, not {url}")
    if "postgresql" in db["ENGINE"] and db["NAME"] in ("postgres", "template0", "template1"):
        raise BenchmarkError(f"{ENV} names the maintenance database {db['NAME']!r}: name a database of its own")
    return db


# SQLite as settings.py has it (WAL), without the busy timeout games (the bench is the only writer)
SQLITE_LOADING = {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-200000;"}


def _loading(db: dict) -> dict:
    return {**db, "OPTIONS": SQLITE_LOADING} if "sqlite3" in db["ENGINE"] else db


def _pg_admin(db: dict, sql: str) -> None:
    """CREATE/DROP DATABASE from the server's maintenance database (not inside a transaction)."""
    import psycopg

    params = {"dbname": "postgres", "host": db.get("HOST") or None, "port": db.get("PORT") or None,
              "user": db.get("USER") or None, "password": db.get("PASSWORD") or None}
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        conn.execute(sql)


def _pg_exists(db: dict) -> bool:
    import psycopg

    params = {"dbname": "postgres", "host": db.get("HOST") or None, "port": db.get("PORT") or None,
              "user": db.get("USER") or None, "password": db.get("PASSWORD") or None}
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone() is not None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _forget_caches() -> None:
    """Process caches keyed by nothing but the default alias: they must not cross databases."""
    from django.contrib.contenttypes.models import ContentType

    from gridgov.grids.locator import forget_locator
    from gridgov.worktime.calendar import forget_overrides

    forget_locator()
    forget_overrides()
    ContentType.objects.clear_cache()


@contextmanager
def _as_default(db: dict):
    """Point Django's default connection at `db` for the duration; the old connection comes back after."""
    from django.db import connections

    old_settings, old_connection = connections.settings["default"], connections["default"]
    new = {**old_settings, **db, "CONN_MAX_AGE": 0, "ATOMIC_REQUESTS": False, "AUTOCOMMIT": True,
           "OPTIONS": db.get("OPTIONS", {}), "TEST": {}}
    connections.settings["default"] = new
    connection = connections.create_connection("default")
    connections["default"] = connection
    _forget_caches()
    try:
        yield connection
    finally:
        connection.close()
        connections["default"] = old_connection
        connections.settings["default"] = old_settings
        _forget_caches()


@dataclass
class Scratch:
    settings: dict
    engine: str  # sqlite | postgresql
    kept: bool  # named by GRIDGOV_BENCH_DATABASE_URL (kept) or a temporary file (deleted)
    workdir: Path

    @property
    def label(self) -> str:
        if self.engine == "sqlite":
            return "temporary SQLite file" if not self.kept else f"sqlite:///{self.settings['NAME']}"
        return f"postgresql://{self.settings.get('HOST') or 'localhost'}:{self.settings.get('PORT') or 5432}/" \
               f"{self.settings['NAME']}"


def _marker(connection) -> dict | None:
    """The data set a bench database holds (None: no marker table, or an unfinished build)."""
    if MARKER not in connection.introspection.table_names():
        return None
    with connection.cursor() as cur:
        cur.execute(f"SELECT spec FROM {MARKER}")
        row = cur.fetchone()
    return json.loads(row[0]) if row else {}


def _holds_foreign_data(connection) -> bool:
    tables = set(connection.introspection.table_names())
    if MARKER in tables:
        return False
    with connection.cursor() as cur:
        for table in ("cases_case", "grids_grid"):
            if table in tables:
                cur.execute(f"SELECT 1 FROM {table} LIMIT 1")
                if cur.fetchone():
                    return True
    return False


def _write_marker(connection, spec: dict) -> None:
    with connection.cursor() as cur:
        cur.execute(f"CREATE TABLE IF NOT EXISTS {MARKER} (spec TEXT NOT NULL)")
        cur.execute(f"DELETE FROM {MARKER}")
        cur.execute(f"INSERT INTO {MARKER} (spec) VALUES (%s)", [json.dumps(spec, sort_keys=True)])


def _drop(scratch: Scratch) -> None:
    if scratch.engine == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{scratch.settings['NAME']}{suffix}").unlink(missing_ok=True)
    else:
        _pg_admin(scratch.settings, f"DROP DATABASE IF EXISTS {_quote(scratch.settings['NAME'])} WITH (FORCE)")
        _pg_admin(scratch.settings, f"CREATE DATABASE {_quote(scratch.settings['NAME'])}")


@contextmanager
def scratch_database(spec: dict, progress: Progress):
    """Yield (scratch, reused): Django's default connection on a bench database holding `spec`'s data
    set, or an empty migrated one to build it in (reused False)."""
    from django.core.management import call_command
    from django.db import connections

    url = os.environ.get(ENV, "").strip() or None
    workdir = Path(tempfile.mkdtemp(prefix="gridgov-bench-"))
    try:
        settings = _scratch_settings(url, workdir)
        if _same_database(settings, connections.settings["default"]):
            raise BenchmarkError(f"{ENV} names the database GRIDGOV_DATABASE_URL uses; the bench writes millions "
                                 "of rows: give it a database of its own")
        engine = "sqlite" if "sqlite3" in settings["ENGINE"] else "postgresql"
        scratch = Scratch(settings=settings, engine=engine, kept=bool(url), workdir=workdir)
        if engine == "postgresql" and not _pg_exists(settings):
            progress(f"creating the PostgreSQL database {settings['NAME']}")
            _pg_admin(settings, f"CREATE DATABASE {_quote(settings['NAME'])}")
        with _as_default(settings) as connection:
            held = _marker(connection)
            if held is None and _holds_foreign_data(connection):
                raise BenchmarkError(f"{scratch.label} holds cases or grids the bench did not write: give "
                                     f"{ENV} an empty database (it is created when missing)")
            reused = held == {**spec, "complete": True}
            if not reused and held is not None:
                progress(f"{scratch.label} holds another bench data set ({held}): rebuilding it")
                connection.close()
                _drop(scratch)
        if not reused:
            with _as_default(_loading(settings)) as connection:
                progress(f"migrating the scratch database ({scratch.label})")
                call_command("migrate", interactive=False, verbosity=0)
                _write_marker(connection, {**spec, "complete": False})
        with _as_default(_loading(settings)):
            yield scratch, reused
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# ---- bulk insert ---------------------------------------------------------------------------------

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
                with cursor.cursor.copy(f"COPY {self.connection.ops.quote_name(self.table)} ({cols}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join(["?"] * len(self.columns))
                cursor.cursor.executemany(f'INSERT INTO "{self.table}" ({cols}) VALUES ({marks})',
                                          rows)


# ---- the city's year of cases --------------------------------------------------------------------

class Stop(Exception):
    """The next step would fall after the end of the year: the case stays where it is."""


class Ev:
    __slots__ = ("seq", "action", "actor_id", "actor_label", "actor_role", "from_status", "to_status", "unit",
                 "note", "data", "at", "state_hash", "prev_hash", "hash")


@dataclass
class Who:
    label: str
    role: str
    user_id: int | None


class CaseState:
    """A case as the services would leave it, built up step by step (the columns of cases_case)."""

    FIELDS = ("id", "number", "tracking_hash", "title", "description", "lon", "lat", "address", "grid_id", "platform",
              "category_id", "complexity", "channel", "status", "reporter_id", "reporter_name", "reporter_phone",
              "reporter_digest", "reporter_phone_keys", "photos", "lead_unit", "assisting_units", "urgent",
              "dispatched_at", "sign_by", "resolve_by",
              "accepted_at", "clock_start", "clock_banked", "suspended_at", "review_on", "light",
              "pending_extension_days", "resolved_at", "resolved_by_id", "resolved_level", "result", "closed_at",
              "satisfaction", "solved", "master_id", "return_count", "extension_count", "rework_count",
              "escalation_count", "reopen_count", "version", "event_count", "last_hash", "reported_at",
              "updated_at")

    def __init__(self, **kw):
        self.__dict__.update(dict.fromkeys(self.FIELDS))
        self.photos, self.assisting_units = [], []
        self.lead_unit = self.resolved_level = self.result = self.satisfaction = self.light = ""
        self.reporter_name = self.reporter_phone = self.description = self.address = ""
        self.reporter_digest = self.reporter_phone_keys = ""
        self.urgent = False
        self.clock_banked = 0.0
        self.return_count = self.extension_count = self.rework_count = self.escalation_count = 0
        self.reopen_count = self.version = self.event_count = 0
        self.last_hash = ""
        self.__dict__.update(kw)
        self.events: list[Ev] = []

    def row(self) -> list:
        return [getattr(self, name) for name in self.FIELDS]


@dataclass
class Pools:
    """What the generator draws from, read once from the demo city in the scratch database."""

    district: str
    grids: list[tuple[int, str]]  # (id, code) of the 三级网格
    grid_weights: list[float]  # cumulative households
    points: dict[str, tuple[float, float]]
    platform: dict[str, str]
    users: dict[str, int]
    categories: dict[str, object]  # leaf code → Category
    by_channel: dict[str, tuple[list, list[float]]]  # channel → (choices, cumulative weights)
    routes: dict[str, tuple[str, list[str], str]]  # category code → (lead token, assisting tokens, source)
    roots: dict[int, str]
    parents: dict[str, str | None]  # platform → the platform above it (逐级上报)
    units: list[str] = field(default_factory=list)


def _route_token(code: str, sample: str) -> str:
    """The catalogue's answer for a sample grid as a rule token: "" the grid, "@N" its ancestor."""
    if code == sample:
        return ""
    for level, n in ((0, 6), (1, 9), (2, 12)):
        if code == sample[:n]:
            return f"@{level}"
    return code


def _from_token(token: str, grid: str) -> str:
    if token == "":
        return grid
    if token.startswith("@"):
        return grid[:(6, 9, 12)[int(token[1:])]]
    return token


def load_pools() -> Pools:
    import shapely
    from django.contrib.auth import get_user_model

    from gridgov.assessment.services import category_roots
    from gridgov.cases.services import _parent_platform, _platform_of
    from gridgov.grids.models import Grid
    from gridgov.grids.selectors import current_geometries
    from gridgov.people.models import Unit
    from gridgov.routing import selectors as routing
    from gridgov.routing.models import Category, Tree
    from gridgov.sim.city import DISTRICT_CODE
    from gridgov.sim.history import findings, messages

    rows = list(Grid.objects.filter(level=3, valid_to__isnull=True, code__startswith=DISTRICT_CODE)
                .order_by("code").values_list("id", "code", "households"))
    if not rows:
        raise BenchmarkError("the scratch database has no 三级网格: the demo city was not built")
    geoms = current_geometries([code for _, code, _ in rows])
    points = {}
    for _, code, _ in rows:
        p = shapely.point_on_surface(geoms[code])
        points[code] = (round(p.x, 6), round(p.y, 6))
    platform = {code: _platform_of(code) for _, code, _ in rows}
    users = dict(get_user_model().objects.values_list("username", "id"))

    leaves = {c.code: c for c in routing.leaf_categories().order_by("code")}
    names = dict(Category.objects.values_list("pk", "name"))
    parents = dict(Category.objects.values_list("pk", "parent_id"))
    hotline_paths = {}
    for c in leaves.values():
        if c.tree == Tree.HOTLINE and c.parent_id and parents.get(c.parent_id):
            hotline_paths[(names[parents[c.parent_id]], names[c.parent_id], c.name)] = c.code
    hotline: dict[tuple, float] = defaultdict(float)
    for m in messages():
        code = hotline_paths.get(m.path) or hotline_paths.get((m.path[0], "其他", "其他"))
        if code:
            hotline[("hotline", code, m.title, m.description, "", False)] += 1.0
    found = {flag: [(("finding", f.code, f.title, f.description, f.result, f.on_spot), f.weight)
                    for f in findings() if flag in f.channels and f.code in leaves] for flag in "psdir"}
    hot = list(hotline.items())
    by_channel = {}
    for channel in ("patrol", "supervisor", "deputy", "sensor", "hotline", "resident", "wechat", "open311"):
        flag = {"patrol": "p", "deputy": "d", "supervisor": "s", "sensor": "i"}.get(channel, "r")
        pool = hot if channel == "hotline" else found[flag] + (hot if flag == "r" else [])
        if flag == "r":  # half of the public's reports are 12345-like messages, half street findings
            total_f, total_h = sum(w for _, w in found[flag]) or 1, sum(w for _, w in hot) or 1
            pool = [(k, w / total_f) for k, w in found[flag]] + [(k, w / total_h) for k, w in hot]
        pool = pool or hot
        by_channel[channel] = ([k for k, _ in pool], list(accumulate(w for _, w in pool)))
    sample = rows[0][1]
    routes = {}
    for code in {k[1] for pool, _ in by_channel.values() for k in pool}:
        route = routing.responsible_unit(category=leaves[code], grid_code=sample, district=DISTRICT_CODE)
        routes[code] = (_route_token(route.unit, sample), [_route_token(u, sample) for u in route.assisting],
                        route.source)
    return Pools(district=DISTRICT_CODE, grids=[(pk, code) for pk, code, _ in rows],
                 grid_weights=list(accumulate(max(1, h or 1) for _, _, h in rows)), points=points,
                 platform=platform, users=users, categories=leaves, by_channel=by_channel, routes=routes,
                 roots=category_roots(), parents={pl: _parent_platform(pl) for pl in set(platform.values())},
                 units=list(Unit.objects.filter(active=True).order_by("code").values_list("code", flat=True)))


class YearOfCases:
    """Generates the cases of one day after another, each walked through the loop (see the module doc)."""

    def __init__(self, pools: Pools, *, seed: int, end: datetime):
        from gridgov.sim import history as h

        self.h = h
        self.p = pools
        self.rng = random.Random(seed)
        self.end = end
        self.tz = end.tzinfo
        self.channels = list(h.DAILY_REPORTS)
        self.hours = {ch: list(accumulate(h.CHANNEL_HOURS[ch])) for ch in self.channels}
        self.limits_cache: dict = {}
        self.open_recent: list[CaseState] = []  # candidates for merging duplicates into
        from django.utils import timezone

        from gridgov.cases import deadlines
        from gridgov.cases.services import STATE_FIELDS, _resolution_level, event_digest, state_digest
        from gridgov.core.keys import audit_key
        from gridgov.core.timefmt import iso
        from gridgov.routing import selectors as routing
        from gridgov.worktime.calendar import add_working_seconds, is_workday

        self.deadlines, self.digest, self.routing = deadlines, event_digest, routing
        self.state_digest, self.state_fields, self.key = state_digest, STATE_FIELDS, audit_key()
        self.emitted = 0
        if timezone.get_current_timezone() != self.tz or iso(end) != self.iso(end):
            raise BenchmarkError("the bench writes times in the default time zone; deactivate any other")
        self.add_working_seconds, self.is_workday = add_working_seconds, is_workday
        self.level_of = _resolution_level
        from gridgov.cases.phones import search_keys
        from gridgov.cases.services import reporter_digest, tracking_hash

        self.tracking_hash, self.reporter_digest, self.search_keys = tracking_hash, reporter_digest, search_keys

    # -- who ---------------------------------------------------------------------------------------

    def who(self, username: str, role: str) -> Who:
        return Who(username, role, self.p.users.get(username))

    def dispatcher(self, platform: str) -> Who:
        return self.who("dispatcher" if len(platform) == 6 else f"dispatcher-{platform}", "dispatcher")

    def handler(self, unit: str) -> Who:
        if unit.startswith("D"):
            return self.who(f"handler-{unit}", "department_handler")
        if len(unit) >= 15:
            return self.who(f"worker-{unit[:15]}", "grid_worker")
        return self.who(f"leader-{unit}", "grid_leader")

    # -- time --------------------------------------------------------------------------------------

    def work(self, t: datetime, lo: float, hi: float) -> datetime:
        return self.add_working_seconds(t, self.rng.uniform(lo, hi) * 3600)

    def clock(self, t: datetime, lo: float, hi: float) -> datetime:
        return t + timedelta(seconds=self.rng.uniform(lo, hi) * 3600)

    def soon(self, c: CaseState, t: datetime, lo: float, hi: float) -> datetime:
        return self.clock(t, lo / 4, hi / 4) if c.urgent or c.channel == "sensor" else self.work(t, lo, hi)

    def due(self, t: datetime) -> datetime:
        if t > self.end:
            raise Stop
        return t

    # -- the log -----------------------------------------------------------------------------------

    def iso(self, moment: datetime | None) -> str | None:
        """core.timefmt.iso without its per-call look-up of the active time zone (the bench runs in the
        default zone: checked in __init__)."""
        return moment.astimezone(self.tz).isoformat() if moment is not None else None

    def fast_digest(self, e: Ev, number: str) -> str:
        """services.event_digest, written out for speed (the key read once); every CHECK_EVERY-th event
        is checked against the real function, and check_chains() runs `audit verify` on a sample at the
        end (which also checks state_of against the case rows). The bench's events have no actor_unit."""
        body = json.dumps({"number": number, "seq": e.seq, "action": e.action, "actor": e.actor_label,
                           "role": e.actor_role, "actor_unit": "", "from": e.from_status, "to": e.to_status,
                           "unit": e.unit, "note": e.note, "data": e.data, "at": e.at.astimezone(UTC).isoformat(),
                           "state": e.state_hash}, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hmac.new(self.key, f"case-event\x1f{e.prev_hash}\x1f{body}".encode(), hashlib.sha256).hexdigest()

    def state_of(self, c: CaseState, status: str) -> dict:
        """services.case_state of the case as the event being emitted leaves it."""
        state = {name: getattr(c, name) for name in self.state_fields}
        state.update(status=status, grid=c.grid, category=c.cat.code if c.category_id else None,
                     master=getattr(c, "master_number", None))
        return state

    def emit(self, c: CaseState, action: str, at: datetime, to_status: str, who: Who, *, unit: str = "",
             note: str = "", data: dict | None = None) -> None:
        e = Ev()
        e.seq, e.action, e.at, e.unit, e.note, e.data = c.event_count + 1, action, at, unit, note, data or {}
        e.from_status, e.to_status = c.status or "", to_status
        e.actor_id, e.actor_label, e.actor_role = who.user_id, who.label, who.role
        e.prev_hash = c.last_hash
        e.state_hash = self.state_digest(self.state_of(c, to_status))
        e.hash = self.fast_digest(e, c.number)
        self.emitted += 1
        if self.emitted % CHECK_EVERY == 0:
            real = self.digest(number=c.number, seq=e.seq, action=action, actor_label=who.label, actor_role=who.role,
                               actor_unit="", from_status=e.from_status, to_status=to_status, unit=unit, note=note,
                               data=e.data, at=at, state=e.state_hash, prev_hash=c.last_hash)
            if real != e.hash:
                raise BenchmarkError("the bench's event hash differs from services.event_digest: update fast_digest")
        c.status, c.last_hash, c.event_count, c.version, c.updated_at = to_status, e.hash, e.seq, e.seq, at
        c.events.append(e)

    def deadline_data(self, c: CaseState) -> dict:
        return {"deadlines": {"sign_by": self.iso(c.sign_by), "resolve_by": self.iso(c.resolve_by)}}

    def clear_clock(self, c: CaseState) -> None:
        c.lead_unit, c.assisting_units = "", []
        c.dispatched_at = c.clock_start = c.sign_by = c.resolve_by = c.accepted_at = None
        c.clock_banked, c.pending_extension_days, c.light = 0.0, None, ""

    # -- a day's reports ---------------------------------------------------------------------------

    def day_cases(self, day: date, count: int, first_id: int) -> list[CaseState]:
        rng, h = self.rng, self.h
        workday = self.is_workday(day)
        weights = list(accumulate(h.DAILY_REPORTS[ch][0 if workday else 1] for ch in self.channels))
        starts = []
        for _ in range(count):
            channel = self.channels[bisect_right(weights, rng.random() * weights[-1])]
            cum = self.hours[channel]
            hour = bisect_right(cum, rng.random() * cum[-1])
            moment = datetime(day.year, day.month, day.day, hour, tzinfo=self.tz) + \
                timedelta(seconds=rng.uniform(0, 3600))
            starts.append((moment, channel))
        starts.sort(key=lambda s: s[0])
        out = []
        for n, (moment, channel) in enumerate(starts, start=1):
            c = self.new_case(first_id + n - 1, f"{day:%Y%m%d}{n:06d}", moment, channel)
            try:
                self.life(c)
            except Stop:
                pass
            c.light = self.deadlines.case_light(c, self.end) or ""
            out.append(c)
        return out

    def new_case(self, pk: int, number: str, t: datetime, channel: str) -> CaseState:
        rng, p = self.rng, self.p
        grid_id, grid = p.grids[bisect_right(p.grid_weights, rng.random() * p.grid_weights[-1])]
        choices, cum = p.by_channel[channel]
        kind, code, title, description, result, on_spot_ok = choices[bisect_right(cum, rng.random() * cum[-1])]
        cat = p.categories[code]
        lon, lat = p.points[grid]
        c = CaseState(id=pk, number=number, title=title[:200], lon=lon, lat=lat, grid_id=grid_id, platform=p.platform[grid],
                      category_id=None, complexity=cat.complexity, channel=channel, reported_at=t, updated_at=t)
        c.grid, c.cat, c.on_spot_ok = grid, cat, on_spot_ok and channel == "patrol"
        c.result_text = result or rng.choice(("已处置完毕", "经现场核实，已协调相关单位整改完毕", "已督促责任单位整改到位"))
        code_for_reporter = "".join(rng.choices("ABCDEFGHJKMNPQRSTUVWXYZ23456789", k=10))
        c.tracking_hash = self.tracking_hash(number, code_for_reporter)
        c.description = (description or title).replace("{place}", "小区门口").replace("{building}", "3号楼2单元")[:500]
        if channel in ("patrol", "deputy", "supervisor", "sensor", "open311") or rng.random() < 0.3:
            c.category_id = cat.pk
        if channel in ("hotline", "resident", "wechat", "open311") and rng.random() < 0.85:
            c.reporter_name = rng.choice(self.h.SURNAMES) + "".join(rng.choices(self.h.GIVEN, k=rng.randint(1, 2)))
            c.reporter_phone = f"1{rng.choice(['38', '39', '50', '58', '86', '87'])}{rng.randint(0, 99_999_999):08d}"
            c.reporter_digest = self.reporter_digest(c.reporter_name, c.reporter_phone)
            c.reporter_phone_keys = self.search_keys(c.reporter_phone)  # name and phone are encrypted by the Loader
        return c

    def reporter(self, c: CaseState) -> Who:
        street = c.grid[:9]
        if c.channel == "patrol":
            return self.who(f"worker-{c.grid}", "grid_worker")
        if c.channel == "hotline":
            return self.who("dispatcher", "dispatcher")
        if c.channel == "deputy":
            return self.who(f"deputy-{street}", "deputy")
        if c.channel == "supervisor":
            return self.who(f"supervisor-{street}" if self.rng.random() < 0.7 else "supervisor", "supervisor")
        if c.channel == "sensor":
            return Who("iot-platform", "system", None)
        return Who("open311" if c.channel == "open311" else "resident", "resident", None)

    # -- the loop ----------------------------------------------------------------------------------

    def life(self, c: CaseState) -> None:
        rng, h = self.rng, self.h
        t = c.reported_at
        actor = self.reporter(c)
        c.reporter_id = actor.user_id
        if c.on_spot_ok and rng.random() < h.ON_SPOT:  # 就地解决
            c.category_id = c.cat.pk
            c.status, c.lead_unit, c.result = "", c.grid, c.result_text
            c.resolved_at, c.resolved_by_id, c.resolved_level = t, actor.user_id, "grid"
            c.resolver = actor.label
            self.emit(c, "resolve_on_spot", t, "resolved", actor, unit=c.grid, note=c.result,
                      data={"channel": c.channel, "photos": [], "result_photos": []})
            self.verify_and_close(c, self.work(t, 0.5, 6))
            return
        self.emit(c, "report", t, "reported", actor, data={"channel": c.channel, "photos": []})
        if c.channel != "patrol":
            self.open_recent.append(c)
            del self.open_recent[:-150]
        alarm = c.channel == "sensor" or c.cat.urgent
        t = self.due(self.clock(t, 0.05, 0.3) if alarm else self.work(t, 0.1, 1.5))
        dispatcher = self.dispatcher(c.platform)
        masters = [m for m in self.open_recent[-150:-1] if m.status in ("registered", "dispatched", "in_progress")
                   and m.grid[:12] == c.grid[:12]]
        if c.channel in ("hotline", "resident", "wechat") and masters and rng.random() < h.DUPLICATE * 3:
            master = rng.choice(masters)
            c.master_id, c.master_number = master.id, master.number
            self.emit(c, "merge", t, "merged", dispatcher, note=f"→ {master.number}", data={"into": master.number})
            return
        if rng.random() < h.REJECT.get(c.channel, 0.01):
            self.emit(c, "reject", t, "rejected", dispatcher, note=rng.choice(h.REJECT_REASONS))
            return
        c.category_id = c.cat.pk
        if rng.random() < 0.1 and c.complexity in ("simple", "general"):
            c.complexity = {"simple": "general", "general": "complex"}[c.complexity]
        self.emit(c, "register", t, "registered", dispatcher,
                  data={"category": c.cat.code, "complexity": c.complexity})
        self.handle(c, self.soon(c, t, 0.02, 0.5), first=True)

    def limits(self, c: CaseState):
        key = (c.cat.pk, c.complexity)
        if key not in self.limits_cache:
            self.limits_cache[key] = self.routing.limits(c.cat, c.complexity)
        return self.limits_cache[key]

    def handle(self, c: CaseState, t: datetime, *, first: bool, unit: str | None = None) -> None:
        """Dispatch (派遣), then signing or a return (退单), then the work."""
        rng, h = self.rng, self.h
        t = self.due(t)
        lead_token, assisting_tokens, source = self.p.routes[c.cat.code]
        lead = unit or _from_token(lead_token, c.grid)
        helpers = [] if unit else [u for u in dict.fromkeys(_from_token(a, c.grid) for a in assisting_tokens) if u != lead]
        limits = self.limits(c)
        c.lead_unit, c.assisting_units, c.urgent = lead, helpers, limits.urgent
        c.dispatched_at = c.clock_start = t
        c.clock_banked, c.accepted_at = 0.0, None
        c.sign_by, c.resolve_by = self.deadlines.initial(start=t, sign_hours=limits.sign_hours,
                                                         resolve_days=limits.resolve_days, urgent=limits.urgent,
                                                         resolve_hours=limits.resolve_hours)
        self.emit(c, "dispatch", t, "dispatched", self.dispatcher(c.platform), unit=lead,
                  data={"assisting": helpers, "route": source if not unit else "default", **self.deadline_data(c)})
        kind = "unit" if lead.startswith("D") else "grid"
        sign_span = max(60.0, (c.sign_by - t).total_seconds())
        returnable = (lead[-3:] if kind == "unit" else "grid") in h.RETURN_REASONS
        if returnable and first and c.return_count == 0 and rng.random() < h.RETURN[kind]:
            at = self.due(t + timedelta(seconds=sign_span * rng.uniform(0.1, 0.8)))
            reason, target = h.RETURN_REASONS[lead[-3:] if kind == "unit" else "grid"]
            c.return_count += 1
            self.clear_clock(c)
            self.emit(c, "return", at, "registered", self.handler(lead), unit=lead, note=reason,
                      data=self.deadline_data(c))
            self.handle(c, self.work(at, 0.2, 3), first=False, unit=f"D{self.p.district}{target}")
            return
        late = rng.random() < h.LATE_SIGN
        at = t + timedelta(seconds=sign_span * (rng.uniform(1.1, 3.0) if late else rng.uniform(0.05, 0.9)))
        if late:  # the deadline sweep files one automatic 督办 for the missed signing
            swept = self.due(c.sign_by + timedelta(seconds=rng.uniform(60, 3600)))
            if swept < at:
                self.emit(c, "supervise", swept, c.status, Who("deadline sweep", "system", None), unit=lead,
                          note="超期自动督办", data={"overdue": f"sign:{self.iso(c.sign_by)}"})
        at = self.due(at)
        c.accepted_at = at
        self.emit(c, "accept", at, "in_progress", self.handler(lead), unit=lead)
        self.work_on(c, at, first=first and c.escalation_count == 0 and c.reopen_count == 0)

    def work_on(self, c: CaseState, t: datetime, *, first: bool) -> None:
        rng, h = self.rng, self.h
        grid_led = not c.lead_unit.startswith("D")
        escalate = h.ESCALATE if grid_led and first and len(c.platform) > 6 else 0.0
        extend = h.EXTENSION if first and not c.urgent else 0.0
        suspend = h.SUSPEND if first and not c.urgent else 0.0
        roll = rng.random()
        if roll < escalate:  # 逐级上报
            at = self.due(self.work(t, 0.3, 6))
            unit, parent = c.lead_unit, self.p.parents[c.platform]
            c.platform = parent
            c.escalation_count += 1
            self.clear_clock(c)
            self.emit(c, "escalate", at, "registered", self.handler(unit), unit=unit,
                      note="问题超出网格处置能力，需上级平台协调职能部门处理",
                      data={"platform": parent, **self.deadline_data(c)})
            self.handle(c, self.work(at, 0.2, 2), first=False,
                        unit=f"D{self.p.district}{'011' if c.cat.code.startswith('S02') else '001'}")
            return
        if roll < escalate + extend:
            self.extension(c, t)
            return
        if roll < escalate + extend + suspend:
            self.suspension(c, t)
            return
        self.resolution(c, t)

    def extension(self, c: CaseState, t: datetime, *, second: bool = False) -> None:
        rng = self.rng
        total = (c.resolve_by - c.dispatched_at).total_seconds()
        at = c.dispatched_at + timedelta(seconds=total * rng.uniform(0.45, 0.75))
        at = self.due(max(at, self.work(t, 0.2, 1)))
        days = rng.choice([2, 3, 3, 5, 5, 7, 10])
        c.pending_extension_days = days
        self.emit(c, "request_extension", at, c.status, self.handler(c.lead_unit), unit=c.lead_unit,
                  note=rng.choice(["需协调多个部门联合处置，申请延期", "需采购材料、安排施工，申请延期"]), data={"days": days})
        decided = self.due(self.work(at, 0.3, 4))
        dispatcher = self.dispatcher(c.platform[:6] if second and len(c.platform) > 6 else c.platform)
        c.pending_extension_days = None
        if second or rng.random() < self.h.GRANT:
            c.resolve_by = self.deadlines.extended(c.resolve_by, days=days, urgent=c.urgent)
            c.extension_count += 1
            self.emit(c, "grant_extension", decided, c.status, dispatcher, unit=c.lead_unit,
                      data={"days": days, **self.deadline_data(c)})
            if not second and rng.random() < self.h.SECOND_EXTENSION:
                self.extension(c, decided, second=True)
                return
            self.resolution(c, decided, late_ok=False)
        else:
            self.emit(c, "deny_extension", decided, c.status, dispatcher, unit=c.lead_unit,
                      note="现有时限可以完成，请抓紧办理", data={"days": days})
            self.resolution(c, decided)

    def suspension(self, c: CaseState, t: datetime) -> None:
        rng = self.rng
        at = self.due(self.work(t, 1, 12))
        review_on = at.astimezone(self.tz).date() + timedelta(days=rng.randint(3, 8))
        c.suspended_at, c.review_on = at, review_on
        dispatcher = self.dispatcher(c.platform)
        self.emit(c, "suspend", at, "suspended", dispatcher, unit=c.lead_unit,
                  note=rng.choice(["等待专项资金拨付", "需待天气条件允许后施工"]), data={"review_on": review_on.isoformat()})
        resumed = self.due(self.work(datetime(review_on.year, review_on.month, review_on.day, 9, tzinfo=self.tz), 0, 2))
        paused = c.suspended_at
        c.clock_banked += self.deadlines.spent(c.clock_start or paused, paused, urgent=c.urgent)
        c.clock_start = resumed
        c.resolve_by = self.deadlines.shifted(c.resolve_by, paused_from=paused, resumed_at=resumed, urgent=c.urgent)
        c.suspended_at = c.review_on = None
        self.emit(c, "resume", resumed, "in_progress", dispatcher, unit=c.lead_unit, data=self.deadline_data(c))
        self.resolution(c, resumed, late_ok=False)

    def resolution(self, c: CaseState, t: datetime, *, late_ok: bool = True) -> None:
        rng = self.rng
        total = max(60.0, (c.resolve_by - c.dispatched_at).total_seconds())
        roll = rng.random()
        if roll < 0.8:
            share = rng.triangular(0.03, 0.75, 0.15)
        elif roll < 0.93 or not late_ok:
            share = rng.uniform(0.8, 0.99)
        else:
            share = rng.uniform(1.05, 1.5)
        when = max(c.dispatched_at + timedelta(seconds=total * share), self.soon(c, t, 0.2, 1.5))
        if share >= 0.8 and rng.random() < self.h.SUPERVISE_SLOW:
            pressed = c.dispatched_at + timedelta(seconds=total * 0.82)
            if t < pressed < when:
                self.due(pressed)
                street = c.grid[:9]
                self.emit(c, "supervise", pressed, c.status, self.who(f"supervisor-{street}", "supervisor"),
                          unit=c.lead_unit, note="临近办结时限，请加快办理进度")
        if when > c.resolve_by:  # red: the sweep files its automatic 督办 once
            swept = self.due(max(t, c.resolve_by + timedelta(seconds=rng.uniform(60, 3600))))
            self.emit(c, "supervise", swept, c.status, Who("deadline sweep", "system", None), unit=c.lead_unit,
                      note="超期自动督办", data={"overdue": f"resolve:{self.iso(c.resolve_by)}"})
        self.resolve(c, when)

    def resolve(self, c: CaseState, when: datetime) -> None:
        when = self.due(when)
        who = self.handler(c.lead_unit)
        c.result, c.resolved_at, c.resolved_by_id = c.result_text, when, who.user_id
        c.resolved_level = self.level_of(c)
        c.resolver = who.label
        self.emit(c, "resolve", when, "resolved", who, unit=c.lead_unit, note=c.result,
                  data={"photos": [], "level": c.resolved_level})
        self.verify_and_close(c, self.soon(c, when, 0.5, 8))

    def verify_and_close(self, c: CaseState, t: datetime) -> None:
        rng, h = self.rng, self.h
        t = self.due(t)
        worker, leader = f"worker-{c.grid}", f"leader-{c.grid[:12]}"
        checker = self.who(leader, "grid_leader") if c.resolver == worker else self.who(worker, "grid_worker")
        if c.rework_count == 0 and rng.random() < (h.REWORK if c.dispatched_at else h.REWORK / 2):  # 返工
            c.rework_count += 1
            c.resolved_at = c.resolved_by_id = None
            c.resolved_level = ""
            self.emit(c, "verify", t, "in_progress", checker, unit=c.lead_unit, note="现场核查未整改到位，请返工",
                      data={"passed": False, "photos": []})
            self.resolve(c, self.work(t, 1, 12))
            return
        self.emit(c, "verify", t, "verified", checker, unit=c.lead_unit, note="现场核查已整改到位",
                  data={"passed": True, "photos": []})
        closed = self.due(self.soon(c, t, 0.1, 4))
        c.closed_at = closed
        dispatcher = self.dispatcher(c.platform)
        self.emit(c, "close", closed, "closed", dispatcher)
        if rng.random() >= h.EVALUATED.get(c.channel, 0.3):
            return
        public = c.channel in ("resident", "wechat", "open311")
        at = self.due(self.clock(closed, 1, 60) if public else self.work(closed, 0.5, 16))
        words, weights = zip(*h.SATISFACTION)
        satisfaction = rng.choices(words, weights=weights)[0]
        if c.reopen_count and satisfaction == "dissatisfied" and rng.random() < 0.7:
            satisfaction = "basically_satisfied"
        solved = satisfaction != "dissatisfied" or rng.random() < 0.2
        c.satisfaction, c.solved = satisfaction, solved
        if public:
            self.emit(c, "evaluate", at, "evaluated", Who("reporter", "reporter", None),
                      data={"satisfaction": satisfaction, "solved": solved, "by": "reporter", "proof": "tracking_code"})
        else:
            self.emit(c, "evaluate", at, "evaluated", dispatcher, note="回访",
                      data={"satisfaction": satisfaction, "solved": solved, "by": "dispatcher"})
        if satisfaction == "dissatisfied" and c.reopen_count == 0 and c.lead_unit and rng.random() < h.REOPEN:
            at = self.due(self.work(at, 0.3, 4))
            c.reopen_count += 1
            c.closed_at = c.resolved_at = c.resolved_by_id = None
            c.resolved_level = c.satisfaction = ""
            c.solved = None
            self.clear_clock(c)
            self.emit(c, "reopen", at, "registered", dispatcher, note="群众评价不满意，重新办理", data=self.deadline_data(c))
            self.handle(c, self.work(at, 0.1, 2), first=False)


# ---- building the data set -----------------------------------------------------------------------

def _days_of(year: int) -> list[date]:
    first = date(year, 1, 1)
    return [first + timedelta(days=i) for i in range((date(year + 1, 1, 1) - first).days)]


@dataclass(frozen=True)
class Block:
    """Consecutive days generated together, with their own seed: the data do not depend on how many
    processes generate them. Rollup rows are keyed by day, so a block's rollups are final."""

    number: int
    days: tuple[tuple[date, int], ...]  # (day, cases reported that day)
    first_id: int


def _blocks(days: list[date], per_day, size: int) -> list[Block]:
    out, current, first_id, total = [], [], 1, 0
    for day, count in zip(days, per_day, strict=True):
        current.append((day, int(count)))
        total += int(count)
        if total >= size or len(current) >= 31:
            out.append(Block(len(out), tuple(current), first_id))
            first_id, current, total = first_id + total, [], 0
    if current:
        out.append(Block(len(out), tuple(current), first_id))
    return out


EVENT_FIELDS = ["case", "seq", "action", "actor", "actor_label", "actor_role", "actor_unit", "from_status",
                "to_status", "unit",
                "note", "data", "at", "state_hash", "prev_hash", "hash"]
_WORK: dict = {}  # what a block needs, set before the worker processes fork


def _make_block(block: Block) -> dict:
    """Generate one block: the rows of cases, events, facts (facts.case_counters, services.keys_of) and
    rollups (services._add, the delta logic of refresh_cases and rebuild_rollups), ready to insert."""
    from gridgov.assessment import services as assessment
    from gridgov.assessment.facts import COUNTERS, case_counters

    pools, loaders, end, seed = _WORK["pools"], _WORK["loaders"], _WORK["end"], _WORK["seed"]
    t0 = time.perf_counter()
    gen = YearOfCases(pools, seed=seed * 1000 + block.number, end=end)
    tz = end.tzinfo
    cases, events, facts, delta = [], [], [], {}
    next_id, counters_by_day = block.first_id, []
    for day, count in block.days:
        made = gen.day_cases(day, count, next_id)
        next_id += len(made)
        counters_by_day.append((f"{day:%Y%m%d}", len(made)))
        for c in made:
            cases.append(loaders["case"].prepare(c.row()))
            for e in c.events:
                events.append(loaders["event"].prepare([c.id, e.seq, e.action, e.actor_id, e.actor_label, e.actor_role,
                                                        "", e.from_status, e.to_status, e.unit, e.note, e.data, e.at,
                                                        e.state_hash, e.prev_hash, e.hash]))
            counters = case_counters(c.events)
            keys = assessment.keys_of(c, c.grid, pools.roots)
            local_day = c.reported_at.astimezone(tz).date()
            facts.append(loaders["fact"].prepare([c.id, local_day, c.event_count, keys.grid, keys.unit, keys.person,
                                                  keys.category_root, *(counters[n] for n in COUNTERS)]))
            assessment._add(delta, keys, local_day, counters, +1)
    rollups = []
    for (kind, code, level, day), row in sorted(delta.items(), key=lambda item: (item[0][0], item[0][1], item[0][3])):
        if any(row.values()):
            rollups.append(loaders["rollup"].prepare([kind, code, level, day, *(row.get(n, 0) for n in COUNTERS)]))
    return {"cases": cases, "events": events, "facts": facts, "rollups": rollups, "counters": counters_by_day,
            "seconds": time.perf_counter() - t0}


def _worker_setup(overrides: dict) -> None:
    """In a forked generator process: never touch the database (the parent's connection is not ours)."""
    from gridgov.worktime import calendar

    calendar._load_overrides = lambda: dict(overrides)


@contextmanager
def _plain_indexes_dropped(connection, tables: list[str]):
    """Bulk loads go faster into tables without their secondary indexes: drop the plain (non-unique)
    ones and build them again afterwards, exactly as they were."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                        "AND tablename = ANY(%s) AND indexdef NOT LIKE 'CREATE UNIQUE%%'", [tables])
        else:
            marks = ", ".join(["%s"] * len(tables))
            cur.execute(f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL AND "
                        f"tbl_name IN ({marks}) AND sql NOT LIKE 'CREATE UNIQUE%%'", tables)
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield len(indexes)
    finally:
        with connection.cursor() as cur:
            for _, sql in indexes:
                cur.execute(sql)


def build(cases: int, *, seed: int, progress: Progress) -> dict:
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
    from gridgov.worktime.calendar import _load_overrides, is_workday

    took = {}
    started = time.perf_counter()
    progress("building the demo city (grids, units, people, categories)")
    build_demo_city(seed=0, days=0)
    pools = load_pools()
    took["demo_city_s"] = round(time.perf_counter() - started, 1)

    tz = timezone.get_default_timezone()
    end = datetime(YEAR + 1, 1, 1, tzinfo=tz)  # "now": the year's last moment
    days = _days_of(YEAR)
    weights = np.array([40.0 if is_workday(d) else 15.0 for d in days])
    per_day = np.random.default_rng(seed).multinomial(cases, weights / weights.sum())
    blocks = _blocks(days, per_day, CHUNK)
    loaders = {"case": Loader(connection, Case, list(CaseState.FIELDS)),
               "event": Loader(connection, CaseEvent, EVENT_FIELDS),
               "fact": Loader(connection, CaseFact, ["case", "day", "event_count", "grid", "unit", "person",
                                                     "category_root", *COUNTERS]),
               "rollup": Loader(connection, Rollup, ["kind", "code", "level", "day", *COUNTERS])}
    _WORK.update(pools=pools, loaders=loaders, end=end, seed=seed)
    asked = os.environ.get("GRIDGOV_BENCH_WORKERS", "").strip()  # 0: generate in this process
    workers = int(asked) if asked.isdigit() else max(1, (os.cpu_count() or 2) - 1)
    parallel = workers > 0 and (cases >= PARALLEL_FROM or bool(asked))
    overrides = _load_overrides()

    written = {"cases": 0, "events": 0, "rollups": 0}
    gen_s = insert_s = 0.0
    last_said = time.perf_counter()
    tables = [Case._meta.db_table, CaseEvent._meta.db_table, CaseFact._meta.db_table, Rollup._meta.db_table]
    pool = None
    try:
        if parallel:
            connection.close()  # the workers fork: none of them may share the parent's connection
            pool = multiprocessing.get_context("fork").Pool(workers, initializer=_worker_setup, initargs=(overrides,))
            pending, todo = deque(), iter(blocks)
            for _ in range(2 * workers):
                block = next(todo, None)
                if block is not None:
                    pending.append(pool.apply_async(_make_block, (block,)))

            def results():
                while pending:
                    result = pending.popleft().get()
                    block = next(todo, None)
                    if block is not None:
                        pending.append(pool.apply_async(_make_block, (block,)))
                    yield result
        else:
            def results():
                for block in blocks:
                    yield _make_block(block)

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
        return {(r[0], r[1], r[2], r[3]): r[4:] for r in Rollup.objects.values_list("kind", "code", "level", "day",
                                                                                    *COUNTERS)}

    before = snapshot()
    assessment.rebuild_rollups()
    return snapshot() == before


# ---- timing the dashboard -----------------------------------------------------------------------

@dataclass
class Subjects:
    district: str
    streets: list[str]
    communities: list[str]
    units: list[str]  # departments with cases


def _subjects() -> Subjects:
    from gridgov.assessment.models import CaseFact
    from gridgov.grids.models import Grid
    from gridgov.sim.city import DISTRICT_CODE

    grids = Grid.objects.filter(valid_to__isnull=True, code__startswith=DISTRICT_CODE)
    streets = list(grids.filter(level=1).order_by("code").values_list("code", flat=True))
    communities = list(grids.filter(level=2).order_by("code").values_list("code", flat=True))
    units = sorted(set(CaseFact.objects.filter(unit__startswith="D").values_list("unit", flat=True).distinct()))
    return Subjects(DISTRICT_CODE, streets, communities, units or [f"D{DISTRICT_CODE}001"])


def _random_range(rng: random.Random) -> tuple[date, date]:
    days = rng.choice(RANGE_DAYS)
    first, last = date(YEAR, 1, 1), date(YEAR, 12, 31)
    if days >= 365:
        return first, last
    start = first + timedelta(days=rng.randrange((last - first).days - days + 2))
    return start, start + timedelta(days=days - 1)


def _calls(s: Subjects, rng: random.Random) -> dict:
    """One call of each dashboard query with random subjects and ranges (as the leader clicks around)."""
    from gridgov.assessment import selectors
    from gridgov.assessment.api import INDICATOR_NAMES

    start, end = _random_range(rng)
    street, community, unit = rng.choice(s.streets), rng.choice(s.communities), rng.choice(s.units)
    region = rng.choice([s.district, street])
    any_region = rng.choice([s.district, street, community])
    return {
        "indicators_district": lambda: selectors.indicators(kind="region", code=s.district, start=start, end=end),
        "indicators_street": lambda: selectors.indicators(kind="region", code=street, start=start, end=end),
        "indicators_community": lambda: selectors.indicators(kind="region", code=community, start=start, end=end),
        "indicators_department": lambda: selectors.indicators(kind="unit", code=unit, start=start, end=end),
        "children_values": lambda: selectors.children_values(region, start, end, rng.choice(INDICATOR_NAMES)),
        "daily_series": lambda: selectors.daily_series("region", any_region, start, end),
        "category_breakdown": lambda: selectors.category_breakdown(any_region, start, end),
        "hot_spots": lambda: selectors.hot_spots(region, start, end),
        "lights": lambda: selectors.lights(any_region),
    }


def _ms(values: list[float], q: float) -> float:
    return round(float(np.percentile(values, q)), 2)


def time_dashboard(s: Subjects, repeats: int, seed: int) -> dict:
    rng = random.Random(seed)
    for call in _calls(s, rng).values():  # warm-up: connections, query compilation, caches
        call()
    times: dict[str, list[float]] = {name: [] for name in QUERIES}
    for _ in range(repeats):
        calls = list(_calls(s, rng).items())
        rng.shuffle(calls)
        for name, call in calls:
            t0 = time.perf_counter()
            call()
            times[name].append((time.perf_counter() - t0) * 1000)
    return times


def compare_with_events(s: Subjects, cases: int, seed: int, progress: Progress) -> dict:
    """The indicators from the rollups and from the raw event log, on a few subjects and ranges:
    equal numbers, or BenchmarkError. Timed RAW_REPEATS times each."""
    from gridgov.assessment import selectors
    from gridgov.assessment.indicators import from_counters

    rng = random.Random(seed + 1)
    month = rng.randrange(1, 13)
    month_start = date(YEAR, month, 1)
    month_end = (date(YEAR + month // 12, month % 12 + 1, 1) - timedelta(days=1))
    week = _random_range_of(rng, 7)
    samples = [("region", rng.choice(s.communities), month_start, month_end),
               ("region", rng.choice(s.streets), *week),
               ("unit", rng.choice(s.units), *week),
               ("region", rng.choice(s.streets), month_start, month_end)]
    if cases <= 60_000:  # the whole city-year still takes seconds: check every case once
        samples.append(("region", s.district, date(YEAR, 1, 1), date(YEAR, 12, 31)))
    else:
        samples.append(("region", s.district, *_random_range_of(rng, 1)))
    out = []
    for kind, code, start, end in samples:
        progress(f"raw events vs rollups: {kind} {code} {start}…{end}")
        raw_ms, rollup_ms, raw, rolled = [], [], None, None
        for _ in range(RAW_REPEATS):
            t0 = time.perf_counter()
            raw = selectors.totals_from_events(kind, code, start, end)
            raw_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            rolled = selectors.totals(kind, code, start, end)
            rollup_ms.append((time.perf_counter() - t0) * 1000)
        if raw != rolled or from_counters(raw) != from_counters(rolled):
            diff = {k: (rolled[k], raw[k]) for k in raw if raw[k] != rolled[k]}
            raise BenchmarkError(f"the rollups and the raw event log disagree for {kind} {code} {start}…{end}: "
                                 f"(rollups, events) {diff}")
        n_cases = selectors.cases_of(kind, code, start, end).count()
        out.append({"subject": f"{kind}:{code}", "start": start.isoformat(), "end": end.isoformat(),
                    "cases": n_cases, "raw_ms": round(min(raw_ms), 1), "rollups_ms": round(min(rollup_ms), 2),
                    "received": raw["received"], "closed": raw["closed"]})
    return {"samples": out, "same_numbers": True}


def _random_range_of(rng: random.Random, days: int) -> tuple[date, date]:
    first = date(YEAR, 1, 1)
    start = first + timedelta(days=rng.randrange(365 - days + 1))
    return start, start + timedelta(days=days - 1)


def check_chains(sample: int, seed: int) -> int:
    """`gridgov audit verify` on a random sample of the generated cases: the chains are real."""
    from gridgov.cases.audit import verify_chains
    from gridgov.cases.models import Case

    top = Case.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    rng = random.Random(seed + 2)
    ids = rng.sample(range(1, top + 1), min(sample, top))
    numbers = list(Case.objects.filter(pk__in=ids).values_list("number", flat=True))
    report = verify_chains(numbers)
    if not report.ok:
        raise BenchmarkError(f"generated hash chains do not verify: {report.broken[:3]}")
    return report.cases


def _sizes() -> dict:
    from gridgov.assessment.models import CaseFact, Rollup
    from gridgov.cases.models import Case, CaseEvent
    from gridgov.grids.models import Grid

    return {"cases": Case.objects.count(), "events": CaseEvent.objects.count(), "case_facts": CaseFact.objects.count(),
            "rollup_rows": Rollup.objects.count(), "grids": Grid.objects.filter(valid_to__isnull=True).count(),
            "year": YEAR}


def run(scale: float = 1.0, progress: Progress = lambda m: None) -> dict:
    cases = max(100, round(CASES * scale))
    spec = {"bench": "dashboard", "version": DATA_VERSION, "cases": cases, "seed": SEED, "year": YEAR}
    with scratch_database(spec, progress) as (scratch, reused):
        from django.db import connection

        if reused:
            progress(f"reusing the {cases:,} cases already in {scratch.label}")
            built = {"took": {}}
        else:
            progress(f"writing {cases:,} cases of {YEAR} into {scratch.label}")
            built = build(cases, seed=SEED, progress=progress)
            _write_marker(connection, {**spec, "complete": True})
        rebuilt = None
        if cases <= REBUILD_CHECK_UP_TO:
            progress("services.rebuild_rollups() must give the rows the bulk load wrote")
            rebuilt = rebuild_matches()
            if not rebuilt:
                raise BenchmarkError("services.rebuild_rollups() changed the rollups the bench wrote")
        size = _sizes()
        if size["cases"] != cases:
            raise BenchmarkError(f"the scratch database holds {size['cases']} cases, not {cases}")
        subjects = _subjects()
        progress(f"timing the dashboard queries ({REPEATS} calls each)")
        times = time_dashboard(subjects, REPEATS, SEED)
        everything = [t for ts in times.values() for t in ts]
        progress("the same indicators from the raw event log")
        raw = compare_with_events(subjects, cases, SEED, progress)
        chains = check_chains(200, SEED)
        status = dict(sorted(_status_counts().items()))
        database = {"engine": scratch.engine, "where": scratch.label, "kept": scratch.kept, "reused": reused,
                    "server": connection.get_database_version() if scratch.engine == "postgresql" else None}
    p95 = max(_ms(everything, 95), 0.01)
    return figure(
        value=p95, limit=LIMIT_MS, unit="ms", better="lower", size=size,
        p50=_ms(everything, 50),
        queries={name: {"p50": _ms(ts, 50), "p95": _ms(ts, 95), "max": round(max(ts), 2), "calls": len(ts)}
                 for name, ts in times.items()},
        raw_events={"p50_ms": _ms([s["raw_ms"] for s in raw["samples"]], 50),
                    "max_ms": max(s["raw_ms"] for s in raw["samples"]), "samples": raw["samples"]},
        same_numbers=raw["same_numbers"],
        hash_chains_verified=chains,
        rebuild_rollups_matches=rebuilt,
        statuses=status,
        database=database,
        build=built["took"],
        method=(f"{REPEATS} calls of each query, random subjects and date ranges ({'/'.join(map(str, RANGE_DAYS))} "
                f"days) in {YEAR}, shuffled per round after one warm-up round; value = p95 over all calls. Raw: "
                f"selectors.totals_from_events on {len(raw['samples'])} samples, best of {RAW_REPEATS}, compared "
                "with selectors.totals"),
    )


def _status_counts() -> dict:
    from django.db.models import Count

    from gridgov.cases.models import Case

    return dict(Case.objects.values_list("status").annotate(n=Count("id")))
