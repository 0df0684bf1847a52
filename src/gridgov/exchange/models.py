"""What exchange keeps: outside work orders behind cases, and the messages it sends out."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridgov.core.crypto import EncryptedTextField


class WorkOrder(models.Model):
    """An outside work order (工单) behind a case: the city 12345 platform's number, or a historic
    file's. (system, number) is unique, so a re-sent or re-imported order never makes a second case."""

    system = models.CharField(_("system"), max_length=32)  # "12345", or what an import names
    number = models.CharField(_("work order number"), max_length=64)
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("case"))
    source = models.CharField(_("arrived by"), max_length=16)  # "pull" (the 12345 adapter) or "import"
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    # the order's own fields as mapped (no caller name or phone: those live encrypted on the case)
    data = models.JSONField(_("order fields"), default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        constraints = [models.UniqueConstraint(fields=["system", "number"], name="exchange_workorder_unique")]

    def __str__(self) -> str:
        return f"{self.system} {self.number}"


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("waiting")
    DELIVERED = "delivered", _("delivered")
    REFUSED = "refused", _("refused by the receiver")
    DEAD = "dead", _("failed too often")


class OutboundMessage(models.Model):
    """One HTTP JSON message to an outside system (出站消息), delivered at least once and in order per
    stream: (destination, stream) is e.g. ("webhook:3", a case number) or ("12345", a case number),
    and `seq` orders it there. A message not yet delivered holds back the later ones of its stream."""

    destination = models.CharField(_("destination"), max_length=64)
    stream = models.CharField(_("stream"), max_length=64)
    seq = models.PositiveIntegerField(_("sequence"))
    kind = models.CharField(_("kind"), max_length=48)
    body = models.JSONField(_("body"), default=dict)
    status = models.CharField(
        _("status"), max_length=12, choices=MessageStatus.choices, default=MessageStatus.PENDING, db_index=True
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_at = models.DateTimeField(_("next attempt at"), db_index=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        constraints = [models.UniqueConstraint(fields=["destination", "stream", "seq"], name="exchange_message_order")]
        indexes = [models.Index(fields=["destination", "status", "next_at"])]

    def __str__(self) -> str:
        return f"{self.destination} {self.stream} #{self.seq} {self.kind}"


class DeliveryAttempt(models.Model):
    """One try at sending a message (投递记录): when, the HTTP status or the error, how long it took."""

    message = models.ForeignKey(
        OutboundMessage, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("message")
    )
    at = models.DateTimeField(_("time"))
    status_code = models.PositiveSmallIntegerField(_("HTTP status"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=MessageStatus.choices)
    error = models.TextField(_("error"), blank=True)
    response = models.TextField(_("response"), blank=True)  # the first 2,000 characters
    duration_ms = models.PositiveIntegerField(_("duration (ms)"), default=0)

    class Meta:
        ordering = ["id"]
        verbose_name = _("delivery attempt")
        verbose_name_plural = _("delivery attempts")

    def __str__(self) -> str:
        return f"{self.message_id} {self.at:%Y-%m-%d %H:%M:%S} {self.outcome}"


class Counter(models.Model):
    """The last `seq` used per stream ("destination|stream"), bumped by core.sequences.next_value."""

    key = models.CharField(primary_key=True, max_length=140)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("message counter")
        verbose_name_plural = _("message counters")

    def __str__(self) -> str:
        return f"{self.key}: {self.last}"


class PullCursor(models.Model):
    """Where the last pull from an outside system stopped (its own opaque cursor), to resume there."""

    system = models.CharField(_("system"), max_length=32, primary_key=True)
    cursor = models.CharField(_("cursor"), max_length=200, blank=True)
    pulled_at = models.DateTimeField(_("last pulled at"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)

    class Meta:
        verbose_name = _("pull cursor")
        verbose_name_plural = _("pull cursors")

    def __str__(self) -> str:
        return f"{self.system}: {self.cursor}"


class ReturnedOrder(models.Model):
    """An outside work order sent back unopened (退回), e.g. outside the district: kept so that the
    same order sent again is not returned twice."""

    system = models.CharField(_("system"), max_length=32)
    number = models.CharField(_("work order number"), max_length=64)
    reason = models.TextField(_("reason"))
    returned_at = models.DateTimeField(_("returned at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("returned work order")
        verbose_name_plural = _("returned work orders")
        constraints = [models.UniqueConstraint(fields=["system", "number"], name="exchange_returned_unique")]

    def __str__(self) -> str:
        return f"{self.system} {self.number}"


class Subscription(models.Model):
    """An outside system's webhook subscription (事件订阅): the case events it wants, POSTed to its URL and
    signed with its secret (exchange.webhooks). Switched off, never deleted: its messages name it."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    url = models.URLField(pgettext_lazy("webhooks", "URL"), max_length=500)
    # the HMAC key, encrypted at rest (core.crypto); shown once when made or rotated
    secret = EncryptedTextField(pgettext_lazy("webhooks", "secret"))
    # case actions ("dispatch", "close" …) it wants; empty: every action
    events = models.JSONField(pgettext_lazy("webhooks", "events"), default=list, blank=True)
    # a grid code: only cases whose grid code starts with it; empty: every case
    region = models.CharField(pgettext_lazy("webhooks", "region"), max_length=18, blank=True)
    active = models.BooleanField(pgettext_lazy("webhooks", "active"), default=True)
    inactive_reason = models.CharField(_("why inactive"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        ordering = ["id"]
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.name

    @property
    def destination(self) -> str:
        """Its messages' destination in outbound (OutboundMessage.destination)."""
        return f"webhook:{self.pk}"
