"""`gridgov bench memory` at a tiny scale (50 leaf grids): a fresh web process serves the locator's and the
dashboard's requests over the scratch database and reports its peak memory (no assertion on its size: the
goal is in `ratio`)."""

from __future__ import annotations

import pytest

from gridgov.bench import memory as bench
from gridgov.bench import scratch
from gridgov.bench.registry import BenchmarkError

SCALE = 0.002  # 50 leaf grids


@pytest.mark.once  # a scratch SQLite database whatever the run's engine
def test_the_figure_on_sqlite(tmp_path, monkeypatch, django_db_blocker):
    monkeypatch.setenv(scratch.ENV, f"sqlite:///{tmp_path / 'bench.sqlite3'}")
    with django_db_blocker.unblock():
        fig = bench.run(SCALE, lambda m: None)
        again = bench.run(SCALE, lambda m: None)  # the kept city is reused
    assert fig["value"] > 0 and fig["limit"] == 512.0 and fig["unit"] == "MiB" and fig["better"] == "lower"
    assert fig["ratio"] == pytest.approx(fig["limit"] / fig["value"], rel=1e-3)
    assert fig["size"]["leaves"] == 50 and fig["size"]["grids"] > 50
    process = fig["process"]
    assert process["located_in_leaves"] == bench.POINTS and process["requests"] == bench.POINTS + 5
    assert 0 < process["rss_before_requests_mib"] <= process["peak_rss_mib"] == fig["value"]
    assert all(size > 0 for size in process["answer_bytes"].values())
    assert fig["machine"]["fits"] >= 1 and "512 MiB" in fig["limit_is"]
    assert (fig["database"]["reused"], again["database"]["reused"]) == (False, True)
    assert again["size"] == fig["size"]


@pytest.mark.once  # a scratch SQLite database whatever the run's engine
def test_a_failed_request_fails_the_bench(tmp_path, monkeypatch, django_db_blocker):
    monkeypatch.setenv(scratch.ENV, f"sqlite:///{tmp_path / 'bench.sqlite3'}")
    monkeypatch.setattr(bench, "LEADER", "nobody-signed-in")  # the web process cannot sign in as this one
    with django_db_blocker.unblock(), pytest.raises(BenchmarkError, match="web process failed"):
        bench.run(SCALE, lambda m: None)
