import os
import signal
import threading
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from gridgov.celery import app, beat_schedule, redis_url
from gridgov.core.outbox import run_drainer
from gridgov.core.tasks import DRAIN_TASK, periodic_tasks, run_periodic


def celery_argv(*, concurrency: int, beat: bool, loglevel: str, schedule_file: Path, hostname: str = "") -> list[str]:
    argv = ["worker", "--loglevel", loglevel, "--concurrency", str(concurrency)]
    if hostname:
        # Several workers on one machine need names of their own (celery's default, celery@<host>, is shared).
        argv += ["--hostname", hostname]
    if beat:
        # Embedded beat: run it in exactly one worker process, or periodic tasks are sent twice
        # (harmless, tasks are idempotent, but wasted work).
        argv += ["--beat", "--schedule", str(schedule_file)]
    return argv


def yield_to_requests() -> None:
    """Lower this process's CPU priority (GRIDGOV_WORKER_NICE): the follow-up work may wait for a burst
    of requests to pass (docs/architecture.md §6), the requests may not wait for it."""
    if settings.GRIDGOV_WORKER_NICE > 0:
        os.nice(settings.GRIDGOV_WORKER_NICE)


class Command(BaseCommand):
    help = (
        "Background worker. With GRIDGOV_REDIS_URL: a Celery worker with embedded beat. Without: an "
        "in-process loop that drains the outbox (follow-up work) continuously and runs the periodic tasks "
        "(deadline sweeps …) on their schedule."
    )

    def add_arguments(self, parser):
        parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")
        parser.add_argument("--no-beat", action="store_true", help="Celery: do not embed beat (another worker runs it)")
        parser.add_argument(
            "--beat-only",
            action="store_true",
            help="Celery: run beat alone (every periodic task, no worker): the one beat beside --no-beat workers",
        )
        parser.add_argument("--hostname", default="", help="Celery: this worker's node name, e.g. worker1@%%h")
        parser.add_argument("--loglevel", default="INFO")
        parser.add_argument(
            "--schedule-file",
            type=Path,
            default=Path(getattr(settings, "PROJECT_DIR", ".")) / "var" / "celerybeat-schedule",
            help="Celery beat's state file",
        )
        parser.add_argument(
            "--once",
            action="store_true",
            help="run every periodic task once in this process, drain the outbox and exit",
        )

    def handle(self, *args, concurrency, no_beat, beat_only, hostname, loglevel, schedule_file, once, **options):
        schedule_file = Path(schedule_file)
        if not once:
            yield_to_requests()
        if redis_url() and not once:
            app.conf.beat_schedule = beat_schedule(periodic_tasks())
            schedule_file.parent.mkdir(parents=True, exist_ok=True)
            if beat_only:
                # The whole schedule (celery.SCHEDULE and every @task(every=N)), which `celery beat` alone
                # would not know: it reads only celery.SCHEDULE.
                app.start(["beat", "--loglevel", loglevel, "--schedule", str(schedule_file)])
                return
            app.worker_main(
                celery_argv(
                    concurrency=concurrency,
                    beat=not no_beat,
                    loglevel=loglevel,
                    schedule_file=schedule_file,
                    hostname=hostname,
                )
            )
            return
        stop = threading.Event()
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_: stop.set())
        if not once:
            names = ", ".join(
                f"{name} every {every}s" for name, every in periodic_tasks().items() if name != DRAIN_TASK
            )
            self.stdout.write(
                f"gridgov worker (in-process, no GRIDGOV_REDIS_URL): the outbox, {names or 'no periodic tasks'}"
            )
            self.stdout.flush()
        if once:
            run_periodic(stop=stop, once=True)
            run_drainer(stop=stop, once=True)
            return
        # Two threads, two connections: a long sweep never holds up the follow-up work of requests.
        periodic = threading.Thread(target=run_periodic, kwargs={"stop": stop}, name="periodic", daemon=True)
        periodic.start()
        try:
            run_drainer(stop=stop)
        except KeyboardInterrupt:
            stop.set()
        periodic.join(timeout=30)
