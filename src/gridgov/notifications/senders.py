"""Senders: how a notification leaves the inbox (短信, 微信 …), chosen by GRIDGOV_NOTIFY_SENDERS.

Each sender is a class with `send(notification)`. The inbox row itself is the in-app channel, so
the default only logs. Real SMS or WeChat gateways subclass `PhoneSender` and override `deliver`;
the ones here only log what they would send, with the phone number masked: no network.
"""

import logging
from functools import cache

from django.conf import settings
from django.utils.module_loading import import_string

from gridgov.core.privacy import mask_phone
from gridgov.notifications.models import Notification

logger = logging.getLogger("gridgov.notifications")

DEFAULT_SENDERS = ["gridgov.notifications.senders.LogSender"]


class Sender:
    """The interface: deliver one notification through one channel; raise on failure."""

    def send(self, notification: Notification) -> None:
        raise NotImplementedError


class LogSender(Sender):
    def send(self, notification: Notification) -> None:
        logger.info(
            "notification %s to user %s: [%s] %s %s",
            notification.pk,
            notification.recipient_id,
            notification.kind,
            notification.title,
            notification.link,
        )


class PhoneSender(Sender):
    """A channel that reaches people by mobile number. Subclasses implement `deliver`."""

    channel = "phone"

    def phone_of(self, user) -> str:
        # Staff phones are their posts' work phones (people.Post.phone); a user model with its own
        # `phone` field wins.
        phone = getattr(user, "phone", "") or ""
        if not phone and hasattr(user, "posts"):
            phone = user.posts.exclude(phone="").values_list("phone", flat=True).first() or ""
        return phone

    def send(self, notification: Notification) -> None:
        phone = self.phone_of(notification.recipient)
        if not phone:
            logger.info(
                "%s: notification %s not sent, user %s has no phone",
                self.channel,
                notification.pk,
                notification.recipient_id,
            )
            return
        self.deliver(phone, notification)

    def deliver(self, phone: str, notification: Notification) -> None:
        logger.info("%s to %s: %s %s", self.channel, mask_phone(phone), notification.title, notification.link)

    def text(self, phone: str, body: str) -> None:
        """A plain text to a number that is nobody's account (a resident's one-time code): logged here."""
        logger.info("%s to %s: %s", self.channel, mask_phone(phone), body)


class SmsSender(PhoneSender):
    """短信: a gateway would send the title and link within one 70-character message."""

    channel = "sms"


class KeptSmsSender(SmsSender):
    """短信 that are only kept in this process (`KeptSmsSender.sent`, newest last) and logged: for tests and
    the demo, which read one-time codes from here instead of a phone."""

    sent: list[tuple[str, str]] = []  # (phone, text)

    def text(self, phone: str, body: str) -> None:
        KeptSmsSender.sent.append((phone, body))
        super().text(phone, body)


class WeChatSender(PhoneSender):
    """微信 (WeCom/企业微信, which finds staff by mobile): a gateway would send a template message."""

    channel = "wechat"


@cache
def _load(paths: tuple[str, ...]) -> tuple[Sender, ...]:
    return tuple(import_string(path)() for path in paths)


def configured_senders() -> tuple[Sender, ...]:
    """The senders named in GRIDGOV_NOTIFY_SENDERS, instantiated once per configuration."""
    return _load(tuple(getattr(settings, "GRIDGOV_NOTIFY_SENDERS", DEFAULT_SENDERS)))


def sms_sender() -> SmsSender:
    """The first SMS sender in GRIDGOV_NOTIFY_SENDERS, else one that only logs (the demo reads codes there)."""
    return next((s for s in configured_senders() if isinstance(s, SmsSender)), SmsSender())
