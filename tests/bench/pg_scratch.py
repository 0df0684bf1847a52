"""A PostgreSQL scratch database for a bench test, beside the run's own: named by GRIDGOV_BENCH_DATABASE_URL for
the test, dropped after it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections

from gridgov.bench import scratch


@contextmanager
def pg_scratch(monkeypatch, suffix: str) -> Iterator[str]:
    """The database `<test database>_<suffix>` on the run's server as the bench's scratch database; its URL."""
    default = connections.settings["default"]
    name = f"{default['NAME']}_{suffix}"
    url = (
        f"postgresql://{default.get('USER') or 'postgres'}@{default.get('HOST') or '127.0.0.1'}:"
        f"{default.get('PORT') or 5432}/{name}"
    )
    monkeypatch.setenv(scratch.ENV, url)
    try:
        yield url
    finally:
        scratch.pg_admin({**default, "NAME": name}, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
