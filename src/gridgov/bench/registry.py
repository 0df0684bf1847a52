"""The benchmarks `gridgov bench` knows, by name (基准测试).

A benchmark is a function `run(scale: float, progress: Callable[[str], None]) -> dict` that returns
one figure in the shape docs/architecture.md §4 gives for `gridgov bench`:

    {"value", "unit", "limit", "ratio", "better": "higher"|"lower", "size": {...}, ...details}

`limit` is the figure it is measured against in the same run; `ratio` is the share of the limit
reached (value/limit when higher is better, limit/value when lower is better). Build it with
`figure()`. `--scale 1` is the size the issue names. A benchmark may take keyword-only options too
(`intake`: seconds, connections, database_url); `options(name)` says which.

To add one, write a module with such a function and name it in BENCHMARKS below; modules are
imported only when their benchmark runs, so a slow import never taxes the others.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from importlib import import_module

Progress = Callable[[str], None]
Benchmark = Callable[[float, Progress], dict]

# name → "module:function", in the order `gridgov bench` without names runs them
BENCHMARKS: dict[str, str] = {
    "locate": "gridgov.bench.locate:run",
    "dashboard": "gridgov.bench.dashboard:run",
    "intake": "gridgov.bench.intake:run",
    "classify": "gridgov.bench.classify:run",
    "division": "gridgov.bench.division:run",
    "duplicates": "gridgov.bench.duplicates:run",
    "import": "gridgov.bench.import_orders:run",
    "sweep": "gridgov.bench.sweep:run",
    "memory": "gridgov.bench.memory:run",
}


class BenchmarkError(RuntimeError):
    """A benchmark could not give a trustworthy figure (e.g. the two sides disagreed)."""


class UnknownBenchmark(LookupError):
    pass


def names() -> list[str]:
    return list(BENCHMARKS)


def get(name: str) -> Benchmark:
    try:
        target = BENCHMARKS[name]
    except KeyError:
        raise UnknownBenchmark(f"unknown benchmark {name!r}; known: {', '.join(BENCHMARKS)}") from None
    module, _, attr = target.partition(":")
    return getattr(import_module(module), attr)


def options(name: str) -> set[str]:
    """The keyword-only options the benchmark `name` takes."""
    return {p.name for p in inspect.signature(get(name)).parameters.values() if p.kind is p.KEYWORD_ONLY}


def figure(*, value: float, limit: float, unit: str, better: str, size: dict, **details) -> dict:
    """One benchmark's result with `ratio` worked out the same way everywhere."""
    if better not in ("higher", "lower"):
        raise ValueError(f"better must be 'higher' or 'lower', not {better!r}")
    if value <= 0 or limit <= 0:
        raise BenchmarkError(f"value and limit must be positive (value={value}, limit={limit})")
    ratio = value / limit if better == "higher" else limit / value
    return {
        "value": value,
        "unit": unit,
        "limit": limit,
        "ratio": round(ratio, 4),
        "better": better,
        "size": size,
        **details,
    }
