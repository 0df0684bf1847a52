"""`gridgov bench intake` at a small scale: the real server answered every run, and the figures sit
next to their limits. No speed assertions (the goals live in the bench output)."""

import json
import socket
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from gridgov.bench import intake, intake_server, loadgen

FIGURE_KEYS = {"value", "unit", "limit", "ratio", "better", "size"}


def run_bench(*args) -> dict:
    out = StringIO()
    call_command("bench", "intake", *args, "--json", stdout=out, stderr=StringIO())
    return json.loads(out.getvalue())["intake"]


@pytest.mark.once  # a scratch SQLite file whatever the engine of the run
def test_intake_bench_at_a_small_scale(monkeypatch):
    monkeypatch.delenv(intake.ENV, raising=False)
    result = run_bench("--seconds", "1.5", "--connections", "3")
    assert result.keys() >= FIGURE_KEYS
    assert result["unit"] == "reports/s" and result["better"] == "higher"
    assert result["value"] == result["intake"]["per_s"]
    assert result["limit"] == pytest.approx(intake.SHARE_GOAL * result["minimal"]["per_s"], abs=0.1)
    assert result["size"]["connections"] == 3 and result["size"]["seconds"] == 1.5
    for name in ("minimal", "intake", "dispatch"):
        run = result[name]
        assert run["requests"] > 0 and run["ok"] == run["requests"], (name, run)
        assert run["errors"] == 0 and run["errors_by_status"] == {}, (name, run)
        assert 0 < run["p50_ms"] <= run["p99_ms"] <= run["max_ms"]
        assert run["per_s"] > 0
    for name in ("intake", "dispatch"):
        assert result[name]["throughput"].keys() >= FIGURE_KEYS and result[name]["p99"].keys() >= FIGURE_KEYS
        assert result[name]["p99"]["limit"] == intake.P99_LIMIT_MS
        assert result[name]["throughput"]["limit"] == result["limit"]
    # the server really wrote what it answered 201/200 for: one bench row per minimal request (warm-up
    # included), cases for intake, and the dispatched ones no longer waiting
    rows = result["rows"]
    assert rows["minimal_rows"] >= result["minimal"]["ok"]
    assert sum(rows["cases"].values()) >= result["intake"]["ok"]
    assert rows["cases"]["dispatched"] == result["dispatch"]["ok"]
    assert rows["outbox_dead"] in (None, 0)  # no follow-up work failed for good
    drain = result["drain_after_intake"]
    assert drain == {"outbox": "no outbox"} or (drain.keys() >= FIGURE_KEYS and drain["drained"] is True)
    assert result["database"] == {"engine": "sqlite", "where": "temporary SQLite file", "kept": False}


def test_the_load_generator_aims_only_at_this_machine():
    with pytest.raises(loadgen.NotLocal):
        loadgen.run_load(host="10.0.0.1", port=80, make=lambda i: None, connections=1, seconds=1)
    with pytest.raises(loadgen.NotLocal):
        loadgen.run_load(host="localhost", port=80, make=lambda i: None, connections=1, seconds=1)


def test_the_load_generator_counts_answers_by_status():
    """A tiny server that answers 201, then 500: both counted, latencies only for the 2xx."""
    import threading

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]

    def serve():
        for status in (201, 201, 500):
            conn, _ = listener.accept()
            conn.recv(65536)
            conn.sendall(f"HTTP/1.1 {status} X\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}".encode())
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    run = loadgen.run_load(
        host="127.0.0.1",
        port=port,
        connections=1,
        seconds=30,
        make=lambda i: ("POST", "/x", {}, b"{}") if i < 3 else None,
    )
    thread.join(5)
    listener.close()
    summary = run.summary()
    assert summary["requests"] == 3 and summary["ok"] == 2
    assert summary["errors"] == 1 and summary["errors_by_status"] == {"500": 1}
    assert summary["exhausted"] is True and len(run.latencies_ms) == 2


def test_options_of_other_benchmarks_are_refused():
    with pytest.raises(CommandError, match="takes"):
        call_command("bench", "locate", "--seconds", "2", stdout=StringIO(), stderr=StringIO())


def test_the_users_database_is_refused(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'mine.sqlite3'}"
    monkeypatch.setenv("GRIDGOV_DATABASE_URL", url)
    with pytest.raises(intake.BenchmarkError, match="GRIDGOV_DATABASE_URL"):
        intake_server.scratch_database(url, tmp_path)
    assert not (tmp_path / "mine.sqlite3").exists()


def test_a_database_holding_other_tables_is_refused(tmp_path):
    import sqlite3

    path = tmp_path / "other.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE cases_case (id INTEGER)")
    with pytest.raises(intake.BenchmarkError, match="did not write"):
        intake_server.scratch_database(f"sqlite:///{path}", tmp_path)
    with sqlite3.connect(path) as conn:  # untouched
        assert conn.execute("SELECT name FROM sqlite_master").fetchall() == [("cases_case",)]
