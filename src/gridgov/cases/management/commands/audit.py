import json

from django.core.management.base import BaseCommand, CommandError

from gridgov.cases.audit import verify_chains


class Command(BaseCommand):
    help = "Audit the electronic case files: `gridgov audit verify [--json] [NUMBER…]`."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("verify", help="check every case's event hash chain")
        p.add_argument("numbers", nargs="*")
        p.add_argument("--json", action="store_true")

    def handle(self, *args, action, numbers, json: bool = False, **options):
        report = verify_chains(numbers or None)
        if json:
            self.stdout.write(_dumps(report.as_dict()))
        else:
            self.stdout.write(f"{report.cases} cases, {report.events} events checked")
            for b in report.broken:
                self.stdout.write(f"BROKEN {b['number']} at event {b['seq']}: {b['problem']}")
        if not report.ok:
            raise CommandError(f"{len(report.broken)} case file(s) fail the hash chain")


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)
