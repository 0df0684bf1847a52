"""A private PostgreSQL cluster for a test (initdb in a temporary folder, its own port): never the machine's.

The fault and replica tests restart, kill and copy clusters; they do it to one of these. The server binaries
are Debian's (/usr/lib/postgresql/<version>/bin). PostgreSQL refuses to run as root, so as root the cluster
belongs to the `postgres` user and every command runs as that user (runuser).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import pytest


def bin_dir() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if found:
        return found[-1].parent
    initdb = shutil.which("initdb")
    return Path(initdb).parent if initdb else None


def require_binaries() -> Path:
    found = bin_dir()
    if found is None:
        message = "PostgreSQL's server binaries (initdb, pg_ctl) are missing: apt-get install postgresql"
        if os.environ.get("GRIDGOV_REQUIRE_POSTGRES") == "1":
            pytest.fail(f"GRIDGOV_REQUIRE_POSTGRES=1 and {message}", pytrace=False)
        pytest.skip(message)
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """One PostgreSQL server: `data` its folder, `port` on 127.0.0.1, trust authentication for `postgres`."""

    def __init__(self, data: Path, *, port: int | None = None) -> None:
        self.bin = require_binaries()
        self.data = data
        self.port = port or free_port()
        self.log = data.parent / f"{data.name}.log"
        self._as_postgres = os.geteuid() == 0

    # --- commands ---------------------------------------------------------------------------------------
    def _run(self, *args: str, check: bool = True, timeout: float = 120) -> subprocess.CompletedProcess:
        cmd = [str(a) for a in args]
        if self._as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, check=check, capture_output=True, text=True, timeout=timeout)

    def _own(self, path: Path) -> None:
        if self._as_postgres:
            shutil.chown(path, "postgres", "postgres")

    def init(self, **settings: str) -> Cluster:
        """initdb, then `settings` (name → value) appended to postgresql.conf."""
        self.data.parent.mkdir(parents=True, exist_ok=True)
        self._own(self.data.parent)
        self._run(
            self.bin / "initdb",
            "-D",
            self.data,
            "-U",
            "postgres",
            "--auth=trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
        )
        # fsync off is safe here: the tests stop the server (even "immediate"), never the machine, so what
        # reached the OS survives. synchronous_commit stays on: an immediate stop would lose acknowledged
        # commits still in the WAL buffers, which is exactly what the fault tests look for.
        self.configure(fsync="off", full_page_writes="off", **settings)
        return self

    def configure(self, **settings: str) -> None:
        lines = [
            f"port = {self.port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{self.data.parent}'",
        ]
        lines += [f"{k} = {v}" for k, v in settings.items()]
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write("\n" + "\n".join(lines) + "\n")

    def start(self, timeout: float = 60) -> Cluster:
        self._run(
            self.bin / "pg_ctl",
            "-D",
            self.data,
            "-l",
            self.log,
            "-w",
            "-t",
            str(int(timeout)),
            "start",
            timeout=timeout + 10,
        )
        self.wait_ready(timeout)
        return self

    def stop(self, mode: str = "fast") -> None:
        """mode: smart, fast, or immediate (a crash: no shutdown checkpoint, recovery at the next start)."""
        self._run(self.bin / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=False)

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                psycopg.connect(self.url("postgres"), connect_timeout=2).close()
                return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)

    def replica(self, data: Path, *, port: int | None = None) -> Cluster:
        """A streaming replica of this (running) cluster: pg_basebackup -R, then started as a hot standby."""
        standby = Cluster(data, port=port)
        data.parent.mkdir(parents=True, exist_ok=True)
        standby._own(data.parent)
        self._run(
            self.bin / "pg_basebackup",
            "-h",
            "127.0.0.1",
            "-p",
            str(self.port),
            "-U",
            "postgres",
            "-D",
            data,
            "-R",
            "-X",
            "stream",
            "--no-sync",
            "-c",
            "fast",
        )
        standby.configure(hot_standby="on")
        return standby.start()

    def is_in_recovery(self) -> bool:
        with psycopg.connect(self.url("postgres")) as conn:
            return bool(conn.execute("SELECT pg_is_in_recovery()").fetchone()[0])

    def destroy(self) -> None:
        self.stop("immediate")
        shutil.rmtree(self.data, ignore_errors=True)


TEMPLATE = "demo_template"  # the database tests/scale/conftest.py builds the demo city into, once per run


def demo_database(cluster: Cluster, name: str) -> str:
    """A new database `name` on the cluster, a copy of the demo city; its URL."""
    with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{TEMPLATE}"')
    return cluster.url(name)


def private_folder() -> Path:
    """A temporary folder the `postgres` user can enter (pytest's own are 0700 to root)."""
    root = Path(tempfile.mkdtemp(prefix="gridgov-pg-"))
    os.chmod(root, 0o755)
    return root


@pytest.fixture
def pg_cluster():
    """A started private cluster, destroyed after the test."""
    root = private_folder()
    cluster = Cluster(root / "primary").init(wal_level="replica", max_wal_senders="4").start()
    try:
        yield cluster
    finally:
        cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)
