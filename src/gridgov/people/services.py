"""Writes about people: API tokens, posts."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import authenticate, get_user_model
from django.db import transaction
from django.utils import timezone

from gridgov.core import audit
from gridgov.core.errors import BadInput, NotAuthenticated
from gridgov.people.models import GRID_SCOPED_ROLES, ApiToken, Post, Role, Unit

TOKEN_LIFETIME = timedelta(days=30)


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def issue_token(*, username: str, password: str) -> str:
    """A bearer token for a staff account; only its hash is kept."""
    user = authenticate(username=username, password=password)
    if user is None or not user.is_active:
        raise NotAuthenticated("wrong username or password")
    key = secrets.token_urlsafe(32)
    ApiToken.objects.create(user=user, key_hash=token_hash(key), expires_at=timezone.now() + TOKEN_LIFETIME)
    audit.record(actor=user, action="auth.token", object_type="user", object_id=user.pk)
    return key


def user_for_token(key: str):
    """The user of a valid token, or None (expired, unknown)."""
    token = (ApiToken.objects.select_related("user").filter(key_hash=token_hash(key), expires_at__gt=timezone.now())
             .first())
    if token is None or not token.user.is_active:
        return None
    return token.user


@transaction.atomic
def assign_post(*, user, role: str, scope: str, title: str = "", phone: str = "", actor=None) -> Post:
    """任命: give a person a role over a grid subtree or a unit."""
    from gridgov.grids.models import Grid

    if role not in Role.values:
        raise BadInput(f"unknown role {role!r}")
    if role in GRID_SCOPED_ROLES:
        if not Grid.objects.filter(code=scope).exists():
            raise BadInput(f"{role} needs a grid code as scope; {scope!r} is not a grid")
    elif not Unit.objects.filter(code=scope).exists():
        raise BadInput(f"{role} needs a unit code as scope; {scope!r} is not a unit")
    post, _ = Post.objects.update_or_create(user=user, role=role, scope=scope,
                                            defaults={"title": title, "phone": phone, "active": True})
    audit.record(actor=actor, action="people.assign_post", object_type="post", object_id=post.pk,
                 data={"user": user.get_username(), "role": role, "scope": scope})
    return post


def create_user(*, username: str, password: str, full_name: str = "", fast_hash: bool = False):
    """A staff account. `fast_hash` (demo only) stores a cheap PBKDF2 hash that Django upgrades to
    full strength at the first login — hashing a thousand demo passwords at full cost takes minutes."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    user_model = get_user_model()
    user = user_model(username=username, first_name=full_name[:150])
    if fast_hash:
        user.password = PBKDF2PasswordHasher().encode(password, PBKDF2PasswordHasher().salt(), iterations=1000)
    else:
        user.set_password(password)
    user.save()
    return user
