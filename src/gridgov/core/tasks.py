"""Background tasks (后台任务): one decorator, one way to enqueue, two ways to run them.

GRIDGOV_REDIS_URL unset (the embedded default): `enqueue` runs the task in this process right after
the current transaction commits. Set: it sends the task to Celery workers on Redis, also after commit.
The same code runs in both, so every task must be safe to run twice and on any worker (DESIGN.md §7):
Celery delivers at least once, and two workers may see the same row.

    @task
    def deliver_notification(*, notification_id: int) -> None: ...      # gridgov.notifications.deliver_notification

    @task(every=300)
    def sweep_deadlines() -> None: ...                                    # periodic: beat, or `gridgov worker`

    enqueue(deliver_notification, notification_id=n.pk)                  # or enqueue("gridgov.notifications.…", …)
"""

import importlib
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
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
    """Run a task after the current transaction commits: in-process, or on a Celery worker.

    Nothing runs if the transaction rolls back; outside a transaction the task runs (or is sent)
    at once. Keyword arguments must be JSON-serialisable; in-process runs get them back through
    JSON too, so a task sees the same values in both modes. Failures are logged, never raised:
    a failed notification must not break the request that caused it.
    """
    from gridgov.celery import redis_url

    spec = _resolve(fn_or_name)
    try:
        payload = json.loads(json.dumps(kwargs))
    except (TypeError, ValueError) as exc:
        # A programming error: raised at the call site, not hidden in a worker's log.
        raise TypeError(f"arguments of task {spec.name} must be JSON-serialisable: {exc}") from exc
    if redis_url():
        transaction.on_commit(partial(_send, spec, payload))
    else:
        transaction.on_commit(partial(run_inline, spec.name, payload))


def enqueue_batched(fn_or_name: Callable[..., Any] | str, /, *, key: str, item: Any) -> None:
    """Run the task once per transaction with `key=[every item asked for]` (each item once).

    For tasks that read the state when they run (a refresh), where one run for many items is much
    cheaper than one each. The items join the call already waiting for the commit; that call can
    only be dropped together with a savepoint around the step that adds to it (the waiting call's
    savepoints that are still open enclose the current one), so no item is ever lost on its own.
    """
    from django.db import connection

    item = json.loads(json.dumps(item))
    if connection.in_atomic_block:
        name = _resolve(fn_or_name).name
        for _sids, func, *_ in connection.run_on_commit:
            args = getattr(func, "args", ())
            if getattr(func, "func", None) in (run_inline, _send) and len(args) == 2 \
                    and getattr(args[0], "name", args[0]) == name and isinstance(args[1].get(key), list):
                if item not in args[1][key]:
                    args[1][key].append(item)  # the payload is sent or run only after the commit
                return
    enqueue(fn_or_name, **{key: [item]})


def _send(spec: Task, kwargs: dict[str, Any]) -> None:
    try:
        spec.celery.apply_async(kwargs=kwargs)
    except Exception:
        # The transaction has committed; failing the request now would report a false error.
        logger.exception("could not send task %s %s to Celery", spec.name, json.dumps(kwargs, ensure_ascii=False))


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
    schedule = periodic_tasks()
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
