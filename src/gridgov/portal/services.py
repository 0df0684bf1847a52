"""Signing a resident in by phone and one-time code (手机号 + 短信验证码).

A code is 6 digits, valid CODE_TTL, good for one sign-in and at most CODE_TRIES wrong tries; a newer code
replaces the older ones. Sending is throttled per phone and per client address (core.throttle: each code
sent is one counted attempt), guessing per phone and per client (a Guard). The code leaves through the
notifications SMS sender (pluggable; the default only logs it, the demo and tests read it there).

A signed-in resident is not a Django user: the caller keeps the returned `Identity` in the session
(views.py). It holds only digests of the phone and its masked form.
"""

from __future__ import annotations

import math
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext, ngettext

from gridgov.cases.phones import search_key
from gridgov.core import audit
from gridgov.core.errors import BadInput, TooMany
from gridgov.core.keys import keyed_digest
from gridgov.core.throttle import Guard, Limit, fail, longest_wait, whole_minutes
from gridgov.notifications.senders import sms_sender
from gridgov.portal.models import SignInCode
from gridgov.registry.personal import digest, mask_phone, normalise_phone

CODE_TTL = timedelta(minutes=5)
CODE_TRIES = 5  # wrong tries one code takes before it is spent
KEEP_CODES = timedelta(days=1)  # a phone's spent codes are deleted when it asks for a new one after this
SEND_SCOPE = "portal_code"
PER_PHONE_MINUTE = Limit(1, timedelta(minutes=1))
PER_PHONE_HOUR = Limit(5, timedelta(hours=1))
PER_CLIENT_HOUR = Limit(20, timedelta(hours=1))


def _wait_words(minutes: int) -> str:
    return ngettext(
        "Too many codes or tries: try again in %(minutes)d minute.",
        "Too many codes or tries: try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


VERIFY_GUARD = Guard(
    scope="portal_verify",
    subject="phone",
    per_subject=Limit(10, timedelta(hours=1)),
    per_client=Limit(30, timedelta(hours=1)),
    refusal=_wait_words,
)


@dataclass(frozen=True)
class Identity:
    """Who signed in: the keys that find their reports (cases.phones) and their registry entries."""

    case_key: str  # cases.phones.search_key of all the phone's digits
    registry_digest: str  # registry.personal.digest("phone", …)
    masked: str  # 138****5678


def mobile(phone: str) -> str:
    """A mainland mobile as 11 digits; BadInput otherwise (a code goes by SMS: landlines cannot get it)."""
    value = normalise_phone(phone)
    if len(value) != 11 or not value.startswith("1"):
        raise BadInput(gettext("Enter a mainland mobile number (11 digits): the code is sent by SMS."))
    return value


def phone_key(value: str) -> str:
    return keyed_digest("portal-phone", value)


def _code_hash(key: str, code: str) -> str:
    return keyed_digest("portal-code", key, code)


def request_code(*, phone: str, client: str = "") -> SignInCode:
    """Send a new code to `phone`; TooMany (429) with when to retry while the phone or client has had enough."""
    value = mobile(phone)
    key = phone_key(value)
    limits = [(f"phone:{key}", PER_PHONE_MINUTE), (f"phone:{key}", PER_PHONE_HOUR)]
    if client:
        limits.append((f"client:{client}", PER_CLIENT_HOUR))
    delay = longest_wait(SEND_SCOPE, limits)
    if delay:
        raise TooMany(_wait_words(whole_minutes(delay)), retry_after=math.ceil(delay.total_seconds()))
    code = f"{secrets.randbelow(10**6):06d}"
    now = timezone.now()
    with transaction.atomic():
        SignInCode.objects.filter(phone_key=key, used_at__isnull=True).update(used_at=now)  # older codes stop
        SignInCode.objects.filter(phone_key=key, sent_at__lt=now - KEEP_CODES).delete()
        row = SignInCode.objects.create(
            phone_key=key, code_hash=_code_hash(key, code), sent_at=now, expires_at=now + CODE_TTL
        )
        audit.record(action="portal.code_sent", object_type="sign_in_code", object_id=str(row.pk), data={})
    fail(SEND_SCOPE, [k for k, _ in limits])  # every code sent counts against the phone and the client
    sms_sender().text(
        value,
        gettext("Your sign-in code is %(code)s, valid for %(minutes)d minutes. Do not tell anyone.")
        % {"code": code, "minutes": CODE_TTL.seconds // 60},
    )
    return row


def verify_code(*, phone: str, code: str, client: str = "") -> Identity:
    """The identity of the phone whose latest code this is; BadInput for a wrong or spent code (counted)."""
    value = mobile(phone)
    key = phone_key(value)
    VERIFY_GUARD.check(key, client)
    now = timezone.now()
    row = (
        SignInCode.objects.filter(phone_key=key, used_at__isnull=True, expires_at__gt=now, tries__lt=CODE_TRIES)
        .order_by("-sent_at", "-pk")
        .first()
    )
    if row is None or not constant_time_compare(row.code_hash, _code_hash(key, (code or "").strip())):
        if row is not None:
            SignInCode.objects.filter(pk=row.pk).update(tries=F("tries") + 1)
        VERIFY_GUARD.count_failure(key, client)
        if row is None:
            raise BadInput(gettext("This code has expired or was used up: request a new one."))
        raise BadInput(gettext("The code is wrong: check the SMS and enter its 6 digits."))
    with transaction.atomic():
        if not SignInCode.objects.filter(pk=row.pk, used_at__isnull=True).update(used_at=now):  # used meanwhile
            raise BadInput(gettext("This code has expired or was used up: request a new one."))
        audit.record(action="portal.signed_in", object_type="sign_in_code", object_id=str(row.pk), data={})
    return Identity(case_key=search_key(value), registry_digest=digest("phone", value), masked=mask_phone(value))
