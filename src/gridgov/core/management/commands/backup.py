from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gridgov.core.backup import make_backup
from gridgov.core.errors import GridgovError


class Command(BaseCommand):
    help = "Back up the database and the uploaded photos into one file: `gridgov backup FILE` (a .tar.gz)."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)

    def handle(self, *args, file: Path, verbosity: int = 1, **options):
        progress = (lambda line: self.stderr.write(line)) if verbosity else None
        try:
            manifest = make_backup(path=file, progress=progress)
        except GridgovError as exc:
            raise CommandError(exc.message) from exc
        counts = manifest["counts"]
        self.stdout.write(
            f"{file}: {counts['cases']} cases, {counts['events']} events, {counts['audit']} audit "
            f"entries, {len(manifest['members']) - 1} media files ({manifest['engine']})"
        )
