"""POST requests (GeoReport v2): a client's report becomes a case through the one intake (cases.services.intake)
on the `open311` channel, with a Submission row for what a case has no column for.

Retries: a client that sends the same request again — same key, same device_id and the same parameters —
within RETRY_WINDOW gets the first answer and nothing is written twice. The intake's idempotency key is
made from those (RETRY_WINDOW-wide time slots, the current one and the one before), so a report made
again much later is a new case. Without a device_id nothing tells a retry from a second report: each
POST is a case."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.cases.models import Case, Channel
from gridgov.cases.selectors import intake_key_used
from gridgov.cases.services.intake import report_case
from gridgov.core.errors import BadInput
from gridgov.open311 import attributes, places
from gridgov.open311.models import ApiKey, Submission
from gridgov.open311.selectors import attributes_of, service
from gridgov.people.actors import Actor

OPEN311 = cast(str, Channel.OPEN311)  # a str (mypy without django-stubs sees the member as a tuple)
RETRY_WINDOW = timedelta(minutes=10)
MAX_MEDIA = 9
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Posted:
    case: Case
    token: str
    created: bool


@dataclass(frozen=True)
class Report:
    """The parameters of POST requests, read by the view (empty ones None)."""

    service_code: str | None
    lat: float | None
    lon: float | None
    address_string: str | None
    address_id: str | None
    description: str | None
    media_urls: list[str]
    email: str | None
    first_name: str | None
    last_name: str | None
    phone: str | None
    device_id: str | None
    account_id: str | None
    attributes: dict[str, list[str]]
    crs: str = "wgs84"


def reporter_name(first: str | None, last: str | None) -> str:
    """张 + 三 → 张三 (family name first, no space, as Chinese is written); John + Smith → John Smith."""
    first, last = (first or "").strip(), (last or "").strip()
    if CJK.search(first + last):
        return last + first
    return " ".join(p for p in (first, last) if p)


def _slot_key(client: ApiKey, report: Report, slot: int) -> str:
    body = json.dumps(report.__dict__, sort_keys=True, ensure_ascii=False, default=str)
    return f"open311:{client.pk}:{slot}:" + hashlib.sha256(body.encode()).hexdigest()[:40]


def retry_key(client: ApiKey, report: Report, now: datetime) -> str | None:
    """The intake idempotency key of this request: the previous slot's when that one was used (a retry
    across the slot's end), else the current slot's; None without a device_id."""
    if not report.device_id:
        return None
    slot = int(now.timestamp() // RETRY_WINDOW.total_seconds())
    previous = _slot_key(client, report, slot - 1)
    return previous if intake_key_used(previous) else _slot_key(client, report, slot)


def _check(report: Report) -> None:
    if report.description and len(report.description) > 4000:
        raise BadInput(gettext("description is longer than 4000 characters"))
    if len(report.media_urls) > MAX_MEDIA:
        raise BadInput(gettext("send at most %(count)d media_url") % {"count": MAX_MEDIA})
    for url in report.media_urls:
        if not re.match(r"^https?://[^\s/]+\S*$", url) or len(url) > 500:
            raise BadInput(gettext("media_url must be an http(s) URL (got %(url)r)") % {"url": url[:100]})
    if report.email and (not EMAIL.match(report.email) or len(report.email) > 200):
        raise BadInput(gettext("email is not an e-mail address"))
    for name in ("device_id", "account_id", "first_name", "last_name"):
        if len(getattr(report, name) or "") > 50:
            raise BadInput(gettext("%(name)s is longer than 50 characters") % {"name": name})


@transaction.atomic
def post_request(*, client: ApiKey, report: Report, now: datetime | None = None) -> Posted:
    """A client's report as a case (上报, channel open311) and its Submission; a retry gets the first one."""
    now = now or timezone.now()
    if report.service_code is None:
        raise BadInput(gettext("service_code is required: GET services lists them"))
    cat = service(report.service_code)
    _check(report)
    attrs = attributes_of(cat)
    values = attributes.checked(attrs, report.attributes)
    where = places.place(
        lat=report.lat, lon=report.lon, address_string=report.address_string, address_id=report.address_id
    )
    description = report.description or ""
    answers = attributes.as_text(attrs, values)
    summary = " ".join(description.split())[:40]
    intake = report_case(
        actor=Actor.anonymous(f"Open311 · {client.name}"[:150]),
        title=f"{cat.name}：{summary}" if summary else cat.name,
        description="\n\n".join(p for p in (description, answers) if p),
        lon=where.lon,
        lat=where.lat,
        crs=report.crs,
        category=cat.code,
        channel=OPEN311,
        reporter_name=reporter_name(report.first_name, report.last_name),
        reporter_phone=report.phone or "",
        address=where.address[:200],
        idempotency_key=retry_key(client, report, now),
        at=now,
    )
    if not intake.created:
        done = Submission.objects.filter(case=intake.case).first()
        if done is not None:
            return Posted(case=intake.case, token=done.token, created=False)
    submission = Submission.objects.create(
        case=intake.case,
        token=secrets.token_hex(8),
        client=client,
        device_id=report.device_id or "",
        account_id=report.account_id or "",
        email=report.email or "",
        address_id=report.address_id or "",
        media_urls=report.media_urls,
        attributes=values,
        created_at=now,
    )
    return Posted(case=intake.case, token=submission.token, created=intake.created)
