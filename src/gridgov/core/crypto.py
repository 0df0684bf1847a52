"""Personal data encrypted at rest (个人信息加密存储): one mechanism for every such column.

A value is stored as "v1:" + a Fernet token (AES-128-CBC + HMAC-SHA256, a random IV per value) under
a key derived from core.keys.data_key(); the version prefix names the format. While a rotation of the data
key is under way (core.rotation), a value is read under the new key or else the old one
(GRIDGOV_DATA_KEY_OLD), and always written under the new one. "" stays "" (nothing to hide, and
`exclude(reporter_phone="")` keeps working). The database can neither search nor sort such a column:
only `= ""` and `IS NULL` lookups are allowed (anything else is a FieldError, never a silent miss); a
lookup by value needs a keyed digest column beside it (core.keys.keyed_digest).

A value that does not decrypt — a wrong or lost GRIDGOV_DATA_KEY, or plaintext never encrypted —
raises DecryptionError: reading on as if the field were empty would hide the loss.
"""

from __future__ import annotations

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.db import models
from django.db.models.lookups import Exact, IsNull

from gridgov.core.keys import data_key, old_data_key

VERSION = "v1"
_PREFIX = VERSION + ":"


class DecryptionError(Exception):
    """A stored value does not decrypt under the configured GRIDGOV_DATA_KEY."""


@lru_cache(maxsize=4)
def _fernet(key: bytes) -> Fernet:
    # A Fernet key is 32 bytes, url-safe base64; one purpose-bound derivation of the data key.
    return Fernet(base64.urlsafe_b64encode(hashlib.sha256(b"gridgov:fernet:v1:" + key).digest()))


def encrypt(text: str) -> str:
    """The stored form of `text` ("" for "")."""
    if not text:
        return ""
    return _PREFIX + _fernet(data_key()).encrypt(text.encode()).decode("ascii")


def decrypt(stored: str) -> str:
    """The plaintext of a stored value (under the data key, or the old one during a rotation);
    DecryptionError when it cannot be read."""
    old = old_data_key()
    return decrypt_with(stored, data_key(), *([old] if old else []))


def decrypt_with(stored: str, *keys: bytes) -> str:
    """The plaintext of a stored value under the first of `keys` that opens it; DecryptionError if none does."""
    if not stored:
        return ""
    if not stored.startswith(_PREFIX):
        raise DecryptionError("an encrypted column holds a value without the v1: prefix (plaintext never encrypted?)")
    token = stored[len(_PREFIX) :].encode("ascii", "replace")
    for key in keys:
        try:
            return _fernet(key).decrypt(token).decode()
        except (InvalidToken, UnicodeError):
            continue
    raise DecryptionError("a value does not decrypt: GRIDGOV_DATA_KEY is not the key it was encrypted with")


class _EmptyOnlyExact(Exact):
    """`field = ""` only: a random IV per value means no other value can ever match its ciphertext."""

    def get_prep_lookup(self):
        if self.rhs not in ("", None):
            from django.core.exceptions import FieldError

            raise FieldError(f"{self.lhs.field.name} is encrypted: only = '' and isnull lookups work")
        return super().get_prep_lookup()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted (see the module docstring); decrypted on read, encrypted on write."""

    def from_db_value(self, value, expression, connection):
        return value if value is None else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return value if value is None else encrypt(value)

    def get_lookup(self, lookup_name):
        return {"exact": _EmptyOnlyExact, "isnull": IsNull}.get(lookup_name)
