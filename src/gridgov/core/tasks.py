"""Background tasks (后台任务): one decorator, one way to enqueue, one outbox, three ways to drain it.

`enqueue` writes the task and its arguments into the outbox table (gridgov.core.outbox, OutboxItem)
in the caller's transaction: the work exists exactly when the transaction commits, and survives a
crash. Who runs it (the drain mode):

- GRIDGOV_REDIS_URL set: Celery. After a commit that wrote rows one message nudges a worker to run
  the task gridgov.core.drain_outbox; beat also runs it every few seconds (lost nudges, retries).
- GRIDGOV_OUTBOX_DRAIN=worker (set by `gridgov serve` and `gridgov demo` for their processes): the
  sibling `gridgov worker` polls the outbox and drains it; requests never run follow-up work.
- otherwise ("commit", the default: tests, management commands, the Django test client): this
  process drains right after the commit, so the work is done when the call returns, as before.

Every task must still be safe to run twice (docs/architecture.md): database writes commit together
with the row's deletion (exactly once), but outside effects such as an SMS are at least once.

    @task
    def deliver_notification(*, notification_id: int) -> None: ...      # gridgov.notifications.deliver_notification

    @task(every=300)
    def sweep_deadlines() -> None: ...                                    # periodic: beat, or `gridgov worker`

    enqueue(deliver_notification, notification_id=n.pk)                  # or enqueue("gridgov.notifications.…", …)
    enqueue_batched("gridgov.assessment.refresh_cases", key="numbers", item=number)  # merged with the others
"""

import importlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import InterfaceError, OperationalError, close_old_connections, transaction
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger("gridgov.tasks")

F = TypeVar("F", bound=Callable[..., Any])

# Failures worth another try later (Celery mode): the database or a network peer was briefly away.
TRANSIENT_ERRORS = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
RETRY_OPTIONS = {
    "autoretry_for": TRANSIENT_ERRORS,
    "max_retries": 5,
    "retry_backoff": True,  # 1 s, 2 s, 4 s … with jitter, at most 5 minutes apart
    "retry_backoff_max": 300,
    "retry_jitter": True,
}


@dataclass(frozen=True)
class Task:
    name: str
    fn: Callable[..., Any]
    every: int | None  # seconds between runs of a periodic task
    celery: Any  # the Celery task (a lazy proxy until the Celery app is finalized)


_registry: dict[str, Task] = {}


def task(fn: F | None = None, *, name: str | None = None, every: int | None = None) -> Any:
    """Mark a function as a background task; usable bare (`@task`) or with options.

    The name is stable because queued messages and the beat schedule refer to it: by default the
    module without its ".tasks" suffix plus the function name (gridgov.cases.tasks.sweep_deadlines →
    "gridgov.cases.sweep_deadlines"). `every=N` makes it periodic, run every N seconds. The function
    itself is returned unchanged, so it can still be called directly.
    """

    def register(fn: F) -> F:
        from gridgov.celery import app

        task_name = name or f"{fn.__module__.removesuffix('.tasks')}.{fn.__name__}"
        known = _registry.get(task_name)
        if known and (known.fn.__module__, known.fn.__qualname__) != (fn.__module__, fn.__qualname__):
            raise ValueError(f"task name {task_name!r} is taken by {known.fn.__module__}.{known.fn.__qualname__}")
        celery_task = app.task(name=task_name, **RETRY_OPTIONS)(fn)
        _registry[task_name] = Task(name=task_name, fn=fn, every=every, celery=celery_task)
        fn.task_name = task_name  # type: ignore[attr-defined]
        return fn

    return register(fn) if fn is not None else register


def discover() -> None:
    """Import the tasks module of every installed app, so tasks are known by name."""
    autodiscover_modules("tasks")


def get(name: str) -> Task:
    if name not in _registry:
        # By convention "gridgov.cases.sweep_deadlines" lives in gridgov.cases.tasks; else look everywhere.
        module = name.rpartition(".")[0] + ".tasks"
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if not exc.name or not (module == exc.name or module.startswith(exc.name + ".")):
                raise  # the tasks module exists but imports something missing
    if name not in _registry:
        discover()
    try:
        return _registry[name]
    except KeyError:
        raise LookupError(f"no background task named {name!r}") from None


def _resolve(fn_or_name: Callable[..., Any] | str) -> Task:
    if isinstance(fn_or_name, str):
        return get(fn_or_name)
    name = getattr(fn_or_name, "task_name", None)
    if name is None:
        raise TypeError(f"{fn_or_name!r} is not a background task: decorate it with @task")
    return _registry[name]


def enqueue(fn_or_name: Callable[..., Any] | str, /, **kwargs: Any) -> None:
    """Run a task after the current transaction commits: one outbox row, written in that transaction.

    Nothing runs if the transaction rolls back; outside a transaction the row commits at once.
    Keyword arguments must be JSON-serialisable; they come back through JSON, so a task sees the
    same values however it is drained. Failures are logged and retried, never raised: a failed
    notification must not break the request that caused it.
    """
    spec = _resolve(fn_or_name)
    _write(spec.name, _as_json(spec.name, kwargs), "")


def enqueue_batched(fn_or_name: Callable[..., Any] | str, /, *, key: str, item: Any) -> None:
    """Run the task with `key=[every item asked for]`: one call for all the rows waiting when it runs.

    For tasks that read the state when they run (a refresh), where one run for many items is much
    cheaper than one each. Each call writes one row holding its item; the drainer merges every
    waiting row of the task (of this transaction and of others) into one call, each item once.
    A row written in a savepoint that rolls back is gone with it, so no item runs that never was.
    """
    enqueue_batched_each([(fn_or_name, key, item)])


def enqueue_batched_each(calls: list[tuple[Callable[..., Any] | str, str, Any]], /) -> None:
    """`enqueue_batched` for several tasks at once, as (task, key, item): their rows in one INSERT."""
    rows = []
    for fn_or_name, key, item in calls:
        spec = _resolve(fn_or_name)
        rows.append((spec.name, _as_json(spec.name, {key: [item]}), key))
    _write_rows(rows)


def enqueue_batched_items(fn_or_name: Callable[..., Any] | str, /, *, key: str, items: list[Any]) -> None:
    """`enqueue_batched` for many items in one outbox row (a bulk writer's chunk): merged with the other
    waiting rows of the task like any, each item once."""
    if items:
        spec = _resolve(fn_or_name)
        _write_rows([(spec.name, _as_json(spec.name, {key: list(items)}), key)])


def _as_json(name: str, kwargs: dict[str, Any]) -> dict[str, Any]:
    try:
        return json.loads(json.dumps(kwargs))
    except (TypeError, ValueError) as exc:
        # A programming error: raised at the call site, not hidden in a worker's log.
        raise TypeError(f"arguments of task {name} must be JSON-serialisable: {exc}") from exc


def _write(name: str, payload: dict[str, Any], batch_key: str) -> None:
    _write_rows([(name, payload, batch_key)])


def _write_rows(rows: list[tuple[str, dict[str, Any], str]]) -> None:
    from gridgov.core import outbox, statements
    from gridgov.core.models import OutboxItem

    if not rows:
        return
    # one statement for all (a report's follow-ups), its SQL built once: every step writes them
    statements.insert(*[OutboxItem(task=name, payload=payload, batch_key=key) for name, payload, key in rows])
    outbox.wrote()
    mode = drain_mode()
    if mode == "worker":
        return  # the sibling `gridgov worker` polls the outbox
    # One drain (or one Celery nudge) per transaction, after it commits: one callback per savepoint
    # that writes rows (a rolled-back one takes its own along), all of them sharing one Group that
    # acts once. (Reusing a callback registered earlier in the transaction would do in production,
    # but a test that captures only the callbacks of its last step would never see it run.)
    from django.db import connection

    here = tuple(connection.savepoint_ids)
    group = None
    for _sids, func, *_ in connection.run_on_commit:
        if isinstance(func, _AfterCommit) and not func.group.fired:
            if func.savepoints == here:
                return
            group = func.group
    transaction.on_commit(_AfterCommit(mode, here, group or _Group()))


def drain_mode() -> str:
    """ "celery" with GRIDGOV_REDIS_URL; else GRIDGOV_OUTBOX_DRAIN: "commit" (default) or "worker"."""
    from django.conf import settings

    from gridgov.celery import redis_url

    if redis_url():
        return "celery"
    mode = getattr(settings, "GRIDGOV_OUTBOX_DRAIN", "") or os.environ.get("GRIDGOV_OUTBOX_DRAIN", "") or "commit"
    return mode if mode in ("commit", "worker") else "commit"


class _Group:
    fired = False


class _AfterCommit:
    """The on-commit callback of a transaction that wrote outbox rows: drain them here, or nudge Celery."""

    def __init__(self, mode: str, savepoints: tuple, group: _Group) -> None:
        self.mode, self.savepoints, self.group = mode, savepoints, group

    def __call__(self) -> None:
        from gridgov.core import outbox

        if self.group.fired:
            return
        self.group.fired = True
        if outbox.draining():
            return  # this thread is draining: its loop takes the new rows next
        if self.mode == "celery":
            try:
                get(DRAIN_TASK).celery.apply_async()
            except Exception:
                # The rows are committed; the periodic drain (beat) will run them.
                logger.exception("could not send %s to Celery", DRAIN_TASK)
            return
        try:
            outbox.drain_outbox()
        except Exception:
            # The caller's transaction has committed: failing it now would report a false error.
            logger.exception("draining the outbox after commit failed")


def run_inline(name: str, kwargs: dict[str, Any] | None = None) -> bool:
    """Run a task in this process; log and swallow its failure. True when it succeeded."""
    try:
        get(name).fn(**(kwargs or {}))
    except Exception:
        logger.exception("task %s %s failed", name, json.dumps(kwargs or {}, ensure_ascii=False))
        return False
    return True


def periodic_tasks() -> dict[str, int]:
    """Registered periodic tasks, name → seconds: gridgov.celery.SCHEDULE plus every @task(every=N)."""
    from gridgov.celery import SCHEDULE

    discover()
    schedule = dict(SCHEDULE)
    schedule.update({t.name: t.every for t in _registry.values() if t.every})
    missing = sorted(set(schedule) - set(_registry))
    if missing:
        logger.warning("scheduled tasks not found in any tasks module, skipped: %s", ", ".join(missing))
    return {name: every for name, every in schedule.items() if name in _registry}


def run_periodic(*, stop: threading.Event, once: bool = False) -> None:
    """The in-process worker: run each periodic task every N seconds until `stop` is set.

    Every task runs once at start, so a restarted worker catches up at once. Tasks run one after
    another in this thread; a failing one is logged and does not stop the others.
    """
    # The drain task is Celery's: the in-process worker drains continuously beside this loop.
    schedule = {name: every for name, every in periodic_tasks().items() if name != DRAIN_TASK}
    next_run = dict.fromkeys(schedule, 0.0)
    while not stop.is_set():
        for name, every in schedule.items():
            started = time.monotonic()
            if started < next_run[name] or stop.is_set():
                continue
            # A long-lived process: drop connections the database has closed, as a request would.
            close_old_connections()
            run_inline(name)
            close_old_connections()
            next_run[name] = started + every
        if once:
            return
        stop.wait(max(0.0, min(next_run.values(), default=time.monotonic() + 60) - time.monotonic()))


DRAIN_TASK = "gridgov.core.drain_outbox"


@task(name=DRAIN_TASK)
def drain_outbox_task() -> None:
    """Celery's drainer: nudged after each commit that wrote rows, and run by beat (celery.SCHEDULE)."""
    from gridgov.core import outbox

    outbox.drain_outbox(max_batches=50)  # bounded: a long backlog is shared with the next runs
