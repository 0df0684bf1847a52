import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from gridgov.core.backup import restore_backup
from gridgov.core.errors import GridgovError


class Command(BaseCommand):
    help = (
        "Restore a file made by `gridgov backup`: the database and the media folder are replaced, then every "
        "case's hash chain is checked. Stop the server first; --force when the database holds data."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--force", action="store_true", help="replace a database that holds data")
        parser.add_argument("--json", action="store_true", help="print the chain check as JSON")

    def handle(self, *args, file: Path, force: bool, json: bool = False, verbosity: int = 1, **options):
        progress = (lambda line: self.stderr.write(line)) if verbosity else None
        try:
            report = restore_backup(path=file, force=force, progress=progress)
        except GridgovError as exc:
            raise CommandError(exc.message) from exc
        m, chains = report.manifest, report.chains
        self.stdout.write(
            f"restored the backup of {m['created_at']} ({m['engine']}, gridgov {m['gridgov_version']}): "
            f"{m['counts']['cases']} cases, {m['counts']['events']} events, "
            f"{report.media_files} media files"
        )
        if json:
            self.stdout.write(_dumps(chains.as_dict()))
        else:
            result = chains.as_dict()
            self.stdout.write(f"{result['cases']} cases, {result['events']} events checked")
            for b in result["broken"]:
                self.stdout.write(f"BROKEN {b['number']} at event {b['seq']}: {b['problem']}")
        if not chains.ok:
            raise CommandError(
                f"restored, but {len(chains.as_dict()['broken'])} case file(s) fail the hash chain: "
                "is GRIDGOV_AUDIT_KEY (or GRIDGOV_SECRET_KEY) the one the backup was made with?"
            )


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)
