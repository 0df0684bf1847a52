"""`gridgov bench import` at a tiny scale: the bulk import against a raw insert of the same rows, on SQLite
and (in the PostgreSQL run of the suite) PostgreSQL; the bench checks itself that raw and import wrote the
same rows, that a sample of the per-order import gives the same cases, and that the chains verify."""

from __future__ import annotations

import os

import pytest

from gridgov.bench import import_orders as bench
from gridgov.bench import scratch
from tests.bench.pg_scratch import pg_scratch

SCALE = 0.0004  # 400 orders


def check(fig: dict) -> None:
    assert fig["value"] > 0 and fig["limit"] > 0 and fig["ratio"] > 0
    assert fig["unit"] == "orders/s" and fig["better"] == "higher"
    assert fig["size"]["orders"] == 400 and fig["report"]["created"] == 400
    rows = fig["size"]["rows"]
    assert rows == fig["raw"]["rows"] and fig["raw"]["same_rows"] is True
    assert rows["cases_case"] == rows["cases_caseevent"] == rows["exchange_workorder"] == 400
    assert fig["per_order"]["same_cases"] is True and fig["per_order"]["orders"] == 300
    assert fig["chains"]["ok"] is True and fig["chains"]["checked"] == 200
    assert fig["report"]["placed_by_address"] + fig["report"]["placed_by_coordinates"] == 400


def test_the_csv_is_deterministic(tmp_path, demo_city):
    bench.write_orders(tmp_path / "a.csv", 50, seed=1)
    bench.write_orders(tmp_path / "b.csv", 50, seed=1)
    bench.write_orders(tmp_path / "c.csv", 50, seed=2)
    a = (tmp_path / "a.csv").read_bytes()
    assert a == (tmp_path / "b.csv").read_bytes() and a != (tmp_path / "c.csv").read_bytes()
    assert a.decode().count("\n") == 51


@pytest.mark.once  # a scratch SQLite database whatever the run's engine
def test_the_figure_on_sqlite(tmp_path, monkeypatch, django_db_blocker):
    monkeypatch.setenv(scratch.ENV, f"sqlite:///{tmp_path / 'bench.sqlite3'}")
    with django_db_blocker.unblock():
        first = bench.run(SCALE, lambda m: None)
        check(first)
        again = bench.run(SCALE, lambda m: None)  # the kept city is reused, the case tables emptied first
    check(again)
    assert (first["database"]["reused_city"], again["database"]["reused_city"]) == (False, True)


@pytest.mark.skipif(
    "postgresql" not in os.environ.get("GRIDGOV_DATABASE_URL", ""),
    reason="the PostgreSQL run of the suite covers COPY",
)
def test_the_figure_on_postgresql(monkeypatch, django_db_blocker):
    with pg_scratch(monkeypatch, "import"):
        with django_db_blocker.unblock():
            fig = bench.run(SCALE, lambda m: None)
        check(fig)
        assert fig["database"]["engine"] == "postgresql"
