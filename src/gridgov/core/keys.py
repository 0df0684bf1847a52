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
    """The key personal data is encrypted with (and keyed lookups of it are made with)."""
    return _key("GRIDGOV_DATA_KEY", "data")


def keyed_digest(purpose: str, *parts: str) -> str:
    """HMAC-SHA256 (hex) of the parts under the data key, separated so that ("ab", "c") ≠ ("a", "bc").

    `purpose` keeps digests of different things apart (a phone's digest never equals a name's)."""
    message = "\x1f".join((purpose, *parts)).encode()
    return hmac.new(data_key(), message, hashlib.sha256).hexdigest()
