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
from collections.abc import Callable, Iterable

from django.conf import settings
from django.core.signals import setting_changed

_KEYS: dict[str, bytes | None] = {}  # key name → the key, derived from the settings of the moment
_HASHES: dict[bytes, KeyedHash] = {}  # key → its KeyedHash (the key's pads hashed once)


def _forget(**kwargs) -> None:
    # any setting: SECRET_KEY and the GRIDGOV_*_KEY settings all feed keys, and a change is rare
    _KEYS.clear()
    _HASHES.clear()


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


_IPAD = bytes(x ^ 0x36 for x in range(256))  # RFC 2104's pads, as translation tables of the key's bytes
_OPAD = bytes(x ^ 0x5C for x in range(256))
_BLOCK = hashlib.sha256().block_size


class KeyedHash:
    """HMAC-SHA256 under one key (RFC 2104), built from two SHA-256 states: the same digests as
    hmac.new(key, data, "sha256") (tests/core/test_keys.py), at about 60 % of its cost per digest.

    The stdlib's HMAC object wraps each copy, update and digest in a Python method; a bulk import makes
    a dozen digests per row, so here the key's two padded blocks are hashed once and each digest copies
    the two states. `fed` gives the hash with a shared prefix of the message already taken in."""

    __slots__ = ("_inner", "_outer")

    def __init__(self, key: bytes) -> None:
        if len(key) > _BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(_BLOCK, b"\0")
        self._inner = hashlib.sha256(key.translate(_IPAD))
        self._outer = hashlib.sha256(key.translate(_OPAD))

    def fed(self, prefix: bytes) -> KeyedHash:
        """This hash with `prefix` taken in: its digests are of prefix + data."""
        other = object.__new__(KeyedHash)
        other._inner = self._inner.copy()
        other._inner.update(prefix)
        other._outer = self._outer
        return other

    def hexdigest(self, data: bytes) -> str:
        inner = self._inner.copy()
        inner.update(data)
        outer = self._outer.copy()
        outer.update(inner.digest())
        return outer.hexdigest()


def keyed_hash(key: bytes) -> KeyedHash:
    """The KeyedHash of `key`, made once per key."""
    found = _HASHES.get(key)
    if found is None:
        if len(_HASHES) >= 8:  # a few keys at a time (data, audit, a rotation's old one): never a growing pile
            _HASHES.clear()
        found = _HASHES[key] = KeyedHash(key)
    return found


def keyed_digest(purpose: str, *parts: str) -> str:
    """HMAC-SHA256 (hex) of the parts under the digest key, separated so that ("ab", "c") ≠ ("a", "bc").

    `purpose` keeps digests of different things apart (a phone's digest never equals a name's)."""
    return keyed_hash(digest_key()).hexdigest("\x1f".join((purpose, *parts)).encode())


def keyed_digests(purpose: str, parts: Iterable[str]) -> list[str]:
    """keyed_digest(purpose, part) of each part, the purpose hashed once for all of them."""
    digest = keyed_hash(digest_key()).fed(f"{purpose}\x1f".encode()).hexdigest
    return [digest(part.encode()) for part in parts]
