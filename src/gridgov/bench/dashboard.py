"""`gridgov bench dashboard`: the leader's dashboard queries over a city-year of cases (大屏统计).

`--scale 1` is one city for one year: 3,000,000 cases over the 中原区 demo city's grids, with their
event logs, per-case facts and daily rollups. The figure is the p95 latency of the dashboard's
queries (assessment.selectors: indicators of the district, a street, a community and a department;
children_values; daily_series; category_breakdown; hot_spots; lights), each run REPEATS times with
random subjects and date ranges; the limit is 200 ms. Beside it, the same indicators computed from
the raw event log (selectors.totals_from_events) on fewer samples: both must give the same numbers,
or the benchmark fails (BenchmarkError).

The pieces: the data go into a scratch database, never the user's (bench/scratch.py); they are
generated as the services would have written them (bench/year_of_cases/) and written in bulk
(bench/bulk_load.py). Up to REBUILD_CHECK_UP_TO cases (CI's scales) services.rebuild_rollups() is
run afterwards and must leave every rollup row as it was; at any scale a sample of the hash chains
goes through `audit verify`. A kept bench database (GRIDGOV_BENCH_DATABASE_URL) is reused by a later
run of the same data set (`database.reused`).
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

from gridgov.bench.bulk_load import build, rebuild_matches
from gridgov.bench.registry import BenchmarkError, Progress, figure
from gridgov.bench.scratch import scratch_database, write_marker

CASES = 3_000_000  # at --scale 1: one city, one year
YEAR = 2025  # a whole year chinese-calendar knows (holidays, 调休)
SEED = 20261124
REPEATS = 100  # timed calls of each dashboard query
RAW_REPEATS = 2  # timed calls of each raw-events sample
LIMIT_MS = 200.0
REBUILD_CHECK_UP_TO = 60_000  # cases up to which rebuild_rollups() is run to check the bulk-built rollups
DATA_VERSION = 3  # bump when the generator changes: a kept bench database is then rebuilt

QUERIES = (
    "indicators_district",
    "indicators_street",
    "indicators_community",
    "indicators_department",
    "children_values",
    "daily_series",
    "category_breakdown",
    "hot_spots",
    "lights",
)
RANGE_DAYS = (1, 7, 30, 31, 90, 365)  # today, a week, a month, a quarter, the year


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
    month_end = date(YEAR + month // 12, month % 12 + 1, 1) - timedelta(days=1)
    week = _random_range_of(rng, 7)
    samples = [
        ("region", rng.choice(s.communities), month_start, month_end),
        ("region", rng.choice(s.streets), *week),
        ("unit", rng.choice(s.units), *week),
        ("region", rng.choice(s.streets), month_start, month_end),
    ]
    if cases <= 60_000:  # the whole city-year still takes seconds: check every case once
        samples.append(("region", s.district, date(YEAR, 1, 1), date(YEAR, 12, 31)))
    else:
        samples.append(("region", s.district, *_random_range_of(rng, 1)))
    out = []
    for kind, code, start, end in samples:
        progress(f"raw events vs rollups: {kind} {code} {start}…{end}")
        raw_ms: list[float] = []
        rollup_ms: list[float] = []
        raw: dict[str, int] = {}
        rolled: dict[str, int] = {}
        for _ in range(RAW_REPEATS):
            t0 = time.perf_counter()
            raw = selectors.totals_from_events(kind, code, start, end)
            raw_ms.append((time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            rolled = selectors.totals(kind, code, start, end)
            rollup_ms.append((time.perf_counter() - t0) * 1000)
        if raw != rolled or from_counters(raw) != from_counters(rolled):
            diff = {k: (rolled[k], raw[k]) for k in raw if raw[k] != rolled[k]}
            raise BenchmarkError(
                f"the rollups and the raw event log disagree for {kind} {code} {start}…{end}: (rollups, events) {diff}"
            )
        n_cases = selectors.cases_of(kind, code, start, end).count()
        out.append(
            {
                "subject": f"{kind}:{code}",
                "start": start.isoformat(),
                "end": end.isoformat(),
                "cases": n_cases,
                "raw_ms": round(min(raw_ms), 1),
                "rollups_ms": round(min(rollup_ms), 2),
                "received": raw["received"],
                "closed": raw["closed"],
            }
        )
    return {"samples": out, "same_numbers": True}


def _random_range_of(rng: random.Random, days: int) -> tuple[date, date]:
    first = date(YEAR, 1, 1)
    start = first + timedelta(days=rng.randrange(365 - days + 1))
    return start, start + timedelta(days=days - 1)


def check_chains(sample: int, seed: int) -> int:
    """`gridgov audit verify` on a random sample of the generated cases: the chains are real."""
    from gridgov.cases.chains import verify_chains
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

    return {
        "cases": Case.objects.count(),
        "events": CaseEvent.objects.count(),
        "case_facts": CaseFact.objects.count(),
        "rollup_rows": Rollup.objects.count(),
        "grids": Grid.objects.filter(valid_to__isnull=True).count(),
        "year": YEAR,
    }


def run(scale: float = 1.0, progress: Progress = lambda m: None) -> dict:
    cases = max(100, round(CASES * scale))
    spec = {"bench": "dashboard", "version": DATA_VERSION, "cases": cases, "seed": SEED, "year": YEAR}
    with scratch_database(spec, progress) as (scratch, reused):
        from django.db import connection

        if reused:
            progress(f"reusing the {cases:,} cases already in {scratch.label}")
            built: dict = {"took": {}}
        else:
            progress(f"writing {cases:,} cases of {YEAR} into {scratch.label}")
            built = build(cases, year=YEAR, seed=SEED, progress=progress)
            write_marker(connection, {**spec, "complete": True})
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
        database = {
            "engine": scratch.engine,
            "where": scratch.label,
            "kept": scratch.kept,
            "reused": reused,
            "server": connection.get_database_version() if scratch.engine == "postgresql" else None,
        }
    p95 = max(_ms(everything, 95), 0.01)
    return figure(
        value=p95,
        limit=LIMIT_MS,
        unit="ms",
        better="lower",
        size=size,
        p50=_ms(everything, 50),
        queries={
            name: {"p50": _ms(ts, 50), "p95": _ms(ts, 95), "max": round(max(ts), 2), "calls": len(ts)}
            for name, ts in times.items()
        },
        raw_events={
            "p50_ms": _ms([s["raw_ms"] for s in raw["samples"]], 50),
            "max_ms": max(s["raw_ms"] for s in raw["samples"]),
            "samples": raw["samples"],
        },
        same_numbers=raw["same_numbers"],
        hash_chains_verified=chains,
        rebuild_rollups_matches=rebuilt,
        statuses=status,
        database=database,
        build=built["took"],
        method=(
            f"{REPEATS} calls of each query, random subjects and date ranges ({'/'.join(map(str, RANGE_DAYS))} "
            f"days) in {YEAR}, shuffled per round after one warm-up round; value = p95 over all calls. Raw: "
            f"selectors.totals_from_events on {len(raw['samples'])} samples, best of {RAW_REPEATS}, compared "
            "with selectors.totals"
        ),
    )


def _status_counts() -> dict:
    from django.db.models import Count

    from gridgov.cases.models import Case

    return dict(Case.objects.values_list("status").annotate(n=Count("id")))
