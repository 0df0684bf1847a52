"""Tokens end with the password and the account (令牌随密码与账号失效), whichever way either changes.

A password is set through the services, the admin's password form, `changepassword`, or plain
`set_password` + `save` — Django calls no hook for all of them, so this listens to the user model's
saves and compares with the row as stored: one indexed read per save of a password or an `is_active`
(sign-ins, which save only `last_login`, read nothing). Django's own re-hash at sign-in (a stronger
hasher; the demo's cheap hashes) saves only `password` without a new raw password: the same password,
so the tokens stay. Sessions need nothing here: Django signs each session with a hash of the password
(get_session_auth_hash) and refuses inactive users, so both end by themselves.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import is_password_usable
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

_WATCHED = {"password", "is_active"}


def _revoke_reason(user, update_fields) -> str:
    if user._state.adding or user.pk is None:
        return ""
    if update_fields is not None and not _WATCHED & set(update_fields):
        return ""
    stored = type(user)._default_manager.filter(pk=user.pk).values("password", "is_active").first()
    if stored is None:
        return ""
    if stored["is_active"] and not user.is_active:
        return "deactivated"
    rehash = update_fields is not None and set(update_fields) == {"password"} and user._password is None
    if user._password is not None or (
        user.password != stored["password"] and (not rehash or not is_password_usable(user.password))
    ):
        return "password_changed"
    return ""


@receiver(pre_save, sender=get_user_model(), dispatch_uid="gridgov.people.tokens_follow_password")
def _note_password_or_deactivation(sender, instance, update_fields=None, raw=False, **kwargs):
    instance._gridgov_revoke_reason = "" if raw else _revoke_reason(instance, update_fields)


@receiver(post_save, sender=get_user_model(), dispatch_uid="gridgov.people.tokens_end_with_password")
def _revoke_tokens(sender, instance, raw=False, **kwargs):
    reason = getattr(instance, "_gridgov_revoke_reason", "")
    if reason and not raw:
        from gridgov.people.services import revoke_all_tokens

        instance._gridgov_revoke_reason = ""
        revoke_all_tokens(user=instance, reason=reason)
