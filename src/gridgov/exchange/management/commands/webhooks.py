"""`gridgov webhooks add|list|deliver`: outside systems' subscriptions to case events (exchange.webhooks)."""

import json

from django.core.management.base import BaseCommand, CommandError

from gridgov.core.errors import GridgovError
from gridgov.exchange import outbound, webhooks
from gridgov.exchange.models import Subscription


class Command(BaseCommand):
    help = "Webhooks (事件推送): `add` a subscription (its secret is shown once), `list` them, `deliver` one round now."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="subscribe a URL to case events; prints the secret once")
        add.add_argument("--name", required=True, help="the outside system's name")
        add.add_argument("--url", required=True, help="where events are POSTed (http:// or https://)")
        add.add_argument("--events", default="", help="case actions separated by commas (dispatch,close); default all")
        add.add_argument("--region", default="", help="a grid code: only cases under it (default every case)")
        add.add_argument("--secret", default="", help="the secret to sign with (default: a new random one)")
        add.add_argument("--json", action="store_true", help="print {id, name, url, secret}")
        listing = sub.add_parser("list", help="the subscriptions and their messages per status")
        listing.add_argument("--json", action="store_true")
        deliver = sub.add_parser("deliver", help="send what is due to the webhooks now (one round)")
        deliver.add_argument("--json", action="store_true")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(options)

    def _out(self, options, data, text: str) -> None:
        self.stdout.write(json.dumps(data, ensure_ascii=False) if options["json"] else text)

    def _add(self, options) -> None:
        try:
            sub, secret = webhooks.create_subscription(
                name=options["name"],
                url=options["url"],
                events=[e for e in options["events"].replace("，", ",").split(",") if e.strip()],
                region=options["region"],
                secret=options["secret"],
            )
        except GridgovError as exc:
            raise CommandError(exc.message) from exc
        data = {"id": sub.pk, "name": sub.name, "url": sub.url, "secret": secret}
        self._out(options, data, f"{sub.name} → {sub.url}\nsecret: {secret}  (shown once)")

    def _list(self, options) -> None:
        rows = [
            {
                "id": sub.pk,
                "name": sub.name,
                "url": sub.url,
                "events": sub.events,
                "region": sub.region or None,
                "active": sub.active,
                "inactive_reason": sub.inactive_reason,
                "messages": outbound.stream_status(sub.destination),
            }
            for sub in Subscription.objects.defer("secret").order_by("id")
        ]
        lines = [
            f"{r['id']:>4} {'on ' if r['active'] else 'off'} {r['name']}  {r['url']}  "
            f"events={','.join(r['events']) or '*'} region={r['region'] or '*'} {r['messages']}"
            for r in rows
        ]
        self._out(options, rows, "\n".join(lines) or "-")

    def _deliver(self, options) -> None:
        result = outbound.deliver_due(destination=webhooks.KIND).as_dict()
        self._out(options, result, " ".join(f"{k} {v}" for k, v in result.items()))
