"""Pulling new work orders from the city platform (拉取工单): each becomes a case once, ever.

The city hands out orders after an opaque cursor; we keep the cursor (PullCursor) and move it only past
orders that are handled — made into a case, found again (a re-send: nothing written, nothing sent), or
returned (退回, e.g. outside the district). If the platform is away, the pull stops and the next one
starts from the same cursor: nothing is skipped, and the order numbers make nothing be written twice.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import asdict, dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext

from gridgov.core.audit import record
from gridgov.core.errors import BadInput
from gridgov.exchange.hotline.config import DESTINATION, SYSTEM, Config, current, to_fields
from gridgov.exchange.models import PullCursor, ReturnedOrder, WorkOrder
from gridgov.exchange.orders import receive_order
from gridgov.exchange.outbound import TIMEOUT, enqueue_message
from gridgov.people.actors import Actor

logger = logging.getLogger("gridgov.exchange")
ACTOR_LABEL = "12345"


def adapter_actor() -> Actor:
    """Who acts for the city platform in case files: a system actor named after it."""
    return Actor.system(ACTOR_LABEL)


@dataclass
class Pulled:
    """What one pull did."""

    fetched: int = 0
    created: int = 0
    duplicates: int = 0
    returned: int = 0
    errors: list[str] = field(default_factory=list)
    cursor: str = ""
    down: str = ""  # why the platform could not be reached ("" when it answered)
    cases: list[str] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _fetch(config: Config, cursor: str) -> dict[str, Any]:
    query = urllib.parse.urlencode({"after": cursor, "limit": config.mapping.get("page_size", 100)})
    request = urllib.request.Request(
        f"{config.url}{config.mapping.get('orders_path', '/api/orders')}?{query}",
        headers={"Authorization": f"Bearer {config.token}", "Accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
        return json.loads(response.read().decode("utf-8"))


@transaction.atomic
def return_order(*, number: str, reason: str) -> bool:
    """退回: tell the city we do not take this order, once per order number; False if it was returned before."""
    if ReturnedOrder.objects.filter(system=SYSTEM, number=number).exists():
        return False
    ReturnedOrder.objects.create(system=SYSTEM, number=number, reason=reason)
    enqueue_message(
        destination=DESTINATION,
        stream=number,
        kind="return",
        body={
            "id": f"{number}-return",
            "kind": "return",
            "order_number": number,
            "reason": reason,
            "at": timezone.localtime().isoformat(timespec="seconds"),
        },
    )
    record(action="exchange.order_returned", object_type="work_order", object_id=number, data={"reason": reason})
    return True


def _receive(order: dict[str, Any], config: Config, result: Pulled) -> None:
    names = config.mapping["fields"]
    number = str(order.get(names["number"]) or "").strip()
    try:
        fields = to_fields(order, config.mapping)
    except BadInput as exc:
        if not number:
            result.errors.append(str(exc))
            return
        if return_order(number=number, reason=str(exc)):
            result.returned += 1
        else:
            result.duplicates += 1
        return
    if (
        WorkOrder.objects.filter(system=SYSTEM, number=number).exists()
        or ReturnedOrder.objects.filter(system=SYSTEM, number=number).exists()
    ):
        result.duplicates += 1  # the city sent it again: we have it (its acceptance is on its way or done)
        return
    try:
        received = receive_order(actor=adapter_actor(), system=SYSTEM, source="pull", fields=fields)
    except BadInput as exc:  # cannot be placed in the district, or its text is unusable: send it back
        reason = gettext("cannot be taken here: %(reason)s") % {"reason": exc}
        if return_order(number=number, reason=reason):
            result.returned += 1
        return
    if received.created:
        result.created += 1
        result.cases.append(received.case.number)
    else:
        result.duplicates += 1


def pull_orders(*, config: Config | None = None, max_pages: int = 20) -> Pulled:
    """One pull: pages of new orders until the city has no more (or `max_pages`). Each order is handled in
    its own transaction and the cursor moves after each page, so a crash repeats at most one page (and the
    order numbers make that write nothing)."""
    config = config or current()
    if not config.enabled:
        raise BadInput(gettext("the 12345 platform is not configured: set GRIDGOV_12345_URL"))
    state, _ = PullCursor.objects.get_or_create(system=SYSTEM)
    result = Pulled(cursor=state.cursor)
    for _page in range(max_pages):
        try:
            page = _fetch(config, result.cursor)
        except (OSError, ValueError) as exc:  # refused, timed out, an HTTP error, not JSON
            result.down = f"{type(exc).__name__}: {exc}"
            PullCursor.objects.filter(pk=SYSTEM).update(last_error=result.down[:2000])
            logger.warning("12345 pull: the platform did not answer: %s", result.down)
            break
        orders = page.get("orders") or []
        result.fetched += len(orders)
        with translation.override("zh-hans"):  # the reasons of returns are the city's to read
            for order in orders:
                _receive(order, config, result)
        result.cursor = str(page.get("next", result.cursor) or result.cursor)
        PullCursor.objects.filter(pk=SYSTEM).update(cursor=result.cursor, pulled_at=timezone.now(), last_error="")
        if len(orders) < int(config.mapping.get("page_size", 100)):
            break
    return result


@transaction.atomic
def reset_cursor(*, actor: Actor | None = None) -> None:
    """Start pulling from the platform's first order again (a new platform, or the demo's fresh simulated one);
    the order numbers keep what was taken from being taken twice."""
    PullCursor.objects.update_or_create(system=SYSTEM, defaults={"cursor": "", "last_error": ""})
    record(actor=actor, action="exchange.cursor_reset", object_type="pull_cursor", object_id=SYSTEM)
