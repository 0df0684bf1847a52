"""A process of its own for the outbox tests: fill the outbox, drain it, report what ran.

    python -m tests.core.outbox_child fill N      migrate core (a file database) and enqueue N items
    python -m tests.core.outbox_child drain B     drain in batches of B until the outbox is empty,
                                                  printing "batch <done>" after each committed batch
    python -m tests.core.outbox_child report      JSON: effects per key, rows left

The database comes from GRIDGOV_DATABASE_URL, as for every gridgov process.
"""

import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")

import django

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402

from gridgov.core import outbox  # noqa: E402
from gridgov.core.models import AuditEvent, OutboxItem  # noqa: E402
from gridgov.core.tasks import enqueue, enqueue_batched, task  # noqa: E402

EFFECT = "tests.outbox.effect"


@task(name="tests.outbox.effect")
def effect(*, key: str) -> None:
    """Deliberately not idempotent: a second run of the same row would show as a second row."""
    AuditEvent.objects.create(action=EFFECT, object_type="test", object_id=key)
    time.sleep(0.003)  # long enough that a kill lands inside a batch


@task(name="tests.outbox.effects")
def effects(*, keys: list[str]) -> None:
    AuditEvent.objects.bulk_create([AuditEvent(action=EFFECT, object_type="test", object_id=k) for k in keys])
    time.sleep(0.003)


def fill(count: int) -> None:
    if os.environ.get("GRIDGOV_DATABASE_URL", "").startswith("sqlite"):
        call_command("migrate", "core", interactive=False, verbosity=0)
    with transaction.atomic():
        for i in range(count):
            if i % 3 == 2:
                enqueue_batched(effects, key="keys", item=f"b{i}")  # merged with the other batched rows
            else:
                enqueue(effect, key=f"k{i}")


def drain(batch: int) -> None:
    while True:
        result = outbox.drain_outbox(batch=batch, max_batches=1)
        print(f"batch {result.done}", flush=True)
        if result.handled == 0:
            return


def report() -> None:
    keys: dict[str, int] = {}
    for key in AuditEvent.objects.filter(action=EFFECT).values_list("object_id", flat=True):
        keys[key] = keys.get(key, 0) + 1
    print(json.dumps({"effects": keys, "left": OutboxItem.objects.count()}))


if __name__ == "__main__":
    command, *args = sys.argv[1:]
    os.environ["GRIDGOV_OUTBOX_DRAIN"] = "worker"  # fill only writes; drain is the drainer's
    {"fill": lambda: fill(int(args[0])), "drain": lambda: drain(int(args[0])), "report": report}[command]()
