import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from gridgov.core.rows import RowErrors
from gridgov.people.actors import Actor
from gridgov.registry import imports, organisation_imports

# the forms a community's file may be in: how to read it and which import writes it
FORMS = {
    "residents": (imports.read_file, imports.import_residents),
    "organisations": (organisation_imports.read_file, organisation_imports.import_organisations),
}


class Command(BaseCommand):
    help = (
        "The 一标三实 registry: `gridgov registry import FILE [--kind residents|organisations] [--as USER] "
        "[--check]` imports households and residents (the default) or organisations from a community's .xlsx "
        "(all rows or none)."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("import", help="households and residents, or organisations, from an .xlsx or .csv file")
        load.add_argument("file", type=Path)
        load.add_argument(
            "--kind",
            choices=sorted(FORMS),
            default="residents",
            help="the form of the file: residents (入户登记表, the default) or organisations (实有单位台账)",
        )
        load.add_argument("--as", dest="username", default="", help="import as this account (default: the system)")
        load.add_argument("--check", action="store_true", help="check every row, write nothing")

    def handle(self, *args, action, file: Path, username: str, check: bool, kind: str = "residents", **options):
        if not file.is_file():
            raise CommandError(f"no such file: {file}")
        actor = Actor.system("registry import")
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is None:
                raise CommandError(f"no account {username}")
            actor = Actor.of(user)
        try:
            read, write = FORMS[kind]
            rows = read(file.read_bytes(), file.name)
            counts = write(rows=rows, actor=actor, source=f"command {file.name}", check=check)
        except RowErrors as exc:
            for error in exc.errors:
                self.stderr.write(f"row {error.row}: {error.code + ': ' if error.code else ''}{error.message}")
            raise CommandError(exc.message) from None
        self.stdout.write(json.dumps({**counts, "checked_only": check}, ensure_ascii=False))
