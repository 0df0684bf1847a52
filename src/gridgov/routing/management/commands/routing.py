import json

from django.core.management.base import BaseCommand, CommandError

from gridgov.routing.services import RoutingDataError, load_all


class Command(BaseCommand):
    help = "Categories and the dispatch catalogue (分类与派单目录)."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        p = sub.add_parser("load", help="load the category trees, a district's units and its dispatch catalogue")
        p.add_argument("--district", default="410102", help="6-digit district code (default 410102, 中原区)")
        p.add_argument("--json", action="store_true")

    def handle(self, *args, action, **options):
        return getattr(self, f"do_{action}")(**options)

    def do_load(self, *, district, json=False, **_):
        try:
            counts = load_all(district=district)
        except RoutingDataError as exc:
            raise CommandError(str(exc)) from exc
        if json:
            self.stdout.write(dumps(counts))
            return
        for part in ("categories", "units", "catalogue"):
            c = counts[part]
            self.stdout.write(f"{part}: created {c['created']}, updated {c['updated']}, unchanged {c['unchanged']}")
        for tree, n in counts["categories"]["trees"].items():
            self.stdout.write(f"  {tree}: {n['branches']} branches, {n['leaves']} leaves")


def dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2)
