"""The outbox (发件箱): follow-up work stored in the transaction that asked for it, run by a drainer.

`gridgov.core.tasks.enqueue` writes one OutboxItem row next to the caller's own writes; the row
exists exactly when that transaction committed. `drain_outbox` claims a bounded batch of due rows,
merges the rows of a batched task into one call, and runs each call in a savepoint together with
the deletion of its rows: the task's database writes and "done" commit together, so a drainer
killed at any moment leaves every row either done (and gone) or waiting (and its writes rolled
back). Exactly once for database effects; outside effects (an SMS) are at least once, which is why
tasks stay idempotent.

Two drainers never run the same row: PostgreSQL claims with FOR UPDATE SKIP LOCKED (the other
drainer takes the next rows), SQLite begins every transaction IMMEDIATE (settings), so the second
drainer waits for the first to commit and then no longer sees its rows. The batch is small because
on SQLite the drainer holds the one write lock that intake requests wait for.

A failing call is rolled back to its savepoint, its rows count the attempt and wait (backoff);
after MAX_ATTEMPTS they are marked dead and stay for a person (admin, `gridgov outbox`).
"""

from __future__ import annotations

import logging
import os
import threading
import traceback
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from gridgov.core.models import OutboxItem

logger = logging.getLogger("gridgov.tasks")

# Rows claimed per transaction: bounded, because SQLite's write lock is held meanwhile (intake waits on
# it); larger batches cost less per row. GRIDGOV_OUTBOX_BATCH overrides it.
BATCH = int(os.environ.get("GRIDGOV_OUTBOX_BATCH") or 200)
MAX_ATTEMPTS = 5  # then the rows are dead: kept, not retried, shown in the admin and `gridgov outbox`
BACKOFF_FIRST, BACKOFF_MAX = 10, 3600  # seconds: 10 s, 20 s, 40 s … at most an hour

_local = threading.local()  # `draining`: this thread is inside drain_outbox (nested drains are skipped)


@dataclass
class Drained:
    """What one drain did: rows done, rows failed (to be retried), rows now dead, calls made."""

    done: int = 0
    failed: int = 0
    dead: int = 0
    calls: int = 0
    tasks: dict[str, int] = field(default_factory=dict)  # rows done per task name

    def add(self, other: Drained) -> None:
        self.done, self.failed, self.dead = self.done + other.done, self.failed + other.failed, self.dead + other.dead
        self.calls += other.calls
        for name, count in other.tasks.items():
            self.tasks[name] = self.tasks.get(name, 0) + count

    @property
    def handled(self) -> int:
        return self.done + self.failed + self.dead


def draining() -> bool:
    return getattr(_local, "draining", False)


def wrote() -> None:
    """tasks.enqueue wrote a row in this thread: a drain under way looks again before it stops."""
    _local.wrote = True


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_MAX, BACKOFF_FIRST * 2 ** max(0, attempts - 1)))


def merged(rows: list[OutboxItem]) -> list[tuple[str, dict[str, Any], list[OutboxItem]]]:
    """The calls these rows make, in the order of their first row: (task, kwargs, rows).

    Rows of a batched task (same task and batch key, the same other arguments) become one call whose
    list argument holds every item once, in the order asked."""
    calls: dict[tuple, tuple[str, dict[str, Any], list[OutboxItem]]] = {}
    for row in rows:
        if not row.batch_key:
            calls[("one", row.pk)] = (row.task, dict(row.payload), [row])
            continue
        rest = {k: v for k, v in row.payload.items() if k != row.batch_key}
        group = ("batch", row.task, row.batch_key, repr(sorted(rest.items())))
        if group not in calls:
            calls[group] = (row.task, {**rest, row.batch_key: []}, [])
        items = calls[group][1][row.batch_key]
        for item in row.payload.get(row.batch_key, []):
            if item not in items:
                items.append(item)
        calls[group][2].append(row)
    return list(calls.values())


def _run(name: str, kwargs: dict[str, Any], rows: list[OutboxItem]) -> bool:
    """One call and the deletion of its rows, in a savepoint: both happen or neither. True if it ran."""
    from gridgov.core.tasks import get

    try:
        with transaction.atomic():
            get(name).fn(**kwargs)
            OutboxItem.objects.filter(pk__in=[r.pk for r in rows]).delete()
        return True
    except Exception as exc:
        logger.exception("task %s %s failed", name, _short(kwargs))
        for row in rows:
            row.error = "".join(traceback.format_exception_only(type(exc), exc)).strip()  # type: ignore[attr-defined]
        return False


def _short(kwargs: dict[str, Any]) -> str:
    import json

    text = json.dumps(kwargs, ensure_ascii=False)
    return text if len(text) <= 300 else text[:299] + "…"


def _fail(rows: Iterable[OutboxItem], result: Drained) -> None:
    now = timezone.now()
    for row in rows:
        attempts = row.attempts + 1
        dead = attempts >= MAX_ATTEMPTS
        OutboxItem.objects.filter(pk=row.pk).update(
            attempts=F("attempts") + 1,
            dead=dead,
            not_before=now + backoff(attempts),
            last_error=getattr(row, "error", "")[:4000],
        )
        if dead:
            result.dead += 1
            logger.error("outbox item %s (%s) failed %s times: marked dead", row.pk, row.task, attempts)
        else:
            result.failed += 1


def drain_batch(*, batch: int = BATCH) -> Drained:
    """Claim up to `batch` due rows and run them, in one transaction; see the module docstring."""
    result = Drained()
    due = OutboxItem.objects.filter(dead=False, not_before__lte=timezone.now())
    if not transaction.get_connection().in_atomic_block and not due.exists():
        return result  # idle: a plain read, so a polling worker never takes SQLite's write lock for nothing
    with transaction.atomic():
        rows = list(
            due.select_for_update(skip_locked=True)
            .only("task", "payload", "batch_key", "attempts")
            .order_by("pk")[:batch]
        )
        for name, kwargs, group in merged(rows):
            result.calls += 1
            if _run(name, kwargs, group):
                result.done += len(group)
                result.tasks[name] = result.tasks.get(name, 0) + len(group)
            elif len(group) == 1:
                _fail(group, result)
            else:
                # A merged call failed: run its rows one by one, so that one poisoned item is set
                # aside and the others go through.
                for row in group:
                    result.calls += 1
                    if _run(name, dict(row.payload), [row]):
                        result.done += 1
                        result.tasks[name] = result.tasks.get(name, 0) + 1
                    else:
                        _fail([row], result)
    return result


def drain_outbox(*, batch: int = BATCH, max_batches: int | None = None) -> Drained:
    """Run due rows, batch after batch, until none is due (or `max_batches` ran). Failures are logged.

    Called after commit (the default mode), by `gridgov worker` in a loop, and by the Celery task
    gridgov.core.drain_outbox. Inside a drain, this thread's nested calls return at once: the loop
    picks up the rows the tasks add."""
    total = Drained()
    if draining():
        return total
    _local.draining = True
    try:
        rounds = 0
        while max_batches is None or rounds < max_batches:
            rounds += 1
            _local.wrote = False
            result = drain_batch(batch=batch)
            total.add(result)
            if result.handled < batch and not _local.wrote:  # nothing more is due now, none added
                break
    finally:
        _local.draining = False
    return total


def status() -> dict[str, Any]:
    """Counts for `gridgov outbox` and the admin: waiting, due now, dead, per task; the oldest waiting."""
    from django.db.models import Count, Min

    now = timezone.now()
    live = OutboxItem.objects.filter(dead=False)
    per_task = {row["task"]: row["n"] for row in live.values("task").annotate(n=Count("id")).order_by("task")}
    dead = {
        row["task"]: row["n"]
        for row in OutboxItem.objects.filter(dead=True).values("task").annotate(n=Count("id")).order_by("task")
    }
    oldest = live.aggregate(at=Min("created_at"))["at"]
    return {
        "waiting": sum(per_task.values()),
        "due": live.filter(not_before__lte=now).count(),
        "retrying": live.filter(attempts__gt=0).count(),
        "dead": sum(dead.values()),
        "waiting_by_task": per_task,
        "dead_by_task": dead,
        "oldest_waiting": oldest.isoformat() if oldest else None,
    }


@transaction.atomic
def retry(*, ids: list[int] | None = None, task: str | None = None, actor=None) -> int:
    """Give dead (or waiting) rows another round now: attempts reset; returns how many."""
    rows = OutboxItem.objects.filter(pk__in=ids) if ids is not None else OutboxItem.objects.filter(dead=True)
    if task:
        rows = rows.filter(task=task)
    count = rows.update(dead=False, attempts=0, not_before=timezone.now())
    if count:
        from gridgov.core.audit import record

        record(
            actor=actor,
            action="outbox.retried",
            object_type="outbox",
            data={"ids": ids, "task": task or "", "count": count},
        )
    return count


def run_drainer(*, stop: threading.Event, once: bool = False, idle: float = 0.25, batch: int = BATCH) -> None:
    """`gridgov worker`'s loop: drain at once while rows remain, poll every `idle` seconds otherwise."""
    from django.db import close_old_connections

    while not stop.is_set():
        close_old_connections()  # a long-lived process: drop connections the database has closed
        try:
            result = drain_outbox(batch=batch, max_batches=1)
        except Exception:
            logger.exception("draining the outbox failed")  # the database was away: try again shortly
            result = Drained()
        if once and result.handled < batch:
            return
        if result.handled < batch:
            stop.wait(idle)
