"""The Celery application for background work at scale (docs/architecture.md §4, §10).

Used only when GRIDGOV_REDIS_URL is set; otherwise tasks run in-process (gridgov.core.tasks).
Start workers with `gridgov worker`. Every task must be safe to run twice and on any worker:
with acks_late a task whose worker dies is delivered again.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")

# Periodic tasks by name → seconds between runs. Tasks declared with @task(every=N) join them
# (gridgov.core.tasks.periodic_tasks), for Celery beat and for the in-process loop alike.
SCHEDULE: dict[str, int] = {
    "gridgov.cases.sweep_deadlines": 5 * 60,
    # The outbox (gridgov.core.outbox): each commit nudges a drain; this catches lost nudges and retries.
    "gridgov.core.drain_outbox": 10,
}

app = Celery("gridgov")


def redis_url() -> str:
    """GRIDGOV_REDIS_URL from the settings (the environment before settings.py declares it)."""
    from django.conf import settings

    return getattr(settings, "GRIDGOV_REDIS_URL", None) or os.environ.get("GRIDGOV_REDIS_URL", "")


def beat_schedule(schedule: dict[str, int]) -> dict[str, dict]:
    return {name: {"task": name, "schedule": float(seconds)} for name, seconds in schedule.items()}


def configure(url: str | None = None, **overrides) -> Celery:
    """Point the app at a Redis URL (default: GRIDGOV_REDIS_URL); tests pass their own DB and queue."""
    url = redis_url() if url is None else url
    app.conf.update(
        # Without Redis nothing is sent; "memory://" keeps the app importable and inspectable.
        broker_url=url or "memory://",
        broker_connection_retry_on_startup=True,
        # A task not acknowledged within the visibility timeout is handed to another worker.
        broker_transport_options={"visibility_timeout": 3600},
        # Results live in the database; nobody waits on a task's return value.
        result_backend=None,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        result_serializer="json",
        timezone="Asia/Shanghai",
        enable_utc=True,
        # Acknowledge after the task ran, and again deliver the task of a worker that died:
        # at-least-once, which is why tasks are idempotent.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        # Django's LOGGING stays in charge of log output.
        worker_hijack_root_logger=False,
        beat_schedule=beat_schedule(SCHEDULE),
        **overrides,
    )
    # Drop pooled broker connections made with the previous URL (what Celery does after a fork).
    app._pool = None
    if "amqp" in app.__dict__:
        app.amqp._producer_pool = None
    return app


configure()
# Import the tasks modules of every installed app when a worker starts.
app.autodiscover_tasks()
