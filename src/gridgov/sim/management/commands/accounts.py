import json

from django.core.management.base import BaseCommand

from gridgov.sim.models import DemoAccount


class Command(BaseCommand):
    help = "The demo accounts: username, password, role and scope, one entry per post."

    def add_arguments(self, parser):
        parser.add_argument("--json", action="store_true")
        parser.add_argument("--role", help="only this role")

    def handle(self, *args, json: bool = False, role: str | None = None, **options):
        rows = DemoAccount.objects.all()
        if role:
            rows = rows.filter(role=role)
        data = [{"username": a.username, "password": a.password, "role": a.role, "scope": a.scope} for a in rows]
        if json:
            self.stdout.write(_dumps(data))
            return
        if not data:
            self.stdout.write("no demo accounts: run `gridgov demo` first")
        for a in data:
            self.stdout.write(f"{a['role']:<20} {a['scope']:<18} {a['username']:<28} {a['password']}")


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False, indent=1)
