"""`gridgov people …`: the grid roster in (花名册导入) and the grids outside their household-size rule."""

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from gridgov.core.admin_io import read_table
from gridgov.core.rows import RowErrors
from gridgov.grids.size_rules import grids_outside_rule
from gridgov.people.roster import COLUMNS, import_roster


def dump(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


class Command(BaseCommand):
    help = "People in the grids: import a roster (花名册), list grids outside their household-size rule."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser(
            "import-roster", help="posts from a roster (.xlsx or .csv: 姓名, 单位, 职务, 联系电话, 网格编码 …)"
        )
        p.add_argument("file")
        p.add_argument("--check", action="store_true", help="check every row and write nothing")
        p.add_argument("--json", action="store_true")
        p = sub.add_parser("size-check", help="grids whose household count is outside their area's rule")
        p.add_argument("--root", default="", help="only the subtree under this code")
        p.add_argument("--json", action="store_true")

    def handle(self, *args, action, **options):
        return getattr(self, "do_" + action.replace("-", "_"))(**options)

    def do_import_roster(self, *, file, check=False, json=False, **_):
        path = Path(file)
        try:
            with transaction.atomic():
                rows = read_table(path.read_bytes(), path.name, COLUMNS)
                result = import_roster(rows=rows, source=f"command {path.name}")
                if check:
                    transaction.set_rollback(True)
        except OSError as exc:
            raise CommandError(f"cannot read {file}: {exc}") from exc
        except RowErrors as exc:
            if json:
                self.stdout.write(dump({"errors": [e.as_dict() for e in exc.errors]}))
            else:
                for e in exc.errors:
                    self.stderr.write(f"row {e.row} {e.code}: {e.message}" if e.row else e.message)
            raise CommandError(str(exc)) from exc
        result = {**result, "checked_only": check}
        if json:
            self.stdout.write(dump(result))
        else:
            verb = "would create" if check else "created"
            self.stdout.write(
                self.style.SUCCESS(
                    f"{verb} {result['created']}, updated {result['updated']}, unchanged {result['unchanged']} posts; "
                    f"{result['users_created']} new accounts (no password yet)"
                )
            )

    def do_size_check(self, *, root="", json=False, **_):
        flagged = grids_outside_rule(root=root)
        if json:
            self.stdout.write(dump(flagged))
            return
        for g in flagged:
            self.stdout.write(f"{g['code']} {g['name']}: {g['households']} households, rule {g['min']}–{g['max']}")
        self.stdout.write(f"{len(flagged)} grids outside their rule")
