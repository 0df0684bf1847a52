"""`gridgov worker` yields the processors to the web workers (GRIDGOV_WORKER_NICE, docs/architecture.md §6):
follow-up work may wait for a burst of requests to pass; the requests may not wait for it."""

import os
import subprocess
import sys
import time

import pytest

from tests.core.settings_util import ROOT, python, server_env

# a worker process on a SQLite file of its own: the SQLite run covers it (`once`)
pytestmark = pytest.mark.once

NICE = "from gridgov.core.management.commands.worker import yield_to_requests; yield_to_requests(); print(os.nice(0))"


@pytest.mark.parametrize(("setting", "lowered_by"), [(None, 10), ("3", 3), ("0", 0)])
def test_the_worker_lowers_its_priority_by_the_setting(setting, lowered_by):
    env = server_env(GRIDGOV_DEBUG="1", **({"GRIDGOV_WORKER_NICE": setting} if setting is not None else {}))
    done = python("import os; " + NICE, env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert int(done.stdout.strip()) == min(19, os.nice(0) + lowered_by)


def test_the_running_worker_process_is_lowered(tmp_path):
    env = server_env(GRIDGOV_DEBUG="1", GRIDGOV_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    worker = subprocess.Popen([sys.executable, "-m", "gridgov.cli", "worker"], env=env, cwd=ROOT)
    try:
        expected = min(19, os.nice(0) + 10)
        deadline = time.monotonic() + 60  # Django's start-up, then the first thing the command does
        while os.getpriority(os.PRIO_PROCESS, worker.pid) != expected and time.monotonic() < deadline:
            assert worker.poll() is None, "the worker stopped"
            time.sleep(0.1)
        assert os.getpriority(os.PRIO_PROCESS, worker.pid) == expected
    finally:
        worker.terminate()
        worker.wait(timeout=30)
