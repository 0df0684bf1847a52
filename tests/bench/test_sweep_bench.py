"""`gridgov bench sweep` at a tiny scale (10 due cases among 100, then among 10,000), on SQLite and, in the
PostgreSQL run of the suite, PostgreSQL: the figure's shape and the honesty of the sweep's selection — the
bench itself fails when the sweep reads or changes a case that was not due (no timing assertions)."""

from __future__ import annotations

import os

import pytest

from gridgov.bench import scratch
from gridgov.bench import sweep as bench
from gridgov.bench.registry import BenchmarkError
from gridgov.cases import services
from tests.bench.pg_scratch import pg_scratch

SCALE = 0.001
TINY = 0.00001  # 10 due among 100 (and 20): enough to catch a sweep that reads too much or too little


def check(fig: dict) -> None:
    assert fig["value"] > 0 and fig["limit"] > 0 and fig["ratio"] > 0
    assert fig["unit"] == "s" and fig["better"] == "lower"
    assert fig["size"] == {"cases": 10_000, "due": 10, "small_total": 100}
    assert fig["due"] == {"yellow": 6, "red": 3, "progress": 1}
    assert [len(fig["sizes"][k]["seconds"]) for k in ("small", "large")] == [bench.ROUNDS, bench.ROUNDS]
    assert fig["value"] == round(min(fig["sizes"]["large"]["seconds"]), 3)
    assert fig["uses_index"] is True and "case_light_next_at" in fig["plan"]
    assert fig["untouched_checked"] == 10_000 - 10


def test_the_sizes():
    assert bench.sizes(1) == {"due": 10_000, "small": 100_000, "large": 10_000_000}
    assert bench.sizes(SCALE) == {"due": 10, "small": 100, "large": 10_000}


@pytest.mark.once  # a scratch SQLite database whatever the run's engine
def test_the_figure_on_sqlite(tmp_path, monkeypatch, django_db_blocker):
    monkeypatch.setenv(scratch.ENV, f"sqlite:///{tmp_path / 'bench.sqlite3'}")
    with django_db_blocker.unblock():
        fig = bench.run(SCALE, lambda m: None)
    check(fig)
    assert fig["database"]["engine"] == "sqlite"


@pytest.mark.once  # a scratch SQLite database whatever the run's engine
def test_a_sweep_that_touches_a_case_not_due_fails_the_bench(tmp_path, monkeypatch, django_db_blocker):
    real = services.sweep_deadlines

    def sloppy(*, now=None):
        from gridgov.cases.models import Case

        result = real(now=now)
        Case.objects.filter(pk=bench.sizes(TINY)["small"]).update(light="red")  # a case that was not due
        return result

    monkeypatch.setattr(services, "sweep_deadlines", sloppy)
    monkeypatch.setattr(bench, "ROUNDS", 1)
    monkeypatch.setenv(scratch.ENV, f"sqlite:///{tmp_path / 'bench.sqlite3'}")
    with django_db_blocker.unblock(), pytest.raises(BenchmarkError, match="not due"):
        bench.run(TINY, lambda m: None)


@pytest.mark.once  # a scratch SQLite database whatever the run's engine
def test_a_sweep_that_misses_a_due_case_fails_the_bench(tmp_path, monkeypatch, django_db_blocker):
    real = services.sweep_deadlines

    def lazy(*, now=None):
        from gridgov.cases.models import Case

        Case.objects.filter(pk=1).update(light_next_at=None)  # a due case the sweep will not see
        return real(now=now)

    monkeypatch.setattr(services, "sweep_deadlines", lazy)
    monkeypatch.setattr(bench, "ROUNDS", 1)
    monkeypatch.setenv(scratch.ENV, f"sqlite:///{tmp_path / 'bench.sqlite3'}")
    with django_db_blocker.unblock(), pytest.raises(BenchmarkError, match="the sweep did"):
        bench.run(TINY, lambda m: None)


@pytest.mark.skipif(
    "postgresql" not in os.environ.get("GRIDGOV_DATABASE_URL", ""),
    reason="the PostgreSQL run of the suite covers COPY",
)
def test_the_figure_on_postgresql(monkeypatch, django_db_blocker):
    with pg_scratch(monkeypatch, "sweep"):
        with django_db_blocker.unblock():
            fig = bench.run(SCALE, lambda m: None)
        check(fig)
        assert fig["database"]["engine"] == "postgresql"
