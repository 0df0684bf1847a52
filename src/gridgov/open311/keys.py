"""Client applications' API keys (应用密钥): made here only, stored as SHA-256 digests, limited per minute."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction
from django.utils.translation import gettext

from gridgov.core import audit, throttle
from gridgov.core.errors import BadInput, Conflict
from gridgov.open311.models import ApiKey

KEY_BYTES = 24  # 192 random bits: a digest without salt cannot be reversed by guessing
BUDGET = "open311"  # the throttle's scope (core.throttle.hit) for per-key counting


def digest(plain: str) -> str:
    return hashlib.sha256(plain.encode()).hexdigest()


@transaction.atomic
def create_key(*, name: str, per_minute: int = 60, actor=None) -> tuple[ApiKey, str]:
    """A new key for the client application `name`: (the row, the plain key — shown once, never stored)."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise BadInput(gettext("an API key needs the client application's name (at most 100 characters)"))
    if per_minute < 1:
        raise BadInput(gettext("the rate limit must be at least one request per minute"))
    if ApiKey.objects.filter(name=name).exists():
        raise Conflict(gettext("a client application called %(name)s has a key already") % {"name": name})
    plain = secrets.token_urlsafe(KEY_BYTES)
    key = ApiKey.objects.create(name=name, digest=digest(plain), prefix=plain[:6], per_minute=per_minute)
    audit.record(
        actor=actor,
        action="open311.key",
        object_type="open311.apikey",
        object_id=str(key.pk),
        data={"name": name, "per_minute": per_minute},
    )
    return key, plain


@transaction.atomic
def set_key_active(*, key_id: int, active: bool, actor=None) -> ApiKey:
    """Switch a client's key off (or on again); the row stays, with the requests it posted."""
    key = ApiKey.objects.select_for_update().get(pk=key_id)
    if key.active != active:
        key.active = active
        key.save(update_fields=["active"])
        audit.record(
            actor=actor,
            action="open311.key_active",
            object_type="open311.apikey",
            object_id=str(key.pk),
            data={"active": active},
        )
    return key


@transaction.atomic
def set_key_rate(*, key_id: int, per_minute: int, actor=None) -> ApiKey:
    """A client's requests per minute (at least one)."""
    if per_minute < 1:
        raise BadInput(gettext("the rate limit must be at least one request per minute"))
    key = ApiKey.objects.select_for_update().get(pk=key_id)
    if key.per_minute != per_minute:
        before, key.per_minute = key.per_minute, per_minute
        key.save(update_fields=["per_minute"])
        audit.record(
            actor=actor,
            action="open311.key_rate",
            object_type="open311.apikey",
            object_id=str(key.pk),
            data={"per_minute": per_minute, "before": before},
        )
    return key


def key_for(plain: str | None) -> ApiKey | None:
    """The active key whose digest matches, else None (unknown, switched off or missing)."""
    if not plain:
        return None
    return ApiKey.objects.filter(digest=digest(plain), active=True).first()


def wait_for(key: ApiKey, *, write: bool) -> timedelta:
    """Count one request of this client: zero when it may be served, else how long to wait (429). Writes are
    counted where every process sees them (Redis or the database), reads in this process's memory: a row
    per read would make readers wait for SQLite's one writer (as core.middleware does for anonymous reads)."""
    rate = throttle.Rate(requests=key.per_minute, window=timedelta(minutes=1))
    return throttle.hit(BUDGET, f"key:{key.pk}:{key.digest[:12]}", rate, database=write)
