"""Pushing back to the city (回传): what happens to a pulled order's case, as outbound messages.

Each case event of a case that came from the city becomes one message on the order's stream, so the city
hears of them in the order they happened, at least once, each with a stable id it can dedupe by. The
city refusing a message is final for that message; refusing a reply (答复不合格) withdraws the reply from
the case, so that it cannot close before the platform answers again (句号管理).
"""

from __future__ import annotations

import json
from typing import Any

from django.db.models import F

from gridgov.cases.models import CaseEvent
from gridgov.cases.services import withdraw_reply
from gridgov.core.audit import record
from gridgov.core.timefmt import iso
from gridgov.exchange.hotline.config import DESTINATION, SYSTEM, current
from gridgov.exchange.hotline.pull import adapter_actor
from gridgov.exchange.models import OutboundMessage, WorkOrder
from gridgov.exchange.outbound import Outcome, enqueue_message, post_json, register_transport

# Our steps → the city's message kinds (受理 accept, 退回 return, 进展 progress, 答复 reply, 办结 close).
KINDS = {
    "report": "accept",
    "reject": "return",
    "merge": "return",
    "register": "progress",
    "dispatch": "progress",
    "accept": "progress",
    "suspend": "progress",
    "resume": "progress",
    "progress": "progress",
    "site_visit": "progress",
    "resolve": "progress",
    "reopen": "progress",
    "reply": "reply",
    "close": "close",
}


def on_case_events(sender: Any, event_ids: list[int], **kwargs: Any) -> None:
    """case_events_committed's receiver: one query finds the events of pulled orders' cases."""
    rows = (
        CaseEvent.objects.filter(
            pk__in=event_ids, action__in=KINDS, case__work_orders__system=SYSTEM, case__work_orders__source="pull"
        )
        .annotate(order_number=F("case__work_orders__number"))
        .select_related("case__grid")
        .only(
            "seq",
            "action",
            "note",
            "to_status",
            "unit",
            "at",
            "case__number",
            "case__reply",
            "case__result",
            "case__platform",
            "case__grid__code",
            "case__grid__name",
            "case__resolve_by",
        )
        .order_by("pk")
    )
    for event in rows:
        enqueue_message(
            destination=DESTINATION, stream=event.order_number, kind=KINDS[event.action], body=message_body(event)
        )


def message_body(event: CaseEvent) -> dict[str, Any]:
    """What the city gets: the step in its terms, never a person's name or phone."""
    case = event.case
    kind = KINDS[event.action]
    body: dict[str, Any] = {
        "id": f"{case.number}-{event.seq}",  # stable: the city dedupes a re-delivery by it
        "kind": kind,
        "order_number": event.order_number,  # type: ignore[attr-defined]
        "case_number": case.number,
        "step": event.action,
        "status": event.to_status,
        "at": iso(event.at),
        "note": event.note,
    }
    if kind == "accept":
        body.update(
            grid={"code": case.grid.code, "name": case.grid.name},
            platform=case.platform,
            resolve_by=iso(case.resolve_by),
        )
    elif kind == "return":
        body["reason"] = event.note
    elif kind == "reply":
        body["reply"] = event.note
    elif kind == "close":
        body.update(reply=case.reply, result=case.result)
    return body


def send(message: OutboundMessage) -> Outcome:
    config = current()
    if not config.enabled:
        return Outcome("retry", None, "GRIDGOV_12345_URL is not set")
    path = config.mapping.get("push_path", "/api/orders/{number}/{kind}")
    return post_json(
        config.url + path.format(number=message.stream, kind=message.kind),
        message.body,
        headers={"Authorization": f"Bearer {config.token}", "X-Message-Id": str(message.body.get("id", message.pk))},
    )


def _reason(outcome: Outcome) -> str:
    try:
        data = json.loads(outcome.response)
        return str(data.get("detail") or data.get("error") or outcome.response)[:500]
    except (ValueError, AttributeError):
        return (outcome.response or outcome.error)[:500]


def refused(message: OutboundMessage, outcome: Outcome) -> None:
    """The city said no to a message: kept on the work order; a refused reply is withdrawn from the case."""
    reason = _reason(outcome)
    order = WorkOrder.objects.select_for_update().filter(system=SYSTEM, number=message.stream).first()
    if order is not None:
        refusals = list(order.data.get("refusals", []))
        refusals.append(
            {"kind": message.kind, "id": message.body.get("id"), "reason": reason, "status": outcome.status_code}
        )
        order.data = {**order.data, "refusals": refusals}
        order.save(update_fields=["data"])
        if message.kind == "reply":
            withdraw_reply(actor=adapter_actor(), number=order.case.number, reason=reason)
    record(
        action="exchange.refused",
        object_type="work_order",
        object_id=message.stream,
        data={"kind": message.kind, "reason": reason, "status": outcome.status_code},
    )


register_transport(DESTINATION, send, refused=refused)
