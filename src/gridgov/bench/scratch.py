"""The scratch database a benchmark writes into (基准测试的临时数据库): never the user's.

  GRIDGOV_BENCH_DATABASE_URL unset: a new SQLite file in a temporary directory, deleted afterwards.
  GRIDGOV_BENCH_DATABASE_URL set (sqlite:///… or postgresql://…): that database, created when missing
    and kept, so that a later run of the same data set reuses the data. A benchmark refuses a database
    that is the one GRIDGOV_DATABASE_URL names, and one that holds cases or grids it did not write
    itself (no marker table gridgov_bench_dataset); a bench database built for another data set is
    dropped and built afresh.
While a benchmark runs in it, Django's default connection points at the scratch database; it is put
back afterwards.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gridgov.bench.registry import BenchmarkError, Progress

ENV = "GRIDGOV_BENCH_DATABASE_URL"
MARKER = "gridgov_bench_dataset"


def same_database(a: dict, b: dict) -> bool:
    """Whether two Django database settings name the same database."""
    if a["ENGINE"] != b["ENGINE"]:
        return False
    if "sqlite3" in a["ENGINE"]:
        return os.path.realpath(str(a["NAME"])) == os.path.realpath(str(b["NAME"]))
    return (a.get("NAME"), a.get("HOST") or "localhost", str(a.get("PORT") or "5432")) == (
        b.get("NAME"),
        b.get("HOST") or "localhost",
        str(b.get("PORT") or "5432"),
    )


def scratch_settings(url: str | None, workdir: Path) -> dict:
    """Django settings of the database `url` names (a new SQLite file in `workdir` when None), checked."""
    import dj_database_url

    if not url:
        url = f"sqlite:///{workdir / 'dashboard.sqlite3'}"
    db: dict[str, Any] = dict(dj_database_url.parse(url))
    db["OPTIONS"] = {}  # nothing that writes before the checks (WAL mode would change a stranger's file)
    if "sqlite3" not in db["ENGINE"] and "postgresql" not in db["ENGINE"]:
        raise BenchmarkError(f"{ENV} must be a sqlite:/// or postgresql:// URL, not {url}")
    if "postgresql" in db["ENGINE"] and db["NAME"] in ("postgres", "template0", "template1"):
        raise BenchmarkError(f"{ENV} names the maintenance database {db['NAME']!r}: name a database of its own")
    return db


# SQLite as settings.py has it (WAL), without the busy timeout games (the bench is the only writer)
SQLITE_LOADING = {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-200000;"}


def _loading(db: dict) -> dict:
    return {**db, "OPTIONS": SQLITE_LOADING} if "sqlite3" in db["ENGINE"] else db


def pg_admin(db: dict, sql: str) -> None:
    """CREATE/DROP DATABASE from the server's maintenance database (not inside a transaction)."""
    import psycopg

    params: dict[str, Any] = {
        "dbname": "postgres",
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        conn.execute(sql)


def _pg_exists(db: dict) -> bool:
    import psycopg

    params: dict[str, Any] = {
        "dbname": "postgres",
        "host": db.get("HOST") or None,
        "port": db.get("PORT") or None,
        "user": db.get("USER") or None,
        "password": db.get("PASSWORD") or None,
    }
    with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone() is not None


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _forget_caches() -> None:
    """Process caches keyed by nothing but the default alias: they must not cross databases."""
    from django.contrib.contenttypes.models import ContentType

    from gridgov.grids.locator import forget_locator
    from gridgov.worktime.calendar import forget_overrides

    forget_locator()
    forget_overrides()
    ContentType.objects.clear_cache()


@contextmanager
def _as_default(db: dict):
    """Point Django's default connection at `db` for the duration; the old connection comes back after."""
    from django.db import connections

    old_settings, old_connection = connections.settings["default"], connections["default"]
    new = {
        **old_settings,
        **db,
        "CONN_MAX_AGE": 0,
        "ATOMIC_REQUESTS": False,
        "AUTOCOMMIT": True,
        "OPTIONS": db.get("OPTIONS", {}),
        "TEST": {},
    }
    connections.settings["default"] = new
    connection = connections.create_connection("default")
    connections["default"] = connection
    _forget_caches()
    try:
        yield connection
    finally:
        connection.close()
        connections["default"] = old_connection
        connections.settings["default"] = old_settings
        _forget_caches()


@dataclass
class Scratch:
    settings: dict
    engine: str  # sqlite | postgresql
    kept: bool  # named by GRIDGOV_BENCH_DATABASE_URL (kept) or a temporary file (deleted)
    workdir: Path

    @property
    def label(self) -> str:
        if self.engine == "sqlite":
            return "temporary SQLite file" if not self.kept else f"sqlite:///{self.settings['NAME']}"
        return (
            f"postgresql://{self.settings.get('HOST') or 'localhost'}:{self.settings.get('PORT') or 5432}/"
            f"{self.settings['NAME']}"
        )


def _marker(connection) -> dict | None:
    """The data set a bench database holds (None: no marker table, or an unfinished build)."""
    if MARKER not in connection.introspection.table_names():
        return None
    with connection.cursor() as cur:
        cur.execute(f"SELECT spec FROM {MARKER}")
        row = cur.fetchone()
    return json.loads(row[0]) if row else {}


def _holds_foreign_data(connection) -> bool:
    tables = set(connection.introspection.table_names())
    if MARKER in tables:
        return False
    with connection.cursor() as cur:
        for table in ("cases_case", "grids_grid"):
            if table in tables:
                cur.execute(f"SELECT 1 FROM {table} LIMIT 1")
                if cur.fetchone():
                    return True
    return False


def write_marker(connection, spec: dict) -> None:
    """Record the data set the scratch database holds (`complete` False while it is being built)."""
    with connection.cursor() as cur:
        cur.execute(f"CREATE TABLE IF NOT EXISTS {MARKER} (spec TEXT NOT NULL)")
        cur.execute(f"DELETE FROM {MARKER}")
        cur.execute(f"INSERT INTO {MARKER} (spec) VALUES (%s)", [json.dumps(spec, sort_keys=True)])


def _drop(scratch: Scratch) -> None:
    if scratch.engine == "sqlite":
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{scratch.settings['NAME']}{suffix}").unlink(missing_ok=True)
    else:
        pg_admin(scratch.settings, f"DROP DATABASE IF EXISTS {_quote(scratch.settings['NAME'])} WITH (FORCE)")
        pg_admin(scratch.settings, f"CREATE DATABASE {_quote(scratch.settings['NAME'])}")


# An empty SQLite database just migrated, kept for this process: the next scratch SQLite database starts as a
# copy of it instead of running every migration again (seconds each; the suite's bench tests make many).
_migrated_sqlite: list[Path] = []


def _keep_migrated(path: str) -> None:
    """Copy the just-migrated, still empty file `path` (its connection closed, so the WAL is folded in)."""
    folder = Path(tempfile.mkdtemp(prefix="gridgov-bench-migrated-"))
    shutil.copyfile(path, folder / "migrated.sqlite3")
    _migrated_sqlite[:] = [folder / "migrated.sqlite3"]


def _copy_migrated(path: str) -> bool:
    """Start the new SQLite file `path` as a copy of the migrated one kept by this process; False if none."""
    target = Path(path)
    # a file the checks above opened (and so created) is empty; anything else is migrated the slow way
    if not _migrated_sqlite or not _migrated_sqlite[0].exists() or (target.exists() and target.stat().st_size):
        return False
    shutil.copyfile(_migrated_sqlite[0], target)
    return True


@contextmanager
def scratch_database(spec: dict, progress: Progress):
    """Yield (scratch, reused): Django's default connection on a bench database holding `spec`'s data
    set, or an empty migrated one to build it in (reused False)."""
    from django.core.management import call_command
    from django.db import connections

    url = os.environ.get(ENV, "").strip() or None
    workdir = Path(tempfile.mkdtemp(prefix="gridgov-bench-"))
    try:
        settings = scratch_settings(url, workdir)
        if same_database(settings, connections.settings["default"]):
            raise BenchmarkError(
                f"{ENV} names the database GRIDGOV_DATABASE_URL uses; the bench writes millions "
                "of rows: give it a database of its own"
            )
        engine = "sqlite" if "sqlite3" in settings["ENGINE"] else "postgresql"
        scratch = Scratch(settings=settings, engine=engine, kept=bool(url), workdir=workdir)
        if engine == "postgresql" and not _pg_exists(settings):
            progress(f"creating the PostgreSQL database {settings['NAME']}")
            pg_admin(settings, f"CREATE DATABASE {_quote(settings['NAME'])}")
        with _as_default(settings) as connection:
            held = _marker(connection)
            if held is None and _holds_foreign_data(connection):
                raise BenchmarkError(
                    f"{scratch.label} holds cases or grids the bench did not write: give "
                    f"{ENV} an empty database (it is created when missing)"
                )
            reused = held == {**spec, "complete": True}
            if not reused and held is not None:
                progress(f"{scratch.label} holds another bench data set ({held}): rebuilding it")
                connection.close()
                _drop(scratch)
        if not reused:
            if engine == "sqlite" and _copy_migrated(settings["NAME"]):
                progress(f"an empty migrated database copied into the scratch database ({scratch.label})")
            else:
                with _as_default(_loading(settings)):
                    progress(f"migrating the scratch database ({scratch.label})")
                    call_command("migrate", interactive=False, verbosity=0)
                if engine == "sqlite":
                    _keep_migrated(settings["NAME"])
            with _as_default(_loading(settings)) as connection:
                write_marker(connection, {**spec, "complete": False})
        with _as_default(_loading(settings)):
            yield scratch, reused
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
