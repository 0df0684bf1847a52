"""Writes about staff accounts (账号): the password policy, setting a password, creating an account."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction

from gridgov.core import audit
from gridgov.core.errors import BadInput


def check_password_policy(password: str, user) -> None:
    """BadInput with the password validators' own (translated) messages when `password` breaks the
    policy (settings.AUTH_PASSWORD_VALIDATORS, docs/security.md)."""
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise BadInput(" ".join(str(m) for m in exc.messages)) from exc


@transaction.atomic
def set_password(*, user, password: str, actor=None) -> None:
    """设置密码: a new password that follows the policy; the person's tokens and other sessions end
    (people.signals revokes the tokens; Django's session hash ends the sessions)."""
    check_password_policy(password, user)
    user.set_password(password)
    user.save()
    audit.record(
        actor=actor,
        action="people.set_password",
        object_type="user",
        object_id=user.pk,
        data={"user": user.get_username()},
    )


def create_user(*, username: str, password: str | None, full_name: str = "", fast_hash: bool = False):
    """A staff account; `password` None leaves it without one until an administrator sets it. `fast_hash`
    (demo only) stores a cheap PBKDF2 hash that Django upgrades to full strength at the first login —
    hashing a thousand demo passwords at full cost takes minutes."""
    from django.contrib.auth.hashers import PBKDF2PasswordHasher

    user_model = get_user_model()
    user = user_model(username=username, first_name=full_name[:150])
    if password is not None:
        check_password_policy(password, user)
    if password is None:
        user.set_unusable_password()
    elif fast_hash:
        user.password = PBKDF2PasswordHasher().encode(password, PBKDF2PasswordHasher().salt(), iterations=1000)
    else:
        user.set_password(password)
    user.save()
    return user
