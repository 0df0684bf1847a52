import json

from django.core.management.base import BaseCommand, CommandError

from gridgov.core.errors import GridgovError
from gridgov.exchange.hotline.config import DESTINATION
from gridgov.exchange.hotline.pull import pull_orders
from gridgov.exchange.outbound import deliver_due, stream_status


class Command(BaseCommand):
    help = "The city 12345 exchange: pull work orders now, deliver what waits, or show the counts."

    def add_arguments(self, parser):
        parser.add_argument("action", choices=["pull", "deliver", "status"])
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, action, json: bool, **options):
        try:
            if action == "pull":
                data = pull_orders().as_dict()
            elif action == "deliver":
                data = deliver_due(destination=DESTINATION).as_dict()
            else:
                data = {"messages": stream_status(DESTINATION)}
        except GridgovError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(_dumps(data) if json else "\n".join(f"{k}: {v}" for k, v in data.items()))


def _dumps(data) -> str:
    return json.dumps(data, ensure_ascii=False)
