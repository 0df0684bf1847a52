import contextlib
import ctypes
import os
import signal
import subprocess
import sys

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand


def die_with_parent() -> None:
    """Linux: the worker gets SIGTERM when the server (this process, after exec) goes away."""
    with contextlib.suppress(OSError, AttributeError):  # not Linux: no prctl
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def serve(port: int, workers: int, host: str = "127.0.0.1") -> None:
    """Replace this process by gunicorn serving the WSGI app (stateless: run as many as you like)."""
    call_command("migrate", interactive=False, verbosity=0)
    if not settings.GRIDGOV_REDIS_URL:
        # The embedded default has no Celery beat: a sibling process runs the periodic tasks (the
        # deadline sweep) and drains the outbox: requests only write follow-up work into it
        # (gridgov.core.tasks), the worker runs it. It shares our process group, so Ctrl-C stops both.
        os.environ["GRIDGOV_OUTBOX_DRAIN"] = "worker"  # inherited by the worker and gunicorn's children
        subprocess.Popen([sys.executable, "-m", "gridgov.cli", "worker"], preexec_fn=die_with_parent)
    args = [
        sys.executable,
        "-m",
        "gunicorn",
        "gridgov.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--timeout",
        "120",
    ]
    sys.stdout.write(f"gridgov serving on http://{host}:{port}/\n")
    sys.stdout.flush()
    os.execv(sys.executable, args)


class Command(BaseCommand):
    help = "Serve the web application and API (gunicorn)."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--workers", type=int, default=2)

    def handle(self, *args, port, host, workers, **options):
        serve(port, workers, host)
