"""`gridgov cases import FILE` and `gridgov cases export FILE`: work orders (工单) in and out (CSV, Excel)."""

import json
import sys
from datetime import date
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from gridgov.core.dbrouter import reading_replica
from gridgov.core.errors import GridgovError
from gridgov.exchange.files import export_cases, import_orders
from gridgov.exchange.files.bulk import import_orders_bulk
from gridgov.exchange.files.columns import PRESETS
from gridgov.exchange.files.importing import SUMMARY_ONLY
from gridgov.people.actors import Actor, admin_actor

STAGES = {"check": "检查", "write": "写入"}


def dump(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{value} is not a date: use YYYY-MM-DD") from exc


class Bar:
    """A one-line progress bar on stderr: 检查 [#####     ] 512/1464."""

    def __init__(self, stream):
        self.stream = stream
        self.last: tuple[str, int] | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        step = done * 40 // max(total, 1)
        if (stage, step) == self.last and done != total:
            return
        self.last = (stage, step)
        bar = "#" * step + " " * (40 - step)
        self.stream.write(f"\r{STAGES.get(stage, stage)} [{bar}] {done}/{total}")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()


class Command(BaseCommand):
    help = "Work orders (工单) in and out: import a 12345 or historic file, export cases with results."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("import", help="work orders from .csv or .xlsx (all rows or none)")
        p.add_argument("file", type=Path)
        p.add_argument("--system", default="", help="whose numbers these are (default: 12345, or the --format's name)")
        p.add_argument("--format", dest="preset", choices=sorted(PRESETS), default="", help="a known outside file")
        p.add_argument("--dry-run", action="store_true", help="check and place every row, write nothing")
        p.add_argument(
            "--skip-unplaced",
            action="store_true",
            help="leave out (and count) the orders no grid holds, import the rest",
        )
        p.add_argument("--as", dest="username", default="", help="act as this account (default: the system)")
        p.add_argument(
            "--bulk", action="store_true", help="a large file: in chunks, written in bulk (the same cases, faster)"
        )
        p.add_argument("--json", action="store_true")
        p = sub.add_parser("export", help="cases as work orders with results and replies (.csv or .xlsx)")
        p.add_argument("file", type=Path)
        p.add_argument("--since", type=_day, help="reported on or after this day (YYYY-MM-DD)")
        p.add_argument("--until", type=_day, help="reported on or before this day (YYYY-MM-DD)")
        p.add_argument("--region", help="only cases in the grid subtree of this code")
        p.add_argument("--as", dest="username", default="", help="act as this account (default: the system)")
        p.add_argument("--json", action="store_true")

    def handle(self, *args, action, **options):
        return getattr(self, f"do_{action}")(**options)

    def _actor(self, username: str, label: str) -> Actor:
        if not username:
            return Actor.system(label)
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"no account {username}")
        return admin_actor(user)

    def do_import(
        self,
        *,
        file: Path,
        system="",
        preset="",
        dry_run=False,
        skip_unplaced=False,
        username="",
        bulk=False,
        json=False,
        **_,
    ):
        actor = self._actor(username, "cases import")
        report = (import_orders_bulk if bulk else import_orders)(
            actor=actor,
            path=file,
            system=system or preset or "12345",
            preset=preset,
            dry_run=dry_run,
            skip_unplaced=skip_unplaced,
            progress=None if json else Bar(sys.stderr),
        )
        if json:
            self.stdout.write(dump(report))
        else:
            for e in report["errors"]:
                self.stderr.write(f"row {e['row']} {e['column']}: {e['message']}".replace("  ", " "))
            if not report["errors"]:
                counts = {k: v for k, v in report.items() if k not in SUMMARY_ONLY}
                self.stdout.write(self.style.SUCCESS(" ".join(f"{k}={v}" for k, v in counts.items())))
                for reason, count in report["unplaced_reasons"].items():
                    self.stdout.write(f"  unplaced {count}: {reason}")
        if report["errors"]:
            raise CommandError(f"{len(report['errors'])} error(s): nothing was imported")

    def do_export(self, *, file: Path, since=None, until=None, region=None, username="", json=False, **_):
        actor = self._actor(username, "cases export")
        try:
            with reading_replica():  # a read replica when there is one; the audit entry is written on the primary
                count = export_cases(actor=actor, path=file, since=since, until=until, region=region)
        except GridgovError as exc:
            raise CommandError(exc.message) from exc
        except OSError as exc:
            raise CommandError(f"cannot write {file}: {exc}") from exc
        if json:
            self.stdout.write(dump({"exported": count, "file": str(file)}))
        else:
            self.stdout.write(self.style.SUCCESS(f"exported {count} cases to {file}"))
