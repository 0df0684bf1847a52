"""Signing in with a password (/login/ and POST /api/v1/auth/token), with guessing bounded and logged.

The password is checked (≈ 300 ms of PBKDF2) outside any write transaction, so wrong passwords never
hold SQLite's write lock while others wait. After PER_ACCOUNT failures on one username, or PER_CLIENT
failures from one address, within 15 minutes, every sign-in of that account or from that address is
refused with 429 (TooMany) saying how long to wait — a right password too, or guessing would go on.
Only failures count, in the database (core.throttle), shared by every web process. Each failure is
logged (a warning and an `auth.login_failed` audit event with the username and the client, never the
password).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.contrib.auth import authenticate as django_authenticate
from django.db import transaction
from django.utils.translation import gettext, ngettext

from gridgov.core import audit, throttle
from gridgov.core.errors import NotAuthenticated

logger = logging.getLogger(__name__)

SCOPE = "login"
PER_ACCOUNT = throttle.Limit(failures=5, window=timedelta(minutes=15))
# one street office signs many people in from one address: more room, still far from a dictionary
PER_CLIENT = throttle.Limit(failures=20, window=timedelta(minutes=15))


def _refusal(minutes: int) -> str:
    return ngettext(
        "Too many wrong passwords were tried for this account or from your address. Try again in %(minutes)d minute.",
        "Too many wrong passwords were tried for this account or from your address. Try again in %(minutes)d minutes.",
        minutes,
    ) % {"minutes": minutes}


GUARD = throttle.Guard(scope=SCOPE, subject="account", per_subject=PER_ACCOUNT, per_client=PER_CLIENT, refusal=_refusal)


def _account(username: str) -> str:
    return username.strip().lower()


def check(*, username: str, client: str = "") -> None:
    """TooMany while the account or the client has failed too often; nothing otherwise."""
    GUARD.check(_account(username), client)


@transaction.atomic
def record_failure(*, username: str, client: str = "", via: str = "") -> None:
    """Count one failed sign-in against the account and the client; log and audit it (never the password)."""
    GUARD.count_failure(_account(username), client)
    audit.record(
        action="auth.login_failed",
        object_type="user",
        object_id=username[:64],
        data={"username": username[:150], "client": client, "via": via},
    )
    logger.warning("failed sign-in for %r from %s (%s)", username[:150], client or "unknown address", via)


def authenticate(*, username: str, password: str, client: str = "", via: str = "api", request=None):
    """The active user with these credentials. TooMany while throttled (checked before the password);
    NotAuthenticated for wrong ones, counted. Runs no write before the password is checked."""
    check(username=username, client=client)
    user = django_authenticate(request, username=username, password=password)
    if user is None or not user.is_active:
        record_failure(username=username, client=client, via=via)
        raise NotAuthenticated(gettext("wrong username or password"))
    return user
