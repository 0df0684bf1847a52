from django.apps import AppConfig
from django.utils.translation import pgettext_lazy


class ExchangeConfig(AppConfig):
    name = "gridgov.exchange"
    label = "exchange"
    verbose_name = pgettext_lazy("app", "Exchange")

    def ready(self) -> None:
        from gridgov.cases.signals import case_events_committed
        from gridgov.exchange import webhooks  # registers the "webhook" transport
        from gridgov.exchange.hotline import push  # registers the "12345" transport

        # webhooks: one message per case event and matching subscription, in the follow-up task's transaction
        case_events_committed.connect(webhooks.on_case_events, dispatch_uid="exchange.webhooks")
        # the 12345 adapter: the steps of cases pulled from the city go back to it
        case_events_committed.connect(push.on_case_events, dispatch_uid="exchange.hotline")
