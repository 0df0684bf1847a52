"""A gridgov site as real processes for the scale tests: migrate and the demo city, gunicorn, Celery, the sibling.

    from tests.scale.procs import Site, site        # `site` is a fixture: import it into the test module

    def test_x(site, pg_cluster):
        s = site(pg_cluster.create_database("x"), redis_url=redis_db(12))   # redis_url="" for the embedded mode
        s.build_demo()                                # `gridgov demo --no-serve --days 0`: migrate + the city
        web = s.gunicorn(workers=2)                   # waits until it answers and all workers run
        s.celery_worker()                             # or s.sibling_worker() (no Redis, GRIDGOV_OUTBOX_DRAIN=worker)
        web.kill_worker()                             # SIGKILL one gunicorn worker; the master starts another

Every process starts in a session of its own (its own process group, so a Celery worker's pool and a
gunicorn master's workers go with it) and gets SIGTERM when the thread that started it ends (PR_SET_PDEATHSIG:
start them from the test's main thread). The fixture's finalizer stops every process the site started —
SIGTERM to its group, then SIGKILL after a deadline — whatever the test did, so none outlives the test.
Output goes to a log file per process under the site's folder (`Proc.log`), shown when a start fails.

Redis: give each test a database number of its own (`redis_db`), never the suite's (15, live_celery.py);
`redis_db` refuses one that holds keys and the finalizer flushes it. Celery then uses its default queue there.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest

from gridgov.devenv import declare_development

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(condition: Callable[[], object], *, timeout: float, what: str, interval: float = 0.2) -> object:
    """Poll condition() until it is truthy; AssertionError naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def children(pid: int) -> list[int]:
    """The live child processes of `pid` (from /proc: Linux)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        # pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ")"
        fields = stat[stat.rindex(")") + 2 :].split()
        if int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return sorted(found)


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return state[state.rindex(")") + 2] != "Z"


def _die_with_parent() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def redis_db(number: int, host: str = "127.0.0.1:6379") -> str:
    """redis://host/number if Redis answers and that database is empty (else skip or fail, like the suite)."""
    import redis

    url = f"redis://{host}/{number}"
    client = redis.Redis.from_url(url, socket_connect_timeout=2)
    try:
        size = client.dbsize()
    except redis.RedisError as exc:
        if os.environ.get("GRIDGOV_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis does not answer at {url} ({exc}) and GRIDGOV_REQUIRE_REDIS=1", pytrace=False)
        pytest.skip(f"Redis does not answer at {url} ({exc})")
    finally:
        client.close()
    if size:
        pytest.fail(f"Redis database {url} holds {size} keys: another test run uses it", pytrace=False)
    return url


class Proc:
    """One started process (and its process group)."""

    def __init__(self, name: str, argv: list[str], *, env: dict[str, str], log: Path) -> None:
        self.name, self.argv, self.log = name, argv, log
        self._out = log.open("ab")
        self.popen = subprocess.Popen(
            argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,
        )

    @property
    def pid(self) -> int:
        return self.popen.pid

    def running(self) -> bool:
        return self.popen.poll() is None

    def output(self, tail: int = 4000) -> str:
        self._out.flush()
        text = self.log.read_text(errors="replace")
        return text[-tail:]

    def wait_for_output(self, text: str, *, timeout: float = 120) -> None:
        def seen() -> bool:
            if not self.running():
                raise AssertionError(f"{self.name} exited ({self.popen.returncode}):\n{self.output()}")
            return text in self.log.read_text(errors="replace")

        try:
            wait_until(seen, timeout=timeout, what=f"{self.name} to print {text!r}")
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n--- {self.log}:\n{self.output()}") from None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        """Send `sig` to the process alone (not its group)."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, sig)

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM to the whole group, SIGKILL to it after `timeout` seconds; reaps the process."""
        for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 10)):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.pid, sig)
            try:
                self.popen.wait(timeout=wait)
            except subprocess.TimeoutExpired:
                continue
            break
        # the leader is gone; anything left in its group (a pool child that ignored SIGTERM) goes now
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.pid, signal.SIGKILL)
        self._out.close()


class Gunicorn(Proc):
    """`python -m gunicorn gridgov.wsgi:application` on 127.0.0.1:`port` with `workers` workers."""

    def __init__(self, *, port: int, workers: int, env: dict[str, str], log: Path) -> None:
        argv = [
            PY,
            "-m",
            "gunicorn",
            "gridgov.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "120",
            "--graceful-timeout",
            "5",
        ]
        super().__init__(f"gunicorn:{port}", argv, env=env, log=log)
        self.port, self.workers = port, workers
        self.url = f"http://127.0.0.1:{port}"

    def worker_pids(self) -> list[int]:
        return children(self.pid)

    def answers(self, path: str = "/api/v1/openapi.json") -> bool:
        try:
            with urllib.request.urlopen(self.url + path, timeout=10) as response:
                return response.status < 500
        except urllib.error.HTTPError as exc:
            return exc.code < 500
        except OSError:
            return False

    def wait_ready(self, timeout: float = 120) -> None:
        def ready() -> bool:
            if not self.running():
                raise AssertionError(f"{self.name} exited ({self.popen.returncode}):\n{self.output()}")
            return len(self.worker_pids()) >= self.workers and self.answers()

        wait_until(ready, timeout=timeout, what=f"{self.name} with {self.workers} workers")

    def kill_worker(self, pid: int | None = None, *, timeout: float = 120) -> int:
        """SIGKILL one worker (the first, or `pid`) and wait until the master has replaced it; returns its pid."""
        before = self.worker_pids()
        victim = pid or before[0]
        os.kill(victim, signal.SIGKILL)
        wait_until(
            lambda: not alive(victim) and len(set(self.worker_pids()) - {victim}) >= self.workers,
            timeout=timeout,
            what=f"{self.name} to replace worker {victim}",
        )
        return victim


class Site:
    """One gridgov site on `database_url` (and `redis_url`, "" for the embedded mode); `folder` for logs and media."""

    def __init__(self, database_url: str, *, folder: Path, redis_url: str = "") -> None:
        self.database_url, self.redis_url, self.folder = database_url, redis_url, folder
        folder.mkdir(parents=True, exist_ok=True)
        self.procs: list[Proc] = []

    def env(self, **extra: str) -> dict[str, str]:
        """The environment of every process: the site's database and Redis, a declared development
        environment (the development key, the demo apps), no request budgets, media in the folder."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("GRIDGOV_", "PYTEST_", "DJANGO_"))}
        declare_development(env)
        env.update(
            DJANGO_SETTINGS_MODULE="gridgov.settings",
            PYTHONPATH=str(ROOT),
            GRIDGOV_DATABASE_URL=self.database_url,
            GRIDGOV_REDIS_URL=self.redis_url,
            GRIDGOV_RATE_LIMITS="off",
            GRIDGOV_CLASSIFIER_MODEL="",
            GRIDGOV_MEDIA_ROOT=str(self.folder / "media"),
            GRIDGOV_LOG_LEVEL="WARNING",
        )
        env.update(extra)
        return env

    def _log(self, name: str) -> Path:
        return self.folder / f"{name.replace(':', '-')}-{len(self.procs)}.log"

    # --- one-off commands --------------------------------------------------------------------------------
    def manage(self, *args: str, timeout: float = 600, **env: str) -> subprocess.CompletedProcess:
        """`gridgov <args>` to the end; AssertionError with its output when it fails."""
        done = subprocess.run(
            [PY, "-m", "gridgov.cli", *args],
            cwd=ROOT,
            env=self.env(**env),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if done.returncode:
            raise AssertionError(f"gridgov {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}")
        return done

    def migrate(self) -> None:
        self.manage("migrate", "--noinput", "-v", "0")

    def build_demo(self, *, seed: int = 0, days: int = 0) -> None:
        """Migrate and build the demo city, as `gridgov demo --no-serve` does (the tests' city: days=0)."""
        self.manage("demo", "--no-serve", "--seed", str(seed), "--days", str(days))

    # --- long-running processes ----------------------------------------------------------------------------
    def start(self, name: str, argv: list[str], **env: str) -> Proc:
        proc = Proc(name, argv, env=self.env(**env), log=self._log(name))
        self.procs.append(proc)
        return proc

    def gunicorn(self, *, workers: int = 2, port: int | None = None, timeout: float = 120, **env: str) -> Gunicorn:
        """gunicorn serving the site, ready (answers, every worker started). Embedded mode (no Redis): pass
        GRIDGOV_OUTBOX_DRAIN="worker" as `gridgov serve` does, and start `sibling_worker()`."""
        proc = Gunicorn(port=port or free_port(), workers=workers, env=self.env(**env), log=self._log("gunicorn"))
        self.procs.append(proc)
        proc.wait_ready(timeout)
        return proc

    def celery_worker(self, *, concurrency: int = 1, beat: bool = True, timeout: float = 120, **env: str) -> Proc:
        """`gridgov worker` on the site's Redis (a Celery worker, with embedded beat unless beat=False)."""
        assert self.redis_url, "a Celery worker needs the site's redis_url"
        argv = [PY, "-m", "gridgov.cli", "worker", "--concurrency", str(concurrency), "--loglevel", "INFO"]
        argv += ["--schedule-file", str(self.folder / f"beat-{len(self.procs)}")]
        if not beat:
            argv.append("--no-beat")
        proc = self.start("celery", argv, GRIDGOV_WORKER_NICE="0", **env)
        proc.wait_for_output("ready.", timeout=timeout)
        return proc

    def beat(self, *, timeout: float = 60, **env: str) -> Proc:
        """Celery beat alone (for workers started with beat=False): the periodic tasks and the drain task."""
        assert self.redis_url, "beat needs the site's redis_url"
        code = (
            "import django; django.setup()\n"
            "from gridgov.celery import app, beat_schedule\n"
            "from gridgov.core.tasks import periodic_tasks\n"
            "app.conf.beat_schedule = beat_schedule(periodic_tasks())\n"
            f"app.start(['beat', '--loglevel', 'INFO', '--schedule', {str(self.folder / 'beat-alone')!r}])\n"
        )
        proc = self.start("beat", [PY, "-c", code], **env)
        proc.wait_for_output("beat: Starting", timeout=timeout)
        return proc

    def sibling_worker(self, *, timeout: float = 120, **env: str) -> Proc:
        """The embedded mode's sibling `gridgov worker` (no Redis): drains the outbox, runs the periodic tasks."""
        proc = self.start("sibling", [PY, "-m", "gridgov.cli", "worker"], GRIDGOV_REDIS_URL="", **env)
        proc.wait_for_output("gridgov worker (in-process", timeout=timeout)
        return proc

    def stop_all(self) -> None:
        """Stop every process of the site, newest first, and flush its Redis database."""
        for proc in reversed(self.procs):
            if proc.popen.returncode is None or not proc._out.closed:
                proc.stop()
        if self.redis_url:
            import redis

            with contextlib.suppress(redis.RedisError):
                client = redis.Redis.from_url(self.redis_url, socket_connect_timeout=2)
                client.flushdb()
                client.close()


@pytest.fixture
def site(tmp_path):
    """site(database_url, redis_url="") → a Site whose processes all stop when the test ends, even on failure."""
    sites: list[Site] = []

    def make(database_url: str, *, redis_url: str = "", name: str = "site") -> Site:
        made = Site(database_url, folder=tmp_path / f"{name}-{len(sites)}", redis_url=redis_url)
        sites.append(made)
        return made

    try:
        yield make
    finally:
        for made in sites:
            made.stop_all()
