"""The signed-in resident in the Django session (under SESSION_KEY): digests of the phone, its masked form
and when this sign-in ends (SIGNED_IN_FOR after it, whatever the activity). Never a Django user: a resident
has no staff account and no staff page or token lets them in."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from gridgov.portal.services import Identity

SESSION_KEY = "portal"
SIGNED_IN_FOR = timedelta(hours=2)


def keep(request, identity: Identity) -> None:
    request.session.cycle_key()  # a new session id at sign-in: none fixed beforehand is carried over
    request.session[SESSION_KEY] = {
        "case_key": identity.case_key,
        "registry_digest": identity.registry_digest,
        "masked": identity.masked,
        "until": (timezone.now() + SIGNED_IN_FOR).timestamp(),
    }


def identity_of(request) -> Identity | None:
    """The signed-in resident of this session, or None (never signed in, signed out, or expired)."""
    held = request.session.get(SESSION_KEY)
    if not isinstance(held, dict):
        return None
    if timezone.now().timestamp() >= held.get("until", 0):
        del request.session[SESSION_KEY]
        return None
    return Identity(case_key=held["case_key"], registry_digest=held["registry_digest"], masked=held["masked"])


def forget(request) -> None:
    request.session.pop(SESSION_KEY, None)
