"""The intake bench's server side (上报吞吐基准的服务端): its scratch database (emptied, holding only the
minimal endpoint's table), the environment of its child processes, `gridgov serve` started and stopped as
a whole, and the database agent (gridgov.bench.intake_agent) that prepares cases and watches the outbox.
Used by gridgov.bench.intake, which holds the requests and the measurement.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager, suppress
from pathlib import Path

from gridgov.bench import loadgen
from gridgov.bench.registry import BenchmarkError, Progress
from gridgov.bench.scratch import same_database
from gridgov.bench.urls import MINIMAL_PATH, MINIMAL_TABLE
from gridgov.devenv import declare_development

SERVER_WORKERS = 2
SETTINGS = "gridgov.bench.settings"
READY_TIMEOUT_S = 90.0
DDL = {
    "sqlite": f"CREATE TABLE IF NOT EXISTS {MINIMAL_TABLE} (id INTEGER PRIMARY KEY AUTOINCREMENT, "
    "title VARCHAR(200) NOT NULL, body TEXT NOT NULL)",
    "postgresql": f"CREATE TABLE IF NOT EXISTS {MINIMAL_TABLE} (id BIGSERIAL PRIMARY KEY, "
    "title VARCHAR(200) NOT NULL, body TEXT NOT NULL)",
}


# ---- the scratch database ------------------------------------------------------------------------


def _parse(url: str) -> dict:
    import dj_database_url

    db = dj_database_url.parse(url)
    if "sqlite3" not in db["ENGINE"] and "postgresql" not in db["ENGINE"]:
        raise BenchmarkError(f"the bench database must be a sqlite:/// or postgresql:// URL, not {url}")
    return dict(db)


def _pg(db: dict, dbname: str):
    import psycopg
    from psycopg.conninfo import make_conninfo

    params = {
        "dbname": dbname,
        "host": db.get("HOST"),
        "port": db.get("PORT"),
        "user": db.get("USER"),
        "password": db.get("PASSWORD"),
    }
    return psycopg.connect(make_conninfo(**{k: v for k, v in params.items() if v}), autocommit=True)


def _fresh_postgresql(db: dict) -> None:
    name = db["NAME"]
    if name in ("postgres", "template0", "template1"):
        raise BenchmarkError(f"the bench database may not be the server's {name!r}: name a database of its own")
    quoted = '"' + name.replace('"', '""') + '"'
    with _pg(db, "postgres") as admin:
        if admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            with _pg(db, name) as conn:
                tables = {
                    r[0]
                    for r in conn.execute(
                        "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
                    ).fetchall()
                }
            if tables and MINIMAL_TABLE not in tables:
                raise BenchmarkError(f"{name} holds tables the intake bench did not write: name an empty database")
            admin.execute(f"DROP DATABASE {quoted} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {quoted}")
    with _pg(db, name) as conn:
        conn.execute(DDL["postgresql"])


def _fresh_sqlite(path: Path) -> None:
    if path.exists():
        with sqlite3.connect(path) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if tables and MINIMAL_TABLE not in tables:
            raise BenchmarkError(f"{path} holds tables the intake bench did not write: name a new file")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    with sqlite3.connect(path) as conn:
        conn.execute(DDL["sqlite"])


def scratch_database(url: str | None, workdir: Path) -> tuple[str, dict]:
    """The URL of an empty database holding only the bench's table, and its label for the report."""
    from django.conf import settings

    kept = bool(url)
    url = url or f"sqlite:///{workdir / 'intake.sqlite3'}"
    db = _parse(url)
    users = [settings.DATABASES["default"]]
    if os.environ.get("GRIDGOV_DATABASE_URL", "").strip():
        users.append(_parse(os.environ["GRIDGOV_DATABASE_URL"].strip()))
    if any(same_database(db, user) for user in users):
        raise BenchmarkError("the bench database is the one GRIDGOV_DATABASE_URL names: give it one of its own")
    if "sqlite3" in db["ENGINE"]:
        _fresh_sqlite(Path(db["NAME"]))
        return url, {"engine": "sqlite", "where": url if kept else "temporary SQLite file", "kept": kept}
    _fresh_postgresql(db)
    where = f"postgresql://{db.get('HOST') or 'localhost'}:{db.get('PORT') or 5432}/{db['NAME']}"
    return url, {"engine": "postgresql", "where": where, "kept": True}


def child_env(url: str) -> dict[str, str]:
    """The environment of every process the bench starts: the scratch database, the bench's settings (a
    development environment), no anonymous rate limits, the embedded (no Redis) mode."""
    env = {k: v for k, v in os.environ.items() if k not in ("GRIDGOV_REDIS_URL", "GRIDGOV_RATE_LIMIT_REDIS_URL")}
    env.update(
        GRIDGOV_DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE=SETTINGS,
        GRIDGOV_RATE_LIMITS="off",
        GRIDGOV_LOG_LEVEL="WARNING",
        PYTHONUNBUFFERED="1",
    )
    declare_development(env)  # the demo apps (sim, bench) and, unless one is set, the development key
    return env


def gridgov_command(env: dict, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "gridgov.cli", *args], env=env, capture_output=True, text=True, timeout=600
    )
    if done.returncode:
        raise BenchmarkError(f"gridgov {' '.join(args)} failed: {done.stderr.strip()[-2000:]}")
    return done.stdout


# ---- the processes -------------------------------------------------------------------------------


class Agent:
    """gridgov.bench.intake_agent in a child process: the scratch database's side of the run."""

    def __init__(self, env: dict, log):
        # its writes leave their follow-up work to the server's worker, as a request's do (core.tasks)
        env = {**env, "GRIDGOV_OUTBOX_DRAIN": "worker"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gridgov.bench.intake_agent"],
            env=env,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=log,
        )
        if self.proc.stdin is None or self.proc.stdout is None:
            raise BenchmarkError("the bench's database agent has no pipes")
        self.stdin, self.stdout = self.proc.stdin, self.proc.stdout
        self._answer()

    def _answer(self) -> dict:
        line = self.stdout.readline()
        if not line:
            raise BenchmarkError("the bench's database agent stopped (see its log above)")
        answer = json.loads(line)
        if "error" in answer:
            raise BenchmarkError(f"database agent: {answer['error']}")
        return answer.get("ok", answer)

    def __call__(self, op: str, **kwargs) -> dict:
        self.stdin.write(json.dumps({"op": op, **kwargs}) + "\n")
        self.stdin.flush()
        return self._answer()

    def close(self) -> None:
        with suppress(OSError):
            self.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((loadgen.HOST, 0))
        return s.getsockname()[1]


@contextmanager
def server(env: dict, log, progress: Progress):
    """`gridgov serve` on 127.0.0.1 and a free port, in a session of its own (gunicorn, its workers and
    the sibling worker process), stopped as a whole afterwards; yields the port once it answers."""
    port = _free_port()
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gridgov.cli",
            "serve",
            "--host",
            loadgen.HOST,
            "--port",
            str(port),
            "--workers",
            str(SERVER_WORKERS),
        ],
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + READY_TIMEOUT_S
        while True:
            if proc.poll() is not None:
                raise BenchmarkError(f"gridgov serve stopped with status {proc.returncode} (see its log)")
            with suppress(OSError, TimeoutError):
                if loadgen.request_once(port=port, method="GET", path=MINIMAL_PATH)[0] == 405:
                    break
            if time.monotonic() > deadline:
                raise BenchmarkError(f"gridgov serve did not answer within {READY_TIMEOUT_S:.0f} s")
            time.sleep(0.2)
        progress(f"gridgov serve answers on {loadgen.HOST}:{port}")
        yield port
    finally:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)  # the group we started: gunicorn, its workers, the worker
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
