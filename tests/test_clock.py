"""GRIDGOV_TEST_CLOCK (tests/clock.py) really moves the clock: of the run, its threads and its children.

CI runs the date-heavy tests a second time with the clock in a 春节 weekend of a year chinese-calendar
does not know; these tests prove that such a run is not, by accident, a run at today's date.
"""

import multiprocessing
import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests import clock

ROOT = Path(__file__).resolve().parent.parent
# A moment no run happens at by chance: a Sunday night in 2031, beyond chinese-calendar's years.
ODD_MOMENT = "2031-03-02T03:17:00+08:00"


def _now_in_child(queue) -> None:
    queue.put(time.time())


def _child_clock() -> float:
    ctx = multiprocessing.get_context("spawn")  # as the race tests start their workers
    queue = ctx.Queue()
    child = ctx.Process(target=_now_in_child, args=(queue,), daemon=True)
    child.start()
    try:
        return queue.get(timeout=60)
    finally:
        child.join(timeout=30)


@pytest.mark.skipif(not os.environ.get(clock.ENV), reason=f"only under {clock.ENV} (scripts/run-tests sets it)")
def test_the_run_reads_the_requested_clock_everywhere():
    wanted = clock.requested()
    started = wanted - timedelta(seconds=1)
    # the run started there and has been ticking since (a run is shorter than a day)
    assert started <= timezone.now() < wanted + timedelta(days=1)
    assert timezone.localdate() in (wanted.date(), wanted.date() + timedelta(days=1))
    seen = []
    thread = threading.Thread(target=lambda: seen.append(datetime.now().astimezone()))  # a live server's thread
    thread.start()
    thread.join()
    assert started <= seen[0] < wanted + timedelta(days=1)
    before = time.time()
    in_child = _child_clock()  # a spawned worker joins the parent's clock, not the real one
    assert before - 1 <= in_child <= time.time() + 1


def test_the_variable_moves_a_whole_run():
    """A run of the test above in a fresh process with the variable set passes, and says where it is."""
    env = {**os.environ, clock.ENV: ODD_MOMENT, "PYTHONDONTWRITEBYTECODE": "1"}
    env.pop(clock.OFFSET_ENV, None)  # a new run: it starts at ODD_MOMENT, whatever clock this run holds
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "no:cacheprovider",
            f"{__file__}::test_the_run_reads_the_requested_clock_everywhere",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout, result.stdout
    assert f"{clock.ENV}=2031-03-02T03:17:00+08:00: the process clock reads 2031-03-02T03:" in result.stdout, (
        result.stdout
    )


def test_a_moment_without_its_offset_is_refused():
    env = {**os.environ, clock.ENV: "2028-01-29T10:00:00"}
    env.pop(clock.OFFSET_ENV, None)
    result = subprocess.run(
        [sys.executable, "-c", "import tests"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert result.returncode != 0 and "needs its UTC offset" in result.stderr, result.stderr
