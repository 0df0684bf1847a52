"""`gridgov bench intake`: reports per second through the real server, next to a minimal endpoint (上报吞吐).

Tried as a user would: a scratch demo city (`gridgov demo --no-serve --days 0`), then `gridgov serve`
(gunicorn, SERVER_WORKERS workers, and its sibling worker process) on 127.0.0.1 and a free port, with
anonymous rate limits off and the bench's settings (gridgov.bench.settings), which add the minimal
endpoint (gridgov.bench.urls: same middleware, parse the JSON, insert one row in one transaction,
201). The load generator (gridgov.bench.loadgen) keeps `connections` connections busy for `seconds`
each, one request a connection, against, in turn:

  minimal   POST /api/v1/bench/minimal
  intake    POST /api/v1/cases: valid reports at points inside the demo grids, a new Idempotency-Key each
  dispatch  POST /api/v1/cases/{number}/actions/dispatch with the platform dispatcher's bearer token, on
            cases registered through the services beforehand (the intake burst's, then new ones)

Figures: intake's reports/s against 0.7 × the minimal endpoint's of the same run (the value), p99
against 100 ms, the same for dispatch, and the follow-up drain: seconds from the end of the intake burst
until the outbox holds no pending item, against the burst's own duration ("no outbox" while there is none).

Where the data go — never into your database: a new SQLite file in a temporary directory (deleted
afterwards), or `--database-url` / GRIDGOV_BENCH_DATABASE_URL (sqlite:///… or postgresql://…), which is
created when missing, and emptied first only when it is empty or an earlier intake bench wrote it (its
table gridgov_bench_minimal); the database GRIDGOV_DATABASE_URL names is refused.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

from gridgov.bench import loadgen
from gridgov.bench.intake_server import SERVER_WORKERS, Agent, child_env, gridgov_command, scratch_database, server
from gridgov.bench.registry import BenchmarkError, Progress, figure
from gridgov.bench.scratch import ENV
from gridgov.bench.urls import MINIMAL_PATH

SECONDS = 20.0  # each timed run at --scale 1
CONNECTIONS = 32
SHARE_GOAL = 0.7  # intake and dispatch ≥ 0.7 × the minimal endpoint
P99_LIMIT_MS = 100.0
POINTS = 200  # distinct places the reports come from
# ---- the requests --------------------------------------------------------------------------------

JSON = {"Content-Type": "application/json"}


def minimal_request(points: list) -> Callable[[int], loadgen.Request | None]:
    def make(i: int):
        lon, lat = points[i % len(points)]
        body = {"title": f"基准测试 {i}", "description": "路灯不亮", "lon": lon, "lat": lat}
        return "POST", MINIMAL_PATH, JSON, json.dumps(body, ensure_ascii=False).encode()

    return make


def intake_request(points: list, run_id: str) -> Callable[[int], loadgen.Request | None]:
    def make(i: int):
        lon, lat = points[i % len(points)]
        body = {"title": f"基准测试 {i}", "description": "路灯不亮", "lon": lon, "lat": lat, "address": "基准测试路"}
        return (
            "POST",
            "/api/v1/cases",
            {**JSON, "Idempotency-Key": f"bench-{run_id}-{i}"},
            json.dumps(body, ensure_ascii=False).encode(),
        )

    return make


def dispatch_request(cases: list, tokens: dict[str, str]) -> Callable[[int], loadgen.Request | None]:
    def make(i: int):
        if i >= len(cases):
            return None  # every prepared case is dispatched
        number, platform = cases[i]
        return (
            "POST",
            f"/api/v1/cases/{number}/actions/dispatch",
            {**JSON, "Authorization": f"Bearer {tokens[platform]}"},
            b"{}",
        )

    return make


def dispatcher_tokens(port: int, accounts: list[dict], platforms: set[str]) -> dict[str, str]:
    tokens = {}
    for a in accounts:
        if a["scope"] in platforms and a["scope"] not in tokens:
            status, answer = loadgen.request_once(
                port=port,
                method="POST",
                path="/api/v1/auth/token",
                payload={"username": a["username"], "password": a["password"], "label": "bench"},
            )
            if status != 200 or not isinstance(answer, dict):
                raise BenchmarkError(f"no token for {a['username']}: {status} {answer}")
            tokens[a["scope"]] = answer["token"]
    if missing := platforms - tokens.keys():
        raise BenchmarkError(f"no demo dispatcher for the platforms {sorted(missing)}")
    return tokens


# ---- the run -------------------------------------------------------------------------------------


def _timed(port: int, make, connections: int, seconds: float) -> dict:
    run = loadgen.run_load(host=loadgen.HOST, port=port, make=make, connections=connections, seconds=seconds)
    return run.summary()


def _against(summary: dict, minimal: dict, unit: str) -> dict:
    for run in (minimal, summary):
        if not run["ok"]:
            raise BenchmarkError(f"no request succeeded: {run['errors_by_status']} {run.get('error_samples')}")
    share = summary["per_s"] / minimal["per_s"]
    return {
        **summary,
        "share_of_minimal": round(share, 3),
        "throughput": figure(
            value=summary["per_s"],
            limit=round(SHARE_GOAL * minimal["per_s"], 1),
            unit=unit,
            better="higher",
            size={},
            goal=f"≥ {SHARE_GOAL} × the minimal endpoint",
        ),
        "p99": figure(value=max(summary["p99_ms"], 0.1), limit=P99_LIMIT_MS, unit="ms", better="lower", size={}),
    }


def _drain(agent: Agent, seconds: float) -> dict:
    drained = agent("drain", timeout=max(3 * seconds, 10.0))
    if not drained["outbox"]:
        return {"outbox": "no outbox"}
    return {
        **figure(
            value=max(drained["seconds"], 0.01),
            limit=seconds,
            unit="s",
            better="lower",
            size={},
            goal="the burst's follow-up work done within the burst's duration after it",
        ),
        **{k: drained[k] for k in ("pending_at_start", "pending_at_end", "drained")},
    }


def run(
    scale: float = 1.0,
    progress: Progress = lambda m: None,
    *,
    seconds: float | None = None,
    connections: int | None = None,
    database_url: str | None = None,
) -> dict:
    seconds = float(seconds or max(1.0, round(SECONDS * scale, 1)))
    connections = int(connections or CONNECTIONS)
    workdir = Path(tempfile.mkdtemp(prefix="gridgov-bench-intake-"))
    log_path = workdir / "server.log"
    try:
        with open(log_path, "w") as log:
            return _run(
                seconds, connections, database_url or os.environ.get(ENV, "").strip() or None, workdir, log, progress
            )
    except BenchmarkError as exc:
        tail = log_path.read_text(errors="replace")[-3000:] if log_path.exists() else ""
        raise BenchmarkError(
            f"{exc}\n--- the server's and agent's log, last lines ---\n{tail}" if tail else str(exc)
        ) from exc
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _run(seconds: float, connections: int, url: str | None, workdir: Path, log, progress: Progress) -> dict:
    url, database = scratch_database(url, workdir)
    env = child_env(url)
    progress(f"building the demo city in {database['where']}")
    demo = json.loads(gridgov_command(env, "demo", "--no-serve", "--days", "0", "--json").strip().splitlines()[-1])
    accounts = json.loads(gridgov_command(env, "accounts", "--json", "--role", "dispatcher"))
    agent = Agent(env, log)
    try:
        points = agent("setup", points=POINTS)["points"]
        if not points:
            raise BenchmarkError("no point of the demo city lies inside a grid")
        with server(env, log, progress) as port:
            warm = min(2.0, seconds / 2)
            progress(f"warming up ({warm:.0f} s per endpoint)")
            run_id = uuid.uuid4().hex[:12]
            _timed(port, minimal_request(points), connections, warm)
            _timed(port, intake_request(points, run_id + "w"), connections, warm)
            agent("drain", timeout=max(3 * seconds, 10.0))

            progress(f"minimal endpoint: {connections} connections for {seconds:g} s")
            minimal = _timed(port, minimal_request(points), connections, seconds)
            progress(f"POST /api/v1/cases: {connections} connections for {seconds:g} s")
            intake = _timed(port, intake_request(points, run_id), connections, seconds)
            progress("waiting for the worker to drain the outbox")
            intake_drain = _drain(agent, seconds)

            wanted = max(4 * connections, round(1.3 * intake["per_s"] * seconds) + 2 * connections)
            progress(f"registering {wanted:,} cases through the services for dispatch")
            prepared = agent("registered", cases=wanted, points=points)
            agent("drain", timeout=max(3 * seconds, 10.0))
            cases = prepared["cases"]
            tokens = dispatcher_tokens(port, accounts, {p for _, p in cases})
            progress(f"dispatch: {connections} connections for up to {seconds:g} s")
            dispatch = _timed(port, dispatch_request(cases, tokens), connections, seconds)
            dispatch_drain = _drain(agent, seconds)
        counts = agent("counts")
    finally:
        agent.close()

    intake_fig = _against(intake, minimal, "reports/s")
    dispatch_fig = _against(dispatch, minimal, "actions/s")
    headline = intake_fig["throughput"]
    return {
        **{k: headline[k] for k in ("value", "unit", "limit", "ratio", "better")},
        "size": {
            "seconds": seconds,
            "connections": connections,
            "server_workers": SERVER_WORKERS,
            "grids": demo.get("grids"),
            "points": len(points),
            "dispatch_cases": len(cases),
        },
        "minimal": minimal,  # the yardstick: its own figures carry no goal
        "intake": intake_fig,
        "dispatch": {
            **dispatch_fig,
            "prepared": {k: prepared[k] for k in ("registered_now", "reported_now", "took_s")},
        },
        "drain_after_intake": intake_drain,
        "drain_after_dispatch": dispatch_drain,
        "database": database,
        "mode": "embedded (no GRIDGOV_REDIS_URL): gridgov serve's sibling worker process",
        "rows": counts,
        "method": (
            f"gridgov serve ({SERVER_WORKERS} gunicorn workers) on {loadgen.HOST}, {connections} asyncio "
            f"clients, one request a connection, {seconds:g} s per run after a {warm:g} s warm-up of "
            "minimal and intake; rates count 2xx answers; latencies from connect to the last byte"
        ),
    }
