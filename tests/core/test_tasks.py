"""Background tasks: in-process after commit (the default), and through a real Celery worker on Redis."""

import logging
import threading

import pytest
from django.core.management import call_command
from django.db import transaction

from gridgov.celery import app
from gridgov.core import tasks
from gridgov.core.management.commands.worker import celery_argv
from gridgov.core.models import AuditEvent
from gridgov.core.tasks import enqueue, task
from tests.notifications.live_celery import retry_locked, wait_for

runs: list[str] = []  # appended by the tasks below, from whichever thread runs them
runs_lock = threading.Lock()


@task(name="tests.core.touch")
def touch(*, key: str, extra: list | None = None) -> None:
    """Idempotent: the row is keyed, so a second run changes nothing."""
    AuditEvent.objects.get_or_create(action="tests.touch", object_type="test", object_id=key)
    with runs_lock:
        runs.append(key)


echoed: list[dict] = []


@task(name="tests.core.echo")
def echo(**kwargs) -> None:
    echoed.append(kwargs)


@task(name="tests.core.explode")
def explode() -> None:
    raise RuntimeError("boom")


@pytest.fixture(autouse=True)
def _clear_runs():
    runs.clear()
    echoed.clear()


def touched(key: str) -> int:
    return AuditEvent.objects.filter(action="tests.touch", object_id=key).count()


# --- in-process (GRIDGOV_REDIS_URL unset) -----------------------------------------------------------


@pytest.mark.django_db
def test_enqueue_runs_after_commit_not_before(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            enqueue(touch, key="a")
            assert runs == []
        assert runs == []  # the outer (test) transaction has not "committed" until the block ends
    assert runs == ["a"] and touched("a") == 1


@pytest.mark.django_db
def test_enqueue_in_a_rolled_back_transaction_never_runs(django_capture_on_commit_callbacks):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(ValueError),
        transaction.atomic(),
    ):
        enqueue(touch, key="b")
        raise ValueError("rolled back")
    assert callbacks == [] and runs == [] and touched("b") == 0


@pytest.mark.django_db(transaction=True)
def test_enqueue_with_real_commit_and_rollback():
    with transaction.atomic():
        enqueue("tests.core.touch", key="committed")
        assert runs == []
    assert runs == ["committed"]
    with pytest.raises(ValueError), transaction.atomic():
        enqueue("tests.core.touch", key="rolled-back")
        raise ValueError
    enqueue(touch, key="autocommit")  # outside a transaction: at once
    assert runs == ["committed", "autocommit"]
    assert touched("rolled-back") == 0


@pytest.mark.django_db(transaction=True)
def test_a_failing_task_is_logged_not_raised(caplog):
    with caplog.at_level(logging.ERROR, logger="gridgov.tasks"), transaction.atomic():
        enqueue(explode)
    assert "task tests.core.explode {} failed" in caplog.text and "boom" in caplog.text


@pytest.mark.django_db
def test_arguments_must_be_json_and_come_back_through_json(django_capture_on_commit_callbacks):
    with pytest.raises(TypeError, match="JSON-serialisable"):
        enqueue(touch, key=object())
    with django_capture_on_commit_callbacks(execute=True):
        enqueue("tests.core.echo", number="20260101000001", pair=("a", 1))
    assert echoed == [{"number": "20260101000001", "pair": ["a", 1]}]  # as a Celery worker receives them


def test_names_are_stable_and_unique():
    from gridgov.notifications.tasks import deliver_notification

    assert deliver_notification.task_name == "gridgov.notifications.deliver_notification"
    assert "gridgov.notifications.deliver_notification" in app.tasks
    with pytest.raises(TypeError, match="not a background task"):
        enqueue(print)
    with pytest.raises(LookupError):
        tasks.get("gridgov.nowhere.nothing")
    with pytest.raises(ValueError, match="is taken"):
        task(name="tests.core.touch")(lambda: None)


# --- periodic tasks -----------------------------------------------------------------------------


def test_beat_schedule_sweeps_deadlines_every_five_minutes():
    entry = app.conf.beat_schedule["gridgov.cases.sweep_deadlines"]
    assert entry == {"task": "gridgov.cases.sweep_deadlines", "schedule": 300.0}
    assert app.conf.task_acks_late and app.conf.task_serializer == "json"
    assert app.conf.timezone == "Asia/Shanghai"


def test_periodic_tasks_come_from_the_schedule_and_the_decorator(monkeypatch):
    monkeypatch.setattr(tasks, "_registry", dict(tasks._registry))
    monkeypatch.setattr("gridgov.celery.SCHEDULE", {"tests.core.touch": 300, "tests.core.unwritten": 60})

    @task(name="tests.core.every_minute", every=60)
    def every_minute() -> None:
        pass

    periodic = tasks.periodic_tasks()  # plus whatever the apps' tasks modules declare
    assert periodic["tests.core.touch"] == 300 and periodic["tests.core.every_minute"] == 60
    assert "tests.core.unwritten" not in periodic  # named in the schedule, but no such task: skipped


@pytest.mark.django_db(transaction=True)
def test_in_process_worker_runs_periodic_tasks(monkeypatch):
    monkeypatch.setattr(tasks, "_registry", dict(tasks._registry))
    monkeypatch.setattr(tasks, "periodic_tasks", lambda: {"tests.core.explode": 60, "tests.core.tick": 1})

    @task(name="tests.core.tick")
    def tick() -> None:
        with runs_lock:
            runs.append("tick")

    call_command("worker", once=True)  # a failing task (explode) does not stop the others
    assert runs == ["tick"]

    # The loop proper: tick every second, stopped from outside.
    stop = threading.Event()
    loop = threading.Thread(target=tasks.run_periodic, kwargs={"stop": stop})
    loop.start()
    wait_for(lambda: runs.count("tick") >= 3, timeout=10, what="three ticks")
    stop.set()
    loop.join(5)
    assert not loop.is_alive()


def test_celery_worker_arguments(tmp_path):
    beat = tmp_path / "beat"
    argv = celery_argv(concurrency=4, beat=True, loglevel="INFO", schedule_file=beat)
    assert argv == ["worker", "--loglevel", "INFO", "--concurrency", "4", "--beat", "--schedule", str(beat)]
    assert "--beat" not in celery_argv(concurrency=1, beat=False, loglevel="INFO", schedule_file=tmp_path)


# --- Celery on the real Redis ---------------------------------------------------------------------


def test_enqueue_sends_to_celery_after_commit_and_twice_is_safe(celery_worker):
    with transaction.atomic():
        enqueue(touch, key="via-redis")
        enqueue(touch, key="via-redis")  # the same task twice, as a redelivery would
    wait_for(lambda: runs.count("via-redis") == 2, what="both runs")
    # The worker may still hold its transaction (the task's own, with the outbox row's mark) after the
    # append; SQLite's shared in-memory test database then answers "locked" at once: read through retry.
    assert retry_locked(lambda: touched("via-redis")) == 1

    with pytest.raises(ValueError), transaction.atomic():
        enqueue(touch, key="never-sent")
        raise ValueError
    enqueue(touch, key="after")
    wait_for(lambda: "after" in runs, what="the last task")
    assert "never-sent" not in runs and retry_locked(lambda: touched("never-sent")) == 0


@task(name="tests.core.collect")
def collect(*, keys: list) -> None:
    with runs_lock:
        runs.append(",".join(keys))


@pytest.mark.django_db
def test_enqueue_batched_makes_one_call_per_transaction(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for key in ("a", "b", "a", "c"):
            with transaction.atomic():  # a savepoint per step, as the services make
                tasks.enqueue_batched(collect, key="keys", item=key)
    assert runs == ["a,b,c"]


@pytest.mark.django_db(transaction=True)
def test_enqueue_batched_outside_a_transaction_runs_at_once():
    tasks.enqueue_batched(collect, key="keys", item="d")
    assert runs == ["d"]


@pytest.mark.django_db
def test_enqueue_batched_loses_no_item_to_a_rolled_back_step(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with transaction.atomic():
            tasks.enqueue_batched(collect, key="keys", item="kept")
        with pytest.raises(ValueError), transaction.atomic():
            tasks.enqueue_batched(collect, key="keys", item="rolled-back")  # its outbox row …
            raise ValueError  # … is rolled back with the step, while the item before it stays
        with pytest.raises(ValueError), transaction.atomic():
            with transaction.atomic():
                tasks.enqueue_batched(collect, key="keys2", item="x")  # the call itself is dropped
            raise ValueError
    assert runs == ["kept"]


@pytest.mark.django_db
def test_enqueue_batched_after_a_dropped_call_makes_a_new_one(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        with pytest.raises(ValueError), transaction.atomic():
            tasks.enqueue_batched(collect, key="keys", item="gone")
            raise ValueError
        tasks.enqueue_batched(collect, key="keys", item="after")  # the first call was dropped: a new one
    assert runs == ["after"]
