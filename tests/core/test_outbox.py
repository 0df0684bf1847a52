"""The outbox (发件箱): follow-up work stored with the transaction that asked for it, drained once."""

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from gridgov.core import outbox
from gridgov.core.models import OutboxItem
from gridgov.core.tasks import enqueue, enqueue_batched, task

ROOT = Path(__file__).resolve().parents[2]
calls: list[tuple[str, object]] = []
lock = threading.Lock()


@task(name="tests.outbox.note")
def note(*, key: str) -> None:
    with lock:
        calls.append(("note", key))


@task(name="tests.outbox.gather")
def gather(*, keys: list, poison: str = "") -> None:
    if poison and poison in keys:
        raise RuntimeError(f"poisoned by {poison}")
    with lock:
        calls.append(("gather", list(keys)))


@task(name="tests.outbox.fail")
def fail() -> None:
    raise RuntimeError("always broken")


@pytest.fixture
def worker_mode(settings):
    """As under `gridgov serve`: enqueue only writes, the drainer runs (here: the test, when it says)."""
    settings.GRIDGOV_OUTBOX_DRAIN = "worker"
    settings.GRIDGOV_REDIS_URL = ""
    calls.clear()
    yield
    calls.clear()


def make_due() -> None:
    OutboxItem.objects.update(not_before=timezone.now())  # the backoff has passed


@pytest.mark.django_db
def test_rows_are_written_in_the_callers_transaction_and_gone_on_rollback(worker_mode):
    with transaction.atomic():
        enqueue(note, key="kept")
        with pytest.raises(ValueError), transaction.atomic():
            enqueue(note, key="rolled-back")
            enqueue_batched(gather, key="keys", item="rolled-back")
            assert OutboxItem.objects.count() == 3  # visible inside, like the caller's own rows
            raise ValueError
    rows = list(OutboxItem.objects.values_list("task", "payload"))
    assert rows == [("tests.outbox.note", {"key": "kept"})]
    assert calls == []  # worker mode: nothing ran in the caller's process
    assert outbox.drain_outbox().done == 1
    assert calls == [("note", "kept")] and not OutboxItem.objects.exists()


@pytest.mark.django_db
def test_waiting_rows_of_a_batched_task_are_merged_into_one_call(worker_mode):
    for items in (["a", "b"], ["c", "a"], ["d"]):  # three transactions, as three requests
        with transaction.atomic():
            for item in items:
                enqueue_batched(gather, key="keys", item=item)
    enqueue(note, key="alone")
    enqueue_batched(gather, key="keys", item="e")
    assert OutboxItem.objects.count() == 7
    result = outbox.drain_outbox()
    assert calls == [("gather", ["a", "b", "c", "d", "e"]), ("note", "alone")]  # one call, each item once
    assert (result.done, result.calls) == (7, 2) and not OutboxItem.objects.exists()


@pytest.mark.django_db
def test_a_failing_task_is_retried_then_dead_and_never_blocks_the_others(worker_mode, caplog):
    enqueue(fail)
    enqueue(note, key="before")
    for item in ("x", "poison", "y"):
        enqueue_batched(gather, key="keys", item=item)
    for row, item in zip(OutboxItem.objects.filter(task="tests.outbox.gather"), ("x", "poison", "y"), strict=True):
        row.payload = {"keys": [item], "poison": "poison"}
        row.save()
    result = outbox.drain_outbox()
    # the merged call failed on one item: the others ran alone, the poisoned row waits
    assert ("note", "before") in calls and ("gather", ["x"]) in calls and ("gather", ["y"]) in calls
    assert (result.done, result.failed, result.dead) == (3, 2, 0)
    waiting = {r.task: r for r in OutboxItem.objects.all()}
    assert set(waiting) == {"tests.outbox.fail", "tests.outbox.gather"}
    assert waiting["tests.outbox.fail"].attempts == 1 and "always broken" in waiting["tests.outbox.fail"].last_error
    assert waiting["tests.outbox.fail"].not_before > timezone.now()  # backed off
    assert outbox.drain_outbox().handled == 0  # not due yet
    assert "task tests.outbox.fail {} failed" in caplog.text

    for _ in range(outbox.MAX_ATTEMPTS - 1):
        make_due()
        enqueue(note, key="meanwhile")  # new work keeps flowing past the failing rows
        outbox.drain_outbox()
    assert calls.count(("note", "meanwhile")) == outbox.MAX_ATTEMPTS - 1
    dead = list(OutboxItem.objects.filter(dead=True).order_by("task").values_list("task", "attempts"))
    assert dead == [("tests.outbox.fail", outbox.MAX_ATTEMPTS), ("tests.outbox.gather", outbox.MAX_ATTEMPTS)]
    make_due()
    assert outbox.drain_outbox().handled == 0  # dead rows stay, untouched
    state = outbox.status()
    assert (state["dead"], state["waiting"]) == (2, 0)
    assert state["dead_by_task"] == {"tests.outbox.fail": 1, "tests.outbox.gather": 1}

    assert outbox.retry(task="tests.outbox.fail") == 1  # a person fixed the cause: another round
    assert OutboxItem.objects.filter(dead=False, attempts=0, task="tests.outbox.fail").count() == 1


@pytest.mark.django_db
def test_the_outbox_command_shows_and_retries(worker_mode, capsys):
    enqueue(fail)
    outbox.drain_outbox()
    OutboxItem.objects.update(dead=True)
    call_command("outbox", "status", "--json")
    state = json.loads(capsys.readouterr().out)
    assert state["dead"] == 1 and state["dead_by_task"] == {"tests.outbox.fail": 1}
    call_command("outbox", "retry")
    assert "1" in capsys.readouterr().out
    assert OutboxItem.objects.get().dead is False


@pytest.mark.django_db(transaction=True)
def test_the_in_process_worker_drains_what_requests_only_wrote(worker_mode):
    with transaction.atomic():
        enqueue(note, key="from-a-request")
        enqueue_batched(gather, key="keys", item="r")
    assert calls == [] and OutboxItem.objects.count() == 2
    call_command("worker", once=True)
    assert sorted(calls) == [("gather", ["r"]), ("note", "from-a-request")]
    assert not OutboxItem.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_commit_mode_drains_after_commit_as_before(settings):
    settings.GRIDGOV_OUTBOX_DRAIN = "commit"
    calls.clear()
    with transaction.atomic():
        enqueue(note, key="n")
        assert calls == []
    assert calls == [("note", "n")] and not OutboxItem.objects.exists()


# --- other processes: two drainers at once, and a drainer killed in the middle ----------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A database that other processes can open: a file for SQLite; the test database on PostgreSQL
    (the suite's PostgreSQL run: its SQLite run cannot reach the PostgreSQL test database)."""
    from tests.cases.test_safety import _on_postgresql, _test_database_url

    if request.param == "sqlite":
        if _on_postgresql():  # the same file-based run as the SQLite run's: once is enough (CI's time)
            pytest.skip("runs in the SQLite run of the suite")
        return f"sqlite:///{tmp_path / 'outbox.sqlite3'}"
    if not _on_postgresql():
        pytest.skip("runs in the PostgreSQL run of the suite (GRIDGOV_DATABASE_URL=postgresql://…)")
    return _test_database_url()


def child(url: str, *args: str, **popen) -> subprocess.Popen:
    env = {**os.environ, "GRIDGOV_DATABASE_URL": url, "GRIDGOV_REDIS_URL": "", "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "tests.core.outbox_child", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


def run_child(url: str, *args: str) -> str:
    process = child(url, *args)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    return out


def report(url: str) -> dict:
    return json.loads(run_child(url, "report").strip().splitlines()[-1])


def expected_keys(count: int) -> set[str]:
    return {f"b{i}" if i % 3 == 2 else f"k{i}" for i in range(count)}


@pytest.mark.django_db(transaction=True)
def test_two_drainers_at_once_never_run_a_row_twice(database_url):
    count = 300
    run_child(database_url, "fill", str(count))
    drainers = [child(database_url, "drain", "20") for _ in range(2)]
    outputs = [d.communicate(timeout=300) for d in drainers]
    assert all(d.returncode == 0 for d in drainers), [err for _, err in outputs]
    state = report(database_url)
    assert state["left"] == 0
    assert set(state["effects"]) == expected_keys(count)
    assert all(n == 1 for n in state["effects"].values()), {k: n for k, n in state["effects"].items() if n != 1}


@pytest.mark.django_db(transaction=True)
def test_a_drainer_killed_in_the_middle_loses_nothing_and_repeats_nothing(database_url):
    count = 400
    run_child(database_url, "fill", str(count))
    drainer = child(database_url, "drain", "25")
    assert drainer.stdout is not None
    for _ in range(3):  # three batches committed: the fourth is under way
        line = drainer.stdout.readline()
        assert line.startswith("batch "), (line, drainer.stderr.read() if drainer.stderr else "")
    drainer.send_signal(signal.SIGKILL)
    drainer.communicate(timeout=60)
    half = report(database_url)
    assert 0 < len(half["effects"]) < len(expected_keys(count)) and half["left"] > 0, "killed in the middle"
    assert all(n == 1 for n in half["effects"].values()), {k: n for k, n in half["effects"].items() if n != 1}

    run_child(database_url, "drain", "25")  # a new drainer finishes the work
    state = report(database_url)
    assert state["left"] == 0
    assert set(state["effects"]) == expected_keys(count)  # none missing …
    assert all(n == 1 for n in state["effects"].values())  # … none twice
