"""The reporter's proof (查询凭证): the case's tracking code, or the last 4 digits of the phone given,
with guessing bounded.

A tracking code has 10 characters of 31 and cannot be guessed; the last 4 phone digits are only 10 000
possibilities, so every proof — /track/, GET /api/v1/cases/{number}?tracking_code=, a reporter's
`evaluate` — goes through `guarded`: after PER_CASE failures on a case, or PER_CLIENT failures from one
address, within an hour, every proof is refused with 429 (TooMany) saying how long to wait — a correct
one too, or guessing would simply go on. Only failures count, so the real reporter, who gets it right,
is never slowed down unless someone is guessing at their case. Counts live in the database
(core.throttle), shared by every web process.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext, ngettext

from gridgov.cases.models import Case
from gridgov.cases.services import phone_last4_matches, tracking_code_matches
from gridgov.core import audit, throttle
from gridgov.core.errors import Forbidden, NotFound

SCOPE = "reporter_proof"
PER_CASE = throttle.Limit(failures=5, window=timedelta(hours=1))
# one street office may help many residents from one address: more room, still far from 10 000
PER_CLIENT = throttle.Limit(failures=20, window=timedelta(hours=1))


def _refusal(minutes: int) -> str:
    return ngettext(
        "Too many wrong codes were tried for this case or from your address. Try again in %(minutes)d minute.",
        "Too many wrong codes were tried for this case or from your address. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


GUARD = throttle.Guard(scope=SCOPE, subject="case", per_subject=PER_CASE, per_client=PER_CLIENT, refusal=_refusal)


def check(*, number: str, client: str = "") -> None:
    """TooMany while the case or the client has failed too often; nothing otherwise."""
    GUARD.check(number, client)


def record_failure(*, number: str, client: str = "") -> None:
    """Count one failed proof against the case and the client (and keep it in the audit log)."""
    with transaction.atomic():
        GUARD.count_failure(number, client)
        audit.record(action="cases.proof_failed", object_type="case", object_id=number[:64], data={"client": client})


@contextmanager
def guarded(*, number: str, client: str = "") -> Iterator[None]:
    """Around a reporter's proof: refused (TooMany) while throttled; a refusal inside it (Forbidden,
    NotFound) is counted as a failure — after the refused transaction rolled back, so it stays."""
    check(number=number, client=client)
    try:
        yield
    except (Forbidden, NotFound):
        record_failure(number=number, client=client)
        raise


def case_for_reporter(*, number: str, code: str, client: str = "", tracking_only: bool = False) -> tuple[Case, str]:
    """The case and how the reporter proved it: "tracking_code", or "phone_last4" when `code` is the last
    4 digits of the phone they gave (not when `tracking_only`). NotFound for an unknown number, Forbidden
    for a wrong code, TooMany while throttled; each refusal counted."""
    with guarded(number=number, client=client):
        case = Case.objects.select_related("grid", "category", "master").filter(number=number).first()
        if case is None:
            raise NotFound(gettext("no case numbered %(number)s") % {"number": number})
        if tracking_code_matches(case, code):
            return case, "tracking_code"
        if not tracking_only and phone_last4_matches(case, code):
            return case, "phone_last4"
        raise Forbidden(gettext("the tracking code does not match this case: check the code on your receipt"))
