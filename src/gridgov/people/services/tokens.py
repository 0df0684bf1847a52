"""Writes about API tokens (令牌): issue, check, renew and revoke; only a key's hash is kept."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.core import audit
from gridgov.core.errors import NotAuthenticated, NotFound
from gridgov.people import login_guard
from gridgov.people.models import ApiToken

# How long a token lives (GRIDGOV_TOKEN_HOURS, a working day) and how long renewals may carry a sign-in on
# (GRIDGOV_TOKEN_MAX_DAYS): after that the person types the password again. `created_at` of a renewed token
# keeps the time of that sign-in, so the chain's age needs no other field.
LAST_USED_STEP = timedelta(minutes=1)  # last_used_at is written at most this often per token


def token_lifetime() -> timedelta:
    return timedelta(hours=settings.GRIDGOV_TOKEN_HOURS)


def token_max_age() -> timedelta:
    return timedelta(days=settings.GRIDGOV_TOKEN_MAX_DAYS)


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _new_token(*, user, label: str, now, signed_in_at=None) -> tuple[str, ApiToken]:
    """A token and its key; `signed_in_at` (a renewal) is the time of the sign-in it carries on."""
    key = secrets.token_urlsafe(32)
    expires_at = min(now + token_lifetime(), (signed_in_at or now) + token_max_age())
    token = ApiToken.objects.create(user=user, key_hash=token_hash(key), expires_at=expires_at, label=label[:100])
    if signed_in_at is not None:  # auto_now_add set created_at to now
        ApiToken.objects.filter(pk=token.pk).update(created_at=signed_in_at)
        token.created_at = signed_in_at
    return key, token


def issue_token(*, username: str, password: str, client: str = "", label: str = "") -> str:
    """A bearer token for a staff account; only its hash is kept. The password is checked first, outside
    any transaction (it takes ≈ 300 ms: never while holding SQLite's write lock), throttled and logged per
    account and per `client` (people.login_guard); then one short transaction writes the token."""
    user = login_guard.authenticate(username=username, password=password, client=client, via="api")
    now = timezone.now()
    with transaction.atomic():
        key, token = _new_token(user=user, label=label, now=now)
        audit.record(
            actor=user,
            action="auth.token",
            object_type="user",
            object_id=user.pk,
            data={"token": token.pk, "label": token.label, "client": client},
        )
    return key


def token_for_key(key: str) -> ApiToken:
    """The valid token with this key (令牌), or NotAuthenticated saying why not and what to do. Records
    `last_used_at`, at most once a minute per token (a write per request would take SQLite's write lock
    on every read)."""
    now = timezone.now()
    token = ApiToken.objects.select_related("user").filter(key_hash=token_hash(key)).first() if key else None
    if token is None:
        raise NotAuthenticated(gettext("the token is missing, wrong or expired: get one with POST /api/v1/auth/token"))
    if token.revoked_at is not None or not token.user.is_active:
        raise NotAuthenticated(
            gettext(
                "this token was revoked (signed out, password changed or account switched "
                "off): sign in again with POST /api/v1/auth/token"
            )
        )
    if token.expires_at <= now:
        raise NotAuthenticated(
            gettext(
                "this token has expired: sign in again with POST /api/v1/auth/token (renew "
                "a token before it expires with POST /api/v1/auth/token/renew)"
            )
        )
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_STEP:
        # conditional, so that concurrent requests of one token write once
        (
            ApiToken.objects.filter(pk=token.pk)
            .filter(Q(last_used_at__isnull=True) | Q(last_used_at__lte=now - LAST_USED_STEP))
            .update(last_used_at=now)
        )
        token.last_used_at = now
    return token


def user_for_token(key: str):
    """The user of a valid token, or None (unknown, expired, revoked)."""
    try:
        return token_for_key(key).user
    except NotAuthenticated:
        return None


@transaction.atomic
def renew_token(*, token: ApiToken, client: str = "") -> str:
    """续期: a fresh token for the holder of a valid one, which is revoked at once — a stolen token is not
    kept alive by its owner, and the owner's next renewal fails once a thief renewed first. Renewals carry
    the sign-in on for at most GRIDGOV_TOKEN_MAX_DAYS: no token outlives that (the last renewal's is shorter)."""
    now = timezone.now()
    current = (
        ApiToken.objects.select_for_update().filter(pk=token.pk, revoked_at__isnull=True, expires_at__gt=now).first()
    )
    if current is None:
        raise NotAuthenticated(
            gettext("this token was revoked or has expired: sign in again with POST /api/v1/auth/token")
        )
    current.revoked_at = now
    current.save(update_fields=["revoked_at"])
    key, fresh = _new_token(user=token.user, label=current.label, signed_in_at=current.created_at, now=now)
    audit.record(
        actor=token.user,
        action="auth.token_renewed",
        object_type="api_token",
        object_id=fresh.pk,
        data={"old": current.pk, "client": client},
    )
    return key


@transaction.atomic
def revoke_token(*, token_id: int, actor, owner=None) -> ApiToken:
    """吊销: end one token now. With `owner` (a person revoking their own) another's token is NotFound,
    as if it did not exist; without (an administrator) any token. Revoking a revoked token changes nothing."""
    tokens = ApiToken.objects.select_for_update().select_related("user")
    if owner is not None:
        tokens = tokens.filter(user=owner)
    token = tokens.filter(pk=token_id).first() if 0 < token_id < 2**63 else None  # a bigint, or no token
    if token is None:
        raise NotFound(
            gettext("token %(id)s does not exist: list yours with GET /api/v1/auth/tokens") % {"id": token_id}
        )
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(
            actor=actor,
            action="auth.token_revoked",
            object_type="api_token",
            object_id=token.pk,
            data={"user": token.user.get_username(), "label": token.label},
        )
    return token


@transaction.atomic
def revoke_all_tokens(*, user, reason: str, actor=None) -> int:
    """End every live token of a person (password changed, account switched off); returns how many."""
    count = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if count:
        audit.record(
            actor=actor,
            action="auth.tokens_revoked",
            object_type="user",
            object_id=user.pk,
            data={"user": user.get_username(), "reason": reason, "count": count},
        )
    return count
