"""Messages to outside systems (出站消息): written in the caller's transaction, delivered in order per stream.

`enqueue_message` stores an OutboundMessage beside the caller's writes, so a message exists exactly when
what it reports committed. `deliver_due` (a periodic task, and called directly by tests and tools) sends
them over HTTP, outside any transaction: per stream — one case at one destination — the lowest `seq` not
yet delivered goes first, and a message that fails holds back the later ones of its stream until it
goes through (backoff, then dead after MAX_ATTEMPTS, until a person redelivers it). At least once and in
order per case; a receiver must accept a message twice (each carries a stable id).

A destination kind ("webhook", "12345") registers its transport: how a message is sent, and what a
refusal means (`after`, run in the transaction that records the attempt).
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from gridgov.core.audit import record
from gridgov.core.outbox import backoff
from gridgov.core.sequences import next_value
from gridgov.exchange.models import Counter, DeliveryAttempt, MessageStatus, OutboundMessage

logger = logging.getLogger("gridgov.exchange")

MAX_ATTEMPTS = 12  # 10 s doubling to an hour between tries: about 4 hours before a message is dead
LEASE = timedelta(seconds=120)  # a claimed message is not claimed again meanwhile (another worker)
TIMEOUT = 10.0  # seconds per HTTP request


@dataclass(frozen=True)
class Outcome:
    """What one try gave: delivered, retry (a network error, 5xx, 429) or refused (the receiver said no)."""

    status: str  # MessageStatus value, or "retry"
    status_code: int | None = None
    error: str = ""
    response: str = ""


@dataclass(frozen=True)
class Transport:
    send: Callable[[OutboundMessage], Outcome]
    # run in the transaction that records a refusal (e.g. the city refused a reply: tell the case)
    refused: Callable[[OutboundMessage, Outcome], None] | None = None


_transports: dict[str, Transport] = {}


def register_transport(
    kind: str,
    send: Callable[[OutboundMessage], Outcome],
    *,
    refused: Callable[[OutboundMessage, Outcome], None] | None = None,
) -> None:
    """Make destinations "KIND" and "KIND:…" deliverable (called from an AppConfig.ready or a module import)."""
    _transports[kind] = Transport(send=send, refused=refused)


def _transport(destination: str) -> Transport:
    kind = destination.split(":", 1)[0]
    if kind not in _transports:
        raise LookupError(f"no transport for destination {destination!r}")
    return _transports[kind]


def enqueue_message(*, destination: str, stream: str, kind: str, body: dict[str, Any]) -> OutboundMessage:
    """Store a message to send after commit; its `seq` is the next of its stream (race-safe)."""
    seq = next_value(Counter, f"{destination}|{stream}")
    return OutboundMessage.objects.create(
        destination=destination, stream=stream, seq=seq, kind=kind, body=body, next_at=timezone.now()
    )


def post_json(
    url: str, body: dict[str, Any], *, headers: dict[str, str] | None = None, timeout: float = TIMEOUT
) -> Outcome:
    """POST a JSON body; 2xx is delivered, 4xx (but 408/429) refused, anything else worth a retry."""
    data = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    return post_bytes(url, data, headers=headers, timeout=timeout)


def post_bytes(url: str, data: bytes, *, headers: dict[str, str] | None = None, timeout: float = TIMEOUT) -> Outcome:
    request = urllib.request.Request(
        url, data=data, method="POST", headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            text = response.read(2000).decode("utf-8", "replace")
            return Outcome(str(MessageStatus.DELIVERED), response.status, response=text)
    except urllib.error.HTTPError as exc:
        text = exc.read(2000).decode("utf-8", "replace")
        final = 400 <= exc.code < 500 and exc.code not in (408, 429)
        return Outcome(str(MessageStatus.REFUSED) if final else "retry", exc.code, f"HTTP {exc.code}", text)
    except (OSError, ValueError) as exc:  # refused connection, timeout, DNS, a bad URL
        return Outcome("retry", None, f"{type(exc).__name__}: {exc}")


@dataclass
class Delivered:
    """What one round did, in messages."""

    delivered: int = 0
    refused: int = 0
    retrying: int = 0
    dead: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


def _heads(*, destination: str | None, limit: int) -> list[OutboundMessage]:
    """The first undelivered message of each stream, if it is due (a later one waits behind it)."""
    now = timezone.now()
    open_ = OutboundMessage.objects.filter(status__in=[MessageStatus.PENDING, MessageStatus.DEAD])
    if destination:
        open_ = open_.filter(Q(destination=destination) | Q(destination__startswith=destination + ":"))
    heads: dict[tuple[str, str], OutboundMessage] = {}
    # streams with something due, then each stream's lowest open message
    due = open_.filter(status=MessageStatus.PENDING, next_at__lte=now).values_list("destination", "stream").distinct()
    for dest, stream in due[:limit]:
        head = open_.filter(destination=dest, stream=stream).order_by("seq").first()
        if head and head.status == MessageStatus.PENDING and head.next_at <= now:
            heads[(dest, stream)] = head
    return list(heads.values())


def _claim(message: OutboundMessage) -> bool:
    now = timezone.now()
    return bool(
        OutboundMessage.objects.filter(pk=message.pk, status=MessageStatus.PENDING, next_at__lte=now).update(
            next_at=now + LEASE
        )
    )


def _record(message: OutboundMessage, outcome: Outcome, took_ms: int, result: Delivered) -> str:
    """Write the attempt and the message's new state, in one transaction; returns the new status."""
    now = timezone.now()
    attempts = message.attempts + 1
    status: str = outcome.status
    if status == "retry":
        status = str(MessageStatus.DEAD if attempts >= MAX_ATTEMPTS else MessageStatus.PENDING)
    with transaction.atomic():
        DeliveryAttempt.objects.create(
            message=message,
            at=now,
            status_code=outcome.status_code,
            outcome=status,
            error=outcome.error[:2000],
            response=outcome.response[:2000],
            duration_ms=took_ms,
        )
        fields: dict[str, Any] = {"attempts": attempts, "status": status, "last_error": outcome.error[:2000]}
        if status == MessageStatus.DELIVERED:
            fields["delivered_at"] = now
        elif status == MessageStatus.PENDING:
            fields["next_at"] = now + backoff(attempts)
        OutboundMessage.objects.filter(pk=message.pk).update(**fields)
        message.status, message.attempts = status, attempts
        if status == MessageStatus.REFUSED:
            transport = _transport(message.destination)
            if transport.refused:
                transport.refused(message, outcome)
    if status == MessageStatus.DELIVERED:
        result.delivered += 1
    elif status == MessageStatus.REFUSED:
        result.refused += 1
    elif status == MessageStatus.DEAD:
        result.dead += 1
        logger.error("message %s to %s failed %s times: dead", message.pk, message.destination, attempts)
    else:
        result.retrying += 1
    return status


def deliver_due(*, destination: str | None = None, limit: int = 200) -> Delivered:
    """Send what is due, stream by stream in `seq` order; stop a stream at its first failure.

    A refused message is final (the receiver said no, and its transport was told): the stream goes on."""
    result = Delivered()
    for head in _heads(destination=destination, limit=limit):
        message: OutboundMessage | None = head
        while message is not None:
            if not _claim(message):
                break  # another worker has it
            started = time.monotonic()
            try:
                outcome = _transport(message.destination).send(message)
            except Exception as exc:  # a transport's own bug or missing configuration: retry later, logged
                logger.exception("sending message %s failed", message.pk)
                outcome = Outcome("retry", None, f"{type(exc).__name__}: {exc}")
            status = _record(message, outcome, int((time.monotonic() - started) * 1000), result)
            if status not in (MessageStatus.DELIVERED, MessageStatus.REFUSED):
                break
            # the stream's next open message, dead ones included: a dead one (or one not due) stops the
            # stream here, else a redelivered older message would carry a later one past it
            message = (
                OutboundMessage.objects.filter(
                    destination=message.destination,
                    stream=message.stream,
                    status__in=[MessageStatus.PENDING, MessageStatus.DEAD],
                    seq__gt=message.seq,
                )
                .order_by("seq")
                .first()
            )
            if message is not None and (message.status != MessageStatus.PENDING or message.next_at > timezone.now()):
                message = None
    return result


@transaction.atomic
def redeliver(*, ids: list[int], actor=None) -> int:
    """Send these messages again (重新投递): dead ones get another round of tries, delivered ones go again."""
    count = OutboundMessage.objects.filter(pk__in=ids).update(
        status=MessageStatus.PENDING, attempts=0, next_at=timezone.now(), last_error=""
    )
    if count:
        record(actor=actor, action="exchange.redelivered", object_type="outbound_message", data={"ids": ids})
    return count


def stream_status(destination: str) -> dict[str, int]:
    """Counts per status of one destination's messages (the admin, `gridgov exchange status`)."""
    from django.db.models import Count

    rows = OutboundMessage.objects.filter(Q(destination=destination) | Q(destination__startswith=destination + ":"))
    return {row["status"]: row["n"] for row in rows.values("status").annotate(n=Count("id")).order_by("status")}
