"""`gridgov open311 key --name N [--per-minute 60] [--json]`: a new API key for a client application."""

import json

from django.core.management.base import BaseCommand, CommandError

from gridgov.core.errors import GridgovError
from gridgov.open311.keys import create_key


class Command(BaseCommand):
    help = "Open311 GeoReport v2: `gridgov open311 key --name NAME --json` makes an API key (shown once)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        key = sub.add_parser("key", help="make an API key for a client application; prints it once")
        key.add_argument("--name", required=True, help="the client application's name")
        key.add_argument("--per-minute", type=int, default=60, help="requests per minute allowed (default 60)")
        key.add_argument("--json", action="store_true", help="print {name, api_key}")

    def handle(self, *args, action, **options):
        try:
            key, plain = create_key(name=options["name"], per_minute=options["per_minute"])
        except GridgovError as exc:
            raise CommandError(exc.message) from exc
        if options["json"]:
            self.stdout.write(json.dumps({"name": key.name, "api_key": plain}, ensure_ascii=False))
        else:
            self.stdout.write(f"{key.name}: {plain}  (shown once; {key.per_minute} requests per minute)")
