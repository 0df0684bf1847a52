"""`gridgov bench sweep`: the deadline sweep's time follows the cases due, not the cases held (红黄灯巡检).

`--scale 1` is 10,000,000 cases of which 10,000 are due at the sweep's moment, and the same 10,000 among a
total 100 times smaller (100,000). The figure is the sweep's time (`cases.services.sweep_deadlines`) at the
large size; the limit is its time at the small size, measured in the same run over the very same due cases.
A ratio near 1 says the time does not grow with the total; a sweep that read every running case would take
about 15 times longer at the large size here (15 % of the cases are running), 100 times if it read them all.

The due cases do what due cases do: 60 % turn yellow (one conditional write), 30 % turn red (their light,
one automatic 督办 through `record_event`, their next moment), 10 % are suspended 联动办 cases past their
progress report's date (one 督办). Not due: 85 % of the rest are closed (no moment), 15 % running with a
moment later than the sweep's. Each case's deadlines, light and moment come from `cases.deadlines` (the
real `initial`, `case_light` and `next_light_change`) on a few templates; rows are written in bulk — COPY
on PostgreSQL, executemany on SQLite — into the scratch database (bench/scratch.py), never the user's.

Each size is timed ROUNDS times (best counts); between rounds the due cases are put back as they were
(their light, moment, version and chain head; their events and queued work deleted). After each sweep:
exactly the due cases were read (`checked`), each did its one thing (`changed`, `supervised`,
`progress_overdue`), none is due any more, and every event written belongs to a due case; once per size,
no case that was not due changed. The plan of the sweep's selection is reported (`plan`, `uses_index`).
The database is always built afresh (the small size is measured before the large one is loaded).
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from gridgov.bench.registry import BenchmarkError, Progress, figure
from gridgov.bench.scratch import scratch_database

TOTAL = 10_000_000
DUE = 10_000
SMALLER = 100  # the small total is TOTAL / SMALLER
ROUNDS = 3
CHUNK = 50_000  # rows per insert statement batch
TZ = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=TZ)  # a Monday morning in an ordinary week
DISTRICT = "410199"
UNIT = "D410199001"
# shares of the due cases: (kind, share); the rest of a total: closed 85 %, running and not due 15 %
DUE_KINDS = (("yellow", 0.6), ("red", 0.3), ("progress", 0.1))
RUNNING_SHARE = 0.15
LATER = 8  # templates of running cases not due (their moments spread over the weeks ahead)


def sizes(scale: float) -> dict[str, int]:
    due = max(10, round(DUE * scale))
    total = max(round(TOTAL * scale), 4 * due)
    return {"due": due, "small": max(total // SMALLER, 2 * due), "large": total}


# ---- the cases: templates from the real deadline code -------------------------------------------------------


def _case(**fields):
    from gridgov.cases.models import Case

    base = {
        "number": "",
        "tracking_hash": "",
        "title": "路灯不亮",
        "lon": 113.6,
        "lat": 34.75,
        "grid_id": None,
        "platform": DISTRICT,
        "channel": "patrol",
        "complexity": "general",
        "status": "in_progress",
        "lead_unit": UNIT,
        "urgent": False,
        "reported_at": NOW - timedelta(days=30),
        "updated_at": NOW - timedelta(days=1),
        "version": 7,
        "event_count": 0,
        "last_hash": "",
    }
    return Case(**{**base, **fields})


def _running(dispatched: datetime, **fields):
    from gridgov.cases import deadlines

    sign_by, resolve_by = deadlines.initial(
        start=dispatched, sign_hours=1, resolve_days=3, urgent=False, resolve_hours=None
    )
    case = _case(
        dispatched_at=dispatched,
        clock_start=dispatched,
        clock_banked=0.0,
        accepted_at=dispatched + timedelta(minutes=20),
        sign_by=sign_by,
        resolve_by=resolve_by,
        reported_at=dispatched - timedelta(hours=1),
        **fields,
    )
    case.light = deadlines.case_light(case, dispatched + timedelta(minutes=20)) or ""
    return case


def _dispatched_for(light: str) -> datetime:
    """The latest dispatch (half-hour steps back from NOW) whose light at NOW is `light`."""
    from gridgov.cases import deadlines

    for half_hours in range(1, 24 * 2 * 30):
        dispatched = NOW - timedelta(minutes=30 * half_hours)
        if deadlines.case_light(_running(dispatched), NOW) == light:
            return dispatched
    raise BenchmarkError(f"no dispatch time gives a {light} light at {NOW}")


def templates() -> dict[str, list]:
    """Cases as the services leave them, due at NOW (yellow, red, progress) or not (later, closed)."""
    from gridgov.cases import deadlines

    yellow = _running(_dispatched_for("yellow"))
    yellow.light_next_at = deadlines.next_light_change(yellow, yellow.accepted_at)
    red = _running(_dispatched_for("red"))
    red.light = "yellow"  # as the sweep left it at its yellow moment
    red.light_next_at = red.resolve_by + deadlines.JUST_AFTER
    progress = _running(NOW - timedelta(days=2), mode="linked", progress_due=NOW - timedelta(hours=1))
    progress.status, progress.suspended_at = "suspended", NOW - timedelta(days=1)
    progress.light_next_at = deadlines.next_light_change(progress, progress.suspended_at)
    later = []
    for i in range(LATER):
        case = _running(NOW - timedelta(hours=1) + timedelta(days=3 * i))  # some dispatched in the days ahead
        case.light_next_at = deadlines.next_light_change(case, NOW, settled=True)
        later.append(case)
    closed = _running(NOW - timedelta(days=20), status="closed")
    closed.resolved_at, closed.closed_at, closed.light_next_at = (
        NOW - timedelta(days=19),
        NOW - timedelta(days=18),
        None,
    )
    # what each due kind does at NOW, checked on the templates before any row is written
    for case, light in ((yellow, "yellow"), (red, "red")):
        if not (case.light_next_at <= NOW and deadlines.case_light(case, NOW) == light != case.light):
            raise BenchmarkError(f"the {light} template is not due at {NOW}")
    if not (progress.light_next_at <= NOW and all(c.light_next_at > NOW for c in later)):
        raise BenchmarkError("the progress or later templates are wrong")
    return {"yellow": [yellow], "red": [red], "progress": [progress], "later": later, "closed": [closed]}


# ---- writing rows in bulk -------------------------------------------------------------------------------------


class Rows:
    """Case rows from templates: each template's columns prepared once, then id and number per row."""

    def __init__(self, connection, grid_id: int):
        from gridgov.cases.models import Case
        from gridgov.core.crypto import EncryptedTextField

        self.connection = connection
        self.pg = connection.vendor == "postgresql"
        self.fields = list(Case._meta.concrete_fields)
        self.columns = ", ".join(connection.ops.quote_name(f.column) for f in self.fields)
        self.grid_id = grid_id
        self.encrypted = EncryptedTextField

    def _value(self, field, value):
        kind = field.get_internal_type()
        if value is None:
            return None
        if isinstance(field, self.encrypted):
            return field.get_prep_value(value)
        if kind == "JSONField":
            return json.dumps(value, ensure_ascii=False)
        if kind == "DateTimeField":
            return value.isoformat() if self.pg else str(value.astimezone(UTC).replace(tzinfo=None))
        if kind == "DateField":
            return value.isoformat()
        if kind == "BooleanField":
            return ("t" if value else "f") if self.pg else int(value)
        return value

    def template(self, case) -> list:
        case.grid_id = self.grid_id
        values = []
        for f in self.fields:
            value = getattr(case, f.attname)
            if value is None and f.has_default() and not f.null:
                value = f.get_default()
            values.append(self._value(f, value))
        return values

    def write(self, start_id: int, count: int, template: list) -> None:
        """`count` rows of `template`, ids start_id…; numbers from the ids (unique, 14 characters)."""
        names = [f.attname for f in self.fields]
        at_id, at_number = names.index("id"), names.index("number")
        if at_id > at_number:
            raise BenchmarkError("cases_case: id after number")
        cells = ["\\N" if v is None else _copy_text(v) for v in template]
        pre = "".join(c + "\t" for c in cells[:at_id])
        mid = "".join("\t" + c for c in cells[at_id + 1 : at_number])
        post = "".join("\t" + c for c in cells[at_number + 1 :])
        done = 0
        while done < count:
            n = min(CHUNK, count - done)
            ids = range(start_id + done, start_id + done + n)
            with self.connection.cursor() as cursor:
                if self.pg:
                    text = "".join(f"{pre}{i}{mid}\tB{i:013d}{post}\n" for i in ids)
                    table = self.connection.ops.quote_name("cases_case")
                    with cursor.cursor.copy(f"COPY {table} ({self.columns}) FROM STDIN") as copy:
                        copy.write(text)
                else:
                    rows = []
                    for i in ids:
                        row = list(template)
                        row[at_id], row[at_number] = i, f"B{i:013d}"
                        rows.append(row)
                    marks = ", ".join(["?"] * len(self.fields))
                    cursor.cursor.executemany(f'INSERT INTO "cases_case" ({self.columns}) VALUES ({marks})', rows)
            done += n


def _copy_text(value) -> str:
    text = str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


@contextmanager
def _plain_indexes_dropped(connection):
    """The case table's plain indexes dropped for a bulk load and built again after it, as they were."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() "
                "AND tablename = 'cases_case' AND indexdef NOT LIKE 'CREATE UNIQUE%%'"
            )
        else:
            cur.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                "AND tbl_name = 'cases_case' AND sql NOT LIKE 'CREATE UNIQUE%%'"
            )
        indexes = cur.fetchall()
        for name, _ in indexes:
            cur.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
    try:
        yield
    finally:
        with connection.cursor() as cur:
            for _, sql in indexes:
                cur.execute(sql)
            if connection.vendor == "postgresql":  # as autovacuum would; SQLite gets none (as in production)
                cur.execute("ANALYZE cases_case")


# ---- the run ----------------------------------------------------------------------------------------------------


class Layout:
    """Which ids hold which template: the due cases first (by kind), then the not-due ones."""

    def __init__(self, due: int):
        self.due = due
        self.kinds: list[tuple[str, int, int]] = []  # (kind, first id, last id)
        first = 1
        for i, (kind, share) in enumerate(DUE_KINDS):
            count = due - (first - 1) if i == len(DUE_KINDS) - 1 else round(due * share)
            self.kinds.append((kind, first, first + count - 1))
            first += count
        self.filler: list[tuple[str, int, int, int]] = []  # (template kind, index, first id, last id)

    def count(self, kind: str) -> int:
        return sum(b - a + 1 for k, a, b in self.kinds if k == kind)

    def plan_filler(self, first: int, count: int) -> list[tuple[str, int, int, int]]:
        running = round(count * RUNNING_SHARE)
        segments = [("closed", 0, first, first + count - running - 1)]
        at = first + count - running
        for i in range(LATER):
            n = running // LATER + (1 if i < running % LATER else 0)
            segments.append(("later", i, at, at + n - 1))
            at += n
        segments = [s for s in segments if s[3] >= s[2]]
        self.filler.extend(segments)
        return segments


def _load(rows: Rows, layout: Layout, tpl: dict, first: int, count: int, *, due: bool) -> None:
    if due:
        for kind, a, b in layout.kinds:
            rows.write(a, b - a + 1, rows.template(tpl[kind][0]))
    for kind, index, a, b in layout.plan_filler(first, count):
        rows.write(a, b - a + 1, rows.template(tpl[kind][index]))


def _reset(layout: Layout, tpl: dict) -> None:
    """The due cases as they were before the sweep; their events and queued work gone."""
    from django.db import connection

    from gridgov.cases.models import Case, CaseEvent
    from gridgov.core.models import OutboxItem

    for kind, a, b in layout.kinds:
        case = tpl[kind][0]
        Case.objects.filter(pk__range=(a, b)).update(
            light=case.light,
            light_next_at=case.light_next_at,
            version=case.version,
            event_count=0,
            last_hash="",
            updated_at=case.updated_at,
        )
    with connection.cursor() as cur:
        for model in (CaseEvent, OutboxItem):
            cur.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")


def _check_sweep(result, layout: Layout) -> None:
    from gridgov.cases.models import Case, CaseEvent

    red, progress, yellow = layout.count("red"), layout.count("progress"), layout.count("yellow")
    got = (result.checked, result.changed, result.supervised, result.progress_overdue)
    if got != (layout.due, yellow + red, red, progress):
        raise BenchmarkError(f"the sweep did {got}, expected {(layout.due, yellow + red, red, progress)}")
    if Case.objects.filter(light_next_at__lte=NOW).exists():
        raise BenchmarkError("cases still due after the sweep")
    events = CaseEvent.objects.count()
    if events != red + progress or CaseEvent.objects.filter(case_id__gt=layout.due).exists():
        raise BenchmarkError(f"{events} events written, expected {red + progress}, all on due cases")


def _check_untouched(layout: Layout, tpl: dict) -> int:
    """No case that was not due changed (its light, its moment, its version); returns how many were checked."""
    from gridgov.cases.models import Case

    checked = 0
    for kind, index, a, b in layout.filler:
        case = tpl[kind][index]
        rows = Case.objects.filter(pk__range=(a, b))
        moved = rows.exclude(light=case.light).exclude(version=case.version).exists() or (
            rows.filter(light_next_at__isnull=False).exists()
            if case.light_next_at is None
            else rows.exclude(light_next_at=case.light_next_at).exists()
        )
        if moved or rows.exclude(version=case.version).exists() or rows.exclude(light=case.light).exists():
            raise BenchmarkError(f"the sweep changed cases that were not due (ids {a}–{b})")
        checked += b - a + 1
    return checked


def _time_sweeps(layout: Layout, tpl: dict, progress: Progress, label: str) -> list[float]:
    from gridgov.cases.services import sweep_deadlines

    seconds = []
    for i in range(ROUNDS):
        _reset(layout, tpl)
        started = time.perf_counter()
        result = sweep_deadlines(now=NOW)
        seconds.append(time.perf_counter() - started)
        _check_sweep(result, layout)
        progress(f"{label}: sweep {i + 1}/{ROUNDS} over {layout.due:,} due cases: {seconds[-1]:.2f} s")
    return seconds


def _plan() -> str:
    from gridgov.cases.models import Case
    from gridgov.cases.services.sweep import SWEPT

    return Case.objects.filter(light_next_at__lte=NOW, status__in=SWEPT).order_by().values_list("pk").explain()


def run(scale: float = 1.0, progress: Progress = lambda m: None) -> dict:
    from django.db import connection
    from django.test.utils import override_settings

    from gridgov.bench.scratch import write_marker
    from gridgov.grids.models import Grid

    n = sizes(scale)
    # never reused: the small size must be measured before the large one is written
    spec = {"bench": "sweep", "version": 1, "sizes": n, "built": time.time()}
    with scratch_database(spec, progress) as (scratch, _), override_settings(GRIDGOV_OUTBOX_DRAIN="worker"):
        grid = Grid.objects.create(code=DISTRICT, name="基准区", level=0, valid_from=NOW - timedelta(days=365))
        tpl = templates()
        rows, layout = Rows(connection, grid.pk), Layout(n["due"])
        load_s = {}
        progress(f"writing {n['small']:,} cases ({n['due']:,} due) into {scratch.label}")
        started = time.perf_counter()
        _load(rows, layout, tpl, n["due"] + 1, n["small"] - n["due"], due=True)
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("ANALYZE cases_case")
        load_s["small"] = round(time.perf_counter() - started, 1)
        small = _time_sweeps(layout, tpl, progress, f"{n['small']:,} cases")
        plan_small = _plan()
        untouched = _check_untouched(layout, tpl)
        progress(f"writing {n['large'] - n['small']:,} more cases, none due")
        started = time.perf_counter()
        with _plain_indexes_dropped(connection):
            _load(rows, layout, tpl, n["small"] + 1, n["large"] - n["small"], due=False)
        load_s["large"] = round(time.perf_counter() - started, 1)
        large = _time_sweeps(layout, tpl, progress, f"{n['large']:,} cases")
        plan = _plan()
        untouched = _check_untouched(layout, tpl)
        total = connection.cursor().execute("SELECT COUNT(*) FROM cases_case").fetchone()[0]
        if total != n["large"]:
            raise BenchmarkError(f"{total} cases written, expected {n['large']}")
        write_marker(connection, {**spec, "complete": False})
        database = {
            "engine": scratch.engine,
            "where": scratch.label,
            "server": connection.get_database_version() if scratch.engine == "postgresql" else None,
        }
    best_small, best_large = min(small), min(large)
    uses_index = "case_light_next_at" in plan
    return figure(
        value=round(best_large, 3),
        limit=round(best_small, 3),
        unit="s",
        better="lower",
        size={"cases": n["large"], "due": n["due"], "small_total": n["small"]},
        sizes={
            "small": {"cases": n["small"], "seconds": [round(s, 3) for s in small]},
            "large": {"cases": n["large"], "seconds": [round(s, 3) for s in large]},
        },
        due={kind: layout.count(kind) for kind, _ in DUE_KINDS},
        ms_per_due_case={
            "small": round(1000 * best_small / n["due"], 3),
            "large": round(1000 * best_large / n["due"], 3),
        },
        growth={"total": round(n["large"] / n["small"], 1), "time": round(best_large / best_small, 3)},
        plan=plan,
        plan_small=plan_small,
        uses_index=uses_index,
        untouched_checked=untouched,
        load_s=load_s,
        now=NOW.isoformat(),
        database=database,
    )
