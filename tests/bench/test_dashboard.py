"""`gridgov bench dashboard`: the figure's shape, rollups equal to the raw event log, and a scratch
database that is never the user's. No timing assertions (speed goals live in the bench output)."""

import itertools
import json
import os
import sqlite3
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridgov.assessment import selectors
from gridgov.bench import bulk_load, dashboard, scratch
from tests.bench.pg_scratch import pg_scratch

FIGURE_KEYS = {"value", "unit", "limit", "ratio", "better", "size"}
SCALE = "0.001"  # 3,000 cases


def run_bench(*args) -> dict:
    out = StringIO()
    call_command("bench", "dashboard", *args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())["dashboard"]


@pytest.fixture
def few_calls(monkeypatch):
    """Fewer timed calls: the tests check what the bench says, not how fast it is."""
    monkeypatch.setattr(dashboard, "REPEATS", 3)
    monkeypatch.setattr(dashboard, "RAW_REPEATS", 1)


@pytest.mark.django_db
def test_dashboard_at_a_tiny_scale(monkeypatch):
    monkeypatch.delenv(scratch.ENV, raising=False)
    fig = run_bench("--scale", SCALE)
    assert fig.keys() >= FIGURE_KEYS
    assert fig["unit"] == "ms" and fig["better"] == "lower" and fig["limit"] == 200
    assert fig["ratio"] == pytest.approx(fig["limit"] / fig["value"], rel=1e-3)
    assert 0 < fig["p50"] <= fig["value"]
    size = fig["size"]
    assert size["cases"] == size["case_facts"] == 3000 and size["grids"] == 832 and size["year"] == dashboard.YEAR
    assert 5 * size["cases"] < size["events"] < 12 * size["cases"] and size["rollup_rows"] > size["cases"]
    assert set(fig["queries"]) == set(dashboard.QUERIES)
    for q in fig["queries"].values():
        assert q["calls"] == dashboard.REPEATS and 0 < q["p50"] <= q["p95"] <= q["max"]
    # both sides agreed, on every case of the year (the last sample at this scale), and the rollups
    # the bulk load wrote are the ones services.rebuild_rollups() computes
    assert fig["same_numbers"] is True and fig["rebuild_rollups_matches"] is True
    samples = fig["raw_events"]["samples"]
    assert samples[-1]["subject"] == "region:410102" and samples[-1]["received"] == samples[-1]["cases"] == 3000
    assert all(s["raw_ms"] > 0 and s["rollups_ms"] > 0 for s in samples)
    assert fig["hash_chains_verified"] == 200
    # the loop's outcomes are all there: closed and evaluated most, some open, rejected
    statuses = fig["statuses"]
    assert sum(statuses.values()) == 3000
    assert statuses["evaluated"] > statuses["rejected"] > 0 and statuses["closed"] > 1000
    assert {"in_progress", "dispatched", "resolved"} & statuses.keys()
    assert fig["database"] == {
        "engine": "sqlite",
        "where": "temporary SQLite file",
        "kept": False,
        "reused": False,
        "server": None,
    }
    # the user's (here: the test) database got nothing
    from gridgov.cases.models import Case

    assert not Case.objects.filter(number__startswith=str(dashboard.YEAR)).exists()


def test_the_generator_writes_what_the_services_would(few_calls, tmp_path, monkeypatch, django_db_blocker):
    """Same data whether blocks are generated here or in worker processes; a kept database is reused."""
    target = tmp_path / "bench.sqlite3"
    monkeypatch.setenv(scratch.ENV, f"sqlite:///{target}")
    monkeypatch.setenv("GRIDGOV_BENCH_WORKERS", "0")
    with django_db_blocker.unblock():
        first = run_bench("--scale", SCALE)
        assert first["database"]["kept"] is True and first["database"]["reused"] is False
        assert first["build"]["workers"] == 0
        again = run_bench("--scale", SCALE)
        assert again["database"]["reused"] is True and again["size"] == first["size"]
        assert target.exists()
        with sqlite3.connect(target) as db:  # what the services write: a CaseEvent for every step
            actions = dict(db.execute("SELECT action, count(*) FROM cases_caseevent GROUP BY action").fetchall())
            data = [
                json.loads(d)
                for (d,) in db.execute("SELECT data FROM cases_caseevent WHERE action = 'dispatch' LIMIT 5")
            ]
            # the sweep's next look, as the sweep leaves it at the year's end: running cases only
            looks = dict(
                db.execute(
                    "SELECT status IN ('dispatched', 'in_progress', 'suspended'), count(*) FROM cases_case "
                    "WHERE light_next_at IS NOT NULL GROUP BY 1"
                ).fetchall()
            )
        assert {
            "report",
            "register",
            "dispatch",
            "accept",
            "resolve",
            "verify",
            "close",
            "evaluate",
            "reject",
            "return",
            "escalate",
            "request_extension",
            "grant_extension",
            "supervise",
            "resolve_on_spot",
            "reopen",
        } <= actions.keys()
        assert all({"assisting", "route", "deadlines"} <= d.keys() for d in data)
        assert looks.get(1, 0) > 0 and looks.get(0, 0) == 0, looks

        monkeypatch.setenv(scratch.ENV, f"sqlite:///{tmp_path / 'parallel.sqlite3'}")
        monkeypatch.setenv("GRIDGOV_BENCH_WORKERS", "1")
        parallel = run_bench("--scale", SCALE)
    assert parallel["build"]["workers"] == 1
    assert parallel["size"] == first["size"] and parallel["statuses"] == first["statuses"]
    assert [s["received"] for s in parallel["raw_events"]["samples"]] == [
        s["received"] for s in first["raw_events"]["samples"]
    ]


def test_a_disagreement_fails_the_benchmark(few_calls, monkeypatch, django_db_blocker):
    monkeypatch.delenv(scratch.ENV, raising=False)
    real = selectors.totals_from_events

    def one_too_many(*args):
        out = real(*args)
        out["closed"] += 1
        return out

    monkeypatch.setattr(selectors, "totals_from_events", one_too_many)
    with django_db_blocker.unblock(), pytest.raises(CommandError, match="rollups and the raw event log disagree"):
        run_bench("--scale", SCALE)


def test_it_refuses_a_database_it_did_not_fill(tmp_path, monkeypatch, django_db_blocker):
    theirs = tmp_path / "theirs.sqlite3"
    with sqlite3.connect(theirs) as db:
        db.execute("CREATE TABLE grids_grid (id integer primary key, code text)")
        db.execute("INSERT INTO grids_grid (code) VALUES ('410102')")
    before = theirs.read_bytes()
    monkeypatch.setenv(scratch.ENV, f"sqlite:///{theirs}")
    with django_db_blocker.unblock(), pytest.raises(CommandError, match="did not write"):
        run_bench("--scale", SCALE)
    assert theirs.read_bytes() == before


def test_it_refuses_the_users_database():
    ours = {"ENGINE": "django.db.backends.postgresql", "NAME": "gridgov", "HOST": "127.0.0.1", "PORT": 5432}
    assert scratch.same_database(ours, {**ours, "PORT": "5432"})
    assert not scratch.same_database(ours, {**ours, "NAME": "gridgov_bench"})
    lite = {"ENGINE": "django.db.backends.sqlite3", "NAME": "./gridgov.sqlite3"}
    assert scratch.same_database(lite, {**lite, "NAME": os.path.abspath("gridgov.sqlite3")})
    with pytest.raises(dashboard.BenchmarkError, match="maintenance database"):
        scratch.scratch_settings("postgresql://postgres@127.0.0.1:5432/postgres", None)
    with pytest.raises(dashboard.BenchmarkError, match="sqlite"):
        scratch.scratch_settings("mysql://x@localhost/db", None)


def test_blocks_cover_the_year_once():
    days = bulk_load.days_of(2025)
    per_day = [d.day for d in days]
    blocks = bulk_load.blocks_of(days, per_day, 100)
    assert [d for b in blocks for d, _ in b.days] == days
    assert blocks[0].first_id == 1
    for a, b in itertools.pairwise(blocks):
        assert b.first_id == a.first_id + sum(n for _, n in a.days)


@pytest.mark.skipif(
    "postgresql" not in os.environ.get("GRIDGOV_DATABASE_URL", ""),
    reason="the PostgreSQL run of the suite covers COPY and CREATE/DROP DATABASE",
)
def test_on_postgresql_in_a_database_of_its_own(few_calls, monkeypatch, django_db_blocker):
    with pg_scratch(monkeypatch, "dashboard"):
        with django_db_blocker.unblock():
            fig = run_bench("--scale", SCALE)
        assert fig["database"]["engine"] == "postgresql" and fig["database"]["kept"] is True
        assert fig["same_numbers"] is True and fig["rebuild_rollups_matches"] is True
        assert fig["size"]["cases"] == 3000
