"""Webhooks (事件推送): outside systems subscribe to case events and get each one POSTed, signed.

A `Subscription` names a URL, a secret, the case actions it wants (none: all) and a region (a grid code
prefix). After the steps of a case commit (cases.signals.case_events_committed), `on_case_events` writes
one outbound message per event and matching subscription, in the same transaction as the follow-up task;
outbound.deliver_due sends them: in order per case (the stream is the case number), at least once, with
retries and backoff, every try in the delivery log (docs/exchange.md, "Webhooks").

Each POST carries `X-Gridgov-Signature: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">` under the
subscription's secret, `X-Gridgov-Event` (case.<action>) and `X-Gridgov-Delivery` (the message id). The
body holds what the public may know of a case (cases.selectors.public_view) plus the units and
deadlines, never personal data: no reporter, no description, no staff names.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import replace
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.cases import deadlines
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.transitions import LABELS
from gridgov.core.audit import record
from gridgov.core.errors import BadInput, Conflict, NotFound
from gridgov.core.privacy import mask_phones
from gridgov.core.timefmt import iso
from gridgov.exchange.models import MessageStatus, OutboundMessage, Subscription
from gridgov.exchange.outbound import Outcome, enqueue_message, post_bytes, register_transport
from gridgov.grids.models import Grid

KIND = "webhook"
SECRET_BYTES = 32
SIGNATURE_HEADER = "X-Gridgov-Signature"
# the events whose note the public timeline shows (cases.selectors.public_view), phone numbers masked
PUBLIC_NOTES = frozenset({"reject", "resolve", "resolve_on_spot", "reply", "close"})
# what is read of a case row: never the reporter's fields (decrypting them costs, too); deadlines.as_dict's
CASE_FIELDS = (
    "number",
    "title",
    "status",
    "channel",
    "complexity",
    "mode",
    "urgent",
    "light",
    "platform",
    "lead_unit",
    "assisting_units",
    "reported_at",
    "dispatched_at",
    "accepted_at",
    "sign_by",
    "resolve_by",
    "clock_start",
    "clock_banked",
    "suspended_at",
    "resolved_at",
    "progress_due",
    "closed_at",
    "grid__code",
    "grid__name",
    "category__code",
    "category__name",
)


# ---- services -------------------------------------------------------------------------------------------------


def _check(*, name: str, url: str, events: list[str], region: str) -> tuple[str, str, list[str], str]:
    name, url, region = (name or "").strip(), (url or "").strip(), (region or "").strip()
    if not name or len(name) > 100:
        raise BadInput(gettext("a webhook subscription needs a name (at most 100 characters)"))
    if not re.match(r"^https?://[^\s/]+", url, re.IGNORECASE) or len(url) > 500:
        raise BadInput(gettext("the webhook URL must start with http:// or https:// (at most 500 characters)"))
    events = sorted({e.strip() for e in events or [] if e and e.strip()})
    unknown = [e for e in events if e not in LABELS]
    if unknown:
        raise BadInput(
            gettext("unknown case actions %(actions)s: use the actions of the case file, such as dispatch, close")
            % {"actions": ", ".join(unknown)}
        )
    if region and not Grid.objects.filter(code=region).exists():
        raise BadInput(
            gettext("region %(code)s is no grid code: give a district, street or community code") % {"code": region}
        )
    return name, url, events, region


def _secret(given: str) -> str:
    """The given secret, if long enough to resist guessing, else a new random one."""
    if not given:
        return secrets.token_urlsafe(SECRET_BYTES)
    if len(given) < 16 or len(given) > 200:
        raise BadInput(gettext("a webhook secret must be 16 to 200 characters long; leave it empty to get one made"))
    return given


def _taken(name: str, but: int | None = None) -> None:
    if Subscription.objects.filter(name=name).exclude(pk=but).exists():
        raise Conflict(gettext("a webhook subscription called %(name)s exists already") % {"name": name})


@transaction.atomic
def create_subscription(
    *,
    name: str,
    url: str,
    events: list[str] | None = None,
    region: str = "",
    secret: str = "",
    actor=None,
) -> tuple[Subscription, str]:
    """A new subscription: (the row, its secret — shown once; made here when not given)."""
    name, url, events, region = _check(name=name, url=url, events=events or [], region=region)
    _taken(name)
    plain = _secret(secret)
    sub = Subscription.objects.create(name=name, url=url, secret=plain, events=events, region=region)
    record(
        actor=actor,
        action="exchange.webhook_created",
        object_type="exchange.subscription",
        object_id=str(sub.pk),
        data={"name": name, "url": url, "events": events, "region": region},
    )
    return sub, plain


def _get(subscription_id: int) -> Subscription:
    sub = Subscription.objects.select_for_update().filter(pk=subscription_id).first()
    if sub is None:
        raise NotFound(gettext("no webhook subscription %(id)s") % {"id": subscription_id})
    return sub


@transaction.atomic
def update_subscription(
    *,
    subscription_id: int,
    name: str | None = None,
    url: str | None = None,
    events: list[str] | None = None,
    region: str | None = None,
    active: bool | None = None,
    actor=None,
) -> Subscription:
    """Change what is given (None: unchanged). Switching on again clears why it was off."""
    sub = _get(subscription_id)
    name, url, events, region = _check(
        name=sub.name if name is None else name,
        url=sub.url if url is None else url,
        events=sub.events if events is None else events,
        region=sub.region if region is None else region,
    )
    _taken(name, but=sub.pk)
    before = {"name": sub.name, "url": sub.url, "events": sub.events, "region": sub.region, "active": sub.active}
    sub.name, sub.url, sub.events, sub.region = name, url, events, region
    if active is not None and active != sub.active:
        sub.active, sub.inactive_reason = active, "" if active else gettext("switched off")
    after = {"name": sub.name, "url": sub.url, "events": sub.events, "region": sub.region, "active": sub.active}
    if after != before:
        sub.save(update_fields=["name", "url", "events", "region", "active", "inactive_reason"])
        changed = {k: v for k, v in after.items() if before[k] != v}
        record(
            actor=actor,
            action="exchange.webhook_updated",
            object_type="exchange.subscription",
            object_id=str(sub.pk),
            data={"changed": changed},
        )
    return sub


@transaction.atomic
def deactivate_subscription(*, subscription_id: int, reason: str = "", actor=None) -> Subscription:
    """Switch a subscription off (停用): no new messages are written for it, and those waiting are not sent."""
    sub = _get(subscription_id)
    if sub.active:
        sub.active, sub.inactive_reason = False, (reason or gettext("switched off"))[:200]
        sub.save(update_fields=["active", "inactive_reason"])
        record(
            actor=actor,
            action="exchange.webhook_deactivated",
            object_type="exchange.subscription",
            object_id=str(sub.pk),
            data={"reason": sub.inactive_reason},
        )
    return sub


@transaction.atomic
def rotate_secret(*, subscription_id: int, secret: str = "", actor=None) -> tuple[Subscription, str]:
    """A new secret (更换密钥), in force for the next try of every message: (the row, the secret, shown once)."""
    sub = _get(subscription_id)
    plain = _secret(secret)
    Subscription.objects.filter(pk=sub.pk).update(secret=plain)  # encrypted by the field, as on save
    sub.refresh_from_db(fields=["secret"])
    record(
        actor=actor,
        action="exchange.webhook_secret_rotated",
        object_type="exchange.subscription",
        object_id=str(sub.pk),
    )
    return sub, plain


# ---- the events: one message per event and matching subscription ----------------------------------------------


def matches(sub: Subscription, action: str, grid_code: str) -> bool:
    return (not sub.events or action in sub.events) and grid_code.startswith(sub.region)


def payload(event: CaseEvent, case: Case, now: datetime | None = None) -> dict[str, Any]:
    """The body of one event's message: the case as it stands now (read with CASE_FIELDS) and the event."""
    action = event.action
    return {
        "id": f"{case.number}-{event.seq}",  # stable: a receiver dedupes by it
        "type": f"case.{action}",
        "occurred_at": iso(event.at),
        "case": {
            "number": case.number,
            "status": case.status,
            "title": mask_phones(case.title),
            "category": {"code": case.category.code, "name": case.category.name} if case.category else None,
            "grid": {"code": case.grid.code, "name": case.grid.name},
            "platform": case.platform,
            "lead_unit": case.lead_unit or None,
            "assisting_units": case.assisting_units,
            "channel": case.channel,
            "complexity": case.complexity,
            "mode": case.mode or None,
            "urgent": case.urgent,
            "reported_at": iso(case.reported_at),
            "deadlines": deadlines.as_dict(case, now or timezone.now()),
            "progress_due": iso(case.progress_due),
            "closed_at": iso(case.closed_at),
        },
        "event": {
            "seq": event.seq,
            "action": action,
            "from_status": event.from_status or None,
            "to_status": event.to_status,
            "unit": event.unit or None,
            "note": mask_phones(event.note) if action in PUBLIC_NOTES else "",
        },
    }


def on_case_events(sender=None, *, event_ids: list[int], **kwargs) -> int:
    """The receiver of cases.signals.case_events_committed: enqueue the messages (in the task's transaction).

    One query when nobody subscribes (the intake path's follow-up stays cheap); else three. Returns how
    many messages were written."""
    subs = list(Subscription.objects.filter(active=True).only("pk", "events", "region"))
    if not subs or not event_ids:
        return 0
    events = list(
        CaseEvent.objects.filter(pk__in=event_ids)
        .only("pk", "case_id", "seq", "action", "from_status", "to_status", "unit", "note", "at")
        .order_by("case_id", "seq")
    )
    cases = Case.objects.select_related("grid", "category").only(*CASE_FIELDS).in_bulk({e.case_id for e in events})
    now, written = timezone.now(), 0
    for event in events:
        case = cases[event.case_id]
        body = None
        for sub in subs:
            if matches(sub, event.action, case.grid.code):
                body = body or payload(event, case, now)
                enqueue_message(destination=sub.destination, stream=case.number, kind=body["type"], body=body)
                written += 1
    return written


# ---- the transport: sign and POST --------------------------------------------------------------------------


def sign(secret: str, raw: bytes, at: int) -> str:
    """The X-Gridgov-Signature value: t=<unix time>,v1=<hex HMAC-SHA256 of "<t>." + the raw body>."""
    mac = hmac.new(secret.encode(), f"{at}.".encode() + raw, hashlib.sha256).hexdigest()
    return f"t={at},v1={mac}"


def verify(secret: str, raw: bytes, header: str, *, tolerance: int = 300, now: float | None = None) -> bool:
    """What a receiver does (docs/exchange.md): the v1 HMAC matches and t is within `tolerance` seconds."""
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        at = int(parts.get("t", ""))
    except ValueError:
        return False
    if abs((time.time() if now is None else now) - at) > tolerance:
        return False
    expected = sign(secret, raw, at).split("v1=", 1)[1]
    return hmac.compare_digest(expected, parts.get("v1", ""))


def _subscription_of(message: OutboundMessage) -> Subscription | None:
    try:
        pk = int(message.destination.split(":", 1)[1])
    except (IndexError, ValueError):
        return None
    return Subscription.objects.filter(pk=pk).first()


def send(message: OutboundMessage) -> Outcome:
    """One try. A switched-off (or missing) subscription's message is refused here, unsent: it stays in the
    log and can be redelivered once the subscription is on again. Any 4xx but 410 is retried (the receiver
    may be misconfigured for a while: at least once); 410 Gone is final and switches the subscription off."""
    sub = _subscription_of(message)
    if sub is None or not sub.active:
        return Outcome(str(MessageStatus.REFUSED), None, gettext("the subscription is switched off: not sent"))
    raw = json.dumps(message.body, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {
        SIGNATURE_HEADER: sign(sub.secret, raw, int(time.time())),
        "X-Gridgov-Event": message.kind,
        "X-Gridgov-Delivery": str(message.pk),
        "User-Agent": "gridgov-webhooks/1",
    }
    outcome = post_bytes(sub.url, raw, headers=headers)
    if outcome.status == MessageStatus.REFUSED and outcome.status_code != 410:
        return replace(outcome, status="retry")
    return outcome


def refused(message: OutboundMessage, outcome: Outcome) -> None:
    """410 Gone: the receiver is gone for good, switch the subscription off (in the attempt's transaction)."""
    if outcome.status_code == 410:
        sub = _subscription_of(message)
        if sub is not None:
            deactivate_subscription(subscription_id=sub.pk, reason=gettext("the receiver answered 410 Gone"))


register_transport(KIND, send, refused=refused)
