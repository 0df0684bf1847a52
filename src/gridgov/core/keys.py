"""Keys kept outside the database (密钥): the audit chain's HMAC key and the personal-data key.

A copy of the database alone must not let anyone rewrite the case file (the chain is keyed) nor
read reporters' contact data (it is encrypted). Deployments set GRIDGOV_AUDIT_KEY and
GRIDGOV_DATA_KEY (any long random strings) in the environment; without them both are derived from
SECRET_KEY, one purpose each, which is fine for the embedded demo and flagged by `check --deploy`.

Each key is derived once per process and kept until a setting changes (Django's `setting_changed`:
override_settings and the tests' `settings` fixture send it), so that a bulk import's thousands of
digests do not re-read and re-hash the settings each time, and a rotated key is never served stale.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.signals import setting_changed

_KEYS: dict[str, bytes | None] = {}  # key name → the key, derived from the settings of the moment
_MACS: dict[bytes, hmac.HMAC] = {}  # key → an HMAC-SHA256 object keyed with it, to copy (the key's pads made once)


def _forget(**kwargs) -> None:
    # any setting: SECRET_KEY and the GRIDGOV_*_KEY settings all feed keys, and a change is rare
    _KEYS.clear()
    _MACS.clear()


setting_changed.connect(_forget, dispatch_uid="gridgov.core.keys")


def _cached(name: str, derive: Callable[[], bytes | None]) -> bytes | None:
    try:
        return _KEYS[name]
    except KeyError:
        key = _KEYS[name] = derive()
        return key


def _key(setting: str, purpose: str) -> bytes:
    explicit = getattr(settings, setting, "") or ""
    if explicit:
        return explicit.encode()
    return hashlib.sha256(f"gridgov:{purpose}:{settings.SECRET_KEY}".encode()).digest()


def audit_key() -> bytes:
    """The HMAC key of the case chains, the audit log chain and the anchors."""
    return _cached("audit", lambda: _key("GRIDGOV_AUDIT_KEY", "audit"))  # type: ignore[return-value]


def data_key() -> bytes:
    """The key personal data is encrypted with (and, unless GRIDGOV_DIGEST_KEY is set, keyed lookups of it
    are made with)."""
    return _cached("data", lambda: _key("GRIDGOV_DATA_KEY", "data"))  # type: ignore[return-value]


def old_data_key() -> bytes | None:
    """The data key being rotated away (GRIDGOV_DATA_KEY_OLD): values under it are still read, none is
    written under it (core.rotation); None when no rotation is under way."""
    return _cached("old", lambda: _explicit("GRIDGOV_DATA_KEY_OLD"))


def digest_key() -> bytes:
    """The key of keyed digests: GRIDGOV_DIGEST_KEY, else the data key. A rotation of the data key keeps the
    digests under the key they were made with (tracking hashes and the case chains' reporter digests cannot
    be recomputed), so that key is set here before the data key changes (docs/security.md)."""
    return _cached("digest", lambda: _explicit("GRIDGOV_DIGEST_KEY") or data_key())  # type: ignore[return-value]


def _explicit(setting: str) -> bytes | None:
    # the environment gives text; bytes are a key as data_key() returns it (a test rotating the derived key)
    value = getattr(settings, setting, "") or b""
    return value.encode() if isinstance(value, str) else bytes(value) or None


def keyed_mac(key: bytes) -> hmac.HMAC:
    """A fresh HMAC-SHA256 under `key`, to update and digest: a copy of one keyed object per key, which
    spares hmac.new's key setup for every digest."""
    base = _MACS.get(key)
    if base is None:
        if len(_MACS) >= 8:  # a few keys at a time (data, audit, a rotation's old one): never a growing pile
            _MACS.clear()
        base = _MACS[key] = hmac.new(key, digestmod=hashlib.sha256)
    return base.copy()


def keyed_digest(purpose: str, *parts: str) -> str:
    """HMAC-SHA256 (hex) of the parts under the digest key, separated so that ("ab", "c") ≠ ("a", "bc").

    `purpose` keeps digests of different things apart (a phone's digest never equals a name's)."""
    mac = keyed_mac(digest_key())
    mac.update("\x1f".join((purpose, *parts)).encode())
    return mac.hexdigest()


def keyed_digests(purpose: str, parts: Iterable[str]) -> list[str]:
    """keyed_digest(purpose, part) of each part, the purpose hashed once for all of them."""
    base = keyed_mac(digest_key())
    base.update(f"{purpose}\x1f".encode())
    digests = []
    for part in parts:
        mac = base.copy()
        mac.update(part.encode())
        digests.append(mac.hexdigest())
    return digests
