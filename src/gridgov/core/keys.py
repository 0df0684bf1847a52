"""Keys kept outside the database (密钥): the audit chain's HMAC key and the personal-data key.

A copy of the database alone must not let anyone rewrite the case file (the chain is keyed) nor
read reporters' contact data (it is encrypted). Deployments set GRIDGOV_AUDIT_KEY and
GRIDGOV_DATA_KEY (any long random strings) in the environment; without them both are derived from
SECRET_KEY, one purpose each, which is fine for the embedded demo and flagged by `check --deploy`.
"""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings


def _key(setting: str, purpose: str) -> bytes:
    explicit = getattr(settings, setting, "") or ""
    if explicit:
        return explicit.encode()
    return hashlib.sha256(f"gridgov:{purpose}:{settings.SECRET_KEY}".encode()).digest()


def audit_key() -> bytes:
    """The HMAC key of the case chains, the audit log chain and the anchors."""
    return _key("GRIDGOV_AUDIT_KEY", "audit")


def data_key() -> bytes:
    """The key personal data is encrypted with (and, unless GRIDGOV_DIGEST_KEY is set, keyed lookups of it
    are made with)."""
    return _key("GRIDGOV_DATA_KEY", "data")


def old_data_key() -> bytes | None:
    """The data key being rotated away (GRIDGOV_DATA_KEY_OLD): values under it are still read, none is
    written under it (core.rotation); None when no rotation is under way."""
    return _explicit("GRIDGOV_DATA_KEY_OLD")


def digest_key() -> bytes:
    """The key of keyed digests: GRIDGOV_DIGEST_KEY, else the data key. A rotation of the data key keeps the
    digests under the key they were made with (tracking hashes and the case chains' reporter digests cannot
    be recomputed), so that key is set here before the data key changes (docs/security.md)."""
    return _explicit("GRIDGOV_DIGEST_KEY") or data_key()


def _explicit(setting: str) -> bytes | None:
    # the environment gives text; bytes are a key as data_key() returns it (a test rotating the derived key)
    value = getattr(settings, setting, "") or b""
    return value.encode() if isinstance(value, str) else bytes(value) or None


def keyed_digest(purpose: str, *parts: str) -> str:
    """HMAC-SHA256 (hex) of the parts under the digest key, separated so that ("ab", "c") ≠ ("a", "bc").

    `purpose` keeps digests of different things apart (a phone's digest never equals a name's)."""
    message = "\x1f".join((purpose, *parts)).encode()
    return hmac.new(digest_key(), message, hashlib.sha256).hexdigest()
