"""`gridgov points sync`: credit the points due from below (accepted reports, 党员报到 hours); run it from cron
or the worker's beat as often as you like — every credit is written once (points/sources.py)."""

from django.core.management.base import BaseCommand

from gridgov.points.services import install_default_rules
from gridgov.points.sources import sync


class Command(BaseCommand):
    help = "Points (积分): sync credits from cases and 党员报到; install the default rules"

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["sync", "install-rules"])

    def handle(self, *args, action: str, **options):
        if action == "install-rules":
            self.stdout.write(f"rules created: {install_default_rules()}")
            return
        counts = sync()
        self.stdout.write(f"credited: {counts['cases']} accepted reports, {counts['hours']} volunteer answers")
