import json
import os

from django.core.management.base import BaseCommand, CommandError

from gridgov.core import rotation


class Command(BaseCommand):
    help = (
        "The personal-data key: `gridgov datakey rotate [--dry-run] [--old-key-env NAME] [--batch N]` re-encrypts "
        "every encrypted column from the old key (GRIDGOV_DATA_KEY_OLD) to GRIDGOV_DATA_KEY (docs/security.md)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        rotate = sub.add_parser("rotate", help="re-encrypt every encrypted column under GRIDGOV_DATA_KEY")
        rotate.add_argument("--dry-run", action="store_true", help="open every value, count, write nothing")
        rotate.add_argument(
            "--old-key-env",
            default="GRIDGOV_DATA_KEY_OLD",
            help="the environment variable holding the old key (never the key itself on the command line)",
        )
        rotate.add_argument("--batch", type=int, default=rotation.BATCH, help="rows a transaction (default 500)")

    def handle(self, *args, action, dry_run: bool, old_key_env: str, batch: int, **options):
        old = os.environ.get(old_key_env, "").encode() or None
        if batch < 1:
            raise CommandError("--batch must be at least 1")
        try:
            if dry_run:
                report = rotation.check(old=old, batch=batch)
            else:
                report = rotation.rotate(old=old, batch=batch, source="command datakey rotate")
        except rotation.RotationError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(json.dumps({**report.as_dict(), "dry_run": dry_run}, ensure_ascii=False))
