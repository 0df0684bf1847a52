"""core.keys: each key derived once per process, never served stale after a setting changes."""

import hashlib
import hmac

from django.test import override_settings
from hypothesis import given
from hypothesis import strategies as st

from gridgov.cases.phones import search_key, search_keys, search_keys_of
from gridgov.core import keys
from gridgov.core.keys import KeyedHash


def _plain_digest(key: bytes, purpose: str, *parts: str) -> str:
    return hmac.new(key, "\x1f".join((purpose, *parts)).encode(), hashlib.sha256).hexdigest()


def test_keys_follow_every_setting_change():
    derived = keys.data_key(), keys.audit_key(), keys.digest_key()
    assert keys.data_key() is derived[0]  # kept: derived once
    with override_settings(GRIDGOV_DATA_KEY="another-data-key", GRIDGOV_AUDIT_KEY="another-audit-key"):
        assert keys.data_key() == b"another-data-key" == keys.digest_key()
        assert keys.audit_key() == b"another-audit-key"
        with override_settings(GRIDGOV_DIGEST_KEY="a-digest-key"):
            assert keys.digest_key() == b"a-digest-key"
        assert keys.digest_key() == b"another-data-key"
    assert (keys.data_key(), keys.audit_key(), keys.digest_key()) == derived
    with override_settings(SECRET_KEY="another-secret-key-for-the-derived-keys"):
        assert keys.data_key() not in derived and keys.audit_key() not in derived
    assert keys.data_key() == derived[0]


def test_the_old_data_key_and_the_settings_fixture(settings):
    assert keys.old_data_key() is None
    settings.GRIDGOV_DATA_KEY_OLD = b"old-key-as-bytes"
    assert keys.old_data_key() == b"old-key-as-bytes"
    settings.GRIDGOV_DATA_KEY_OLD = "old-key-as-text"
    assert keys.old_data_key() == b"old-key-as-text"


def test_digests_are_the_plain_hmac_under_the_current_key():
    assert keys.keyed_digest("phone", "13812345678") == _plain_digest(keys.digest_key(), "phone", "13812345678")
    assert keys.keyed_digest("p", "ab", "c") != keys.keyed_digest("p", "a", "bc")
    first = keys.keyed_digest("phone", "13812345678")
    with override_settings(GRIDGOV_DIGEST_KEY="rotated-digest-key"):
        rotated = keys.keyed_digest("phone", "13812345678")
        assert rotated == _plain_digest(b"rotated-digest-key", "phone", "13812345678") != first
        assert keys.keyed_digests("phone", ["13812345678"]) == [rotated]
    assert keys.keyed_digest("phone", "13812345678") == first


def test_keyed_digests_and_search_keys_match_one_by_one():
    tails = ["5678", "45678", "13812345678", ""]
    assert keys.keyed_digests("phone-tail", tails) == [keys.keyed_digest("phone-tail", t) for t in tails]
    digits = "13812345678"
    expected = [search_key(digits[-n:]) for n in range(4, len(digits) + 1)]
    assert search_keys("13812345678") == " " + " ".join(expected) + " "
    assert search_keys("110") == ""
    phones = ["13812345678", "110", "", "+85291234567", "037166881234"]

    def one_by_one(phone):
        digits = "".join(ch for ch in phone if ch.isdigit())
        return (
            " " + " ".join(search_key(digits[-n:]) for n in range(4, len(digits) + 1)) + " " if len(digits) >= 4 else ""
        )

    assert search_keys_of(phones) == [one_by_one(p) for p in phones]


@given(key=st.binary(min_size=0, max_size=200), prefix=st.binary(max_size=100), data=st.binary(max_size=300))
def test_keyed_hash_is_the_stdlib_hmac(key, prefix, data):
    """RFC 2104 from two SHA-256 states: the stdlib's HMAC-SHA256 for keys shorter and longer than a block."""
    keyed = KeyedHash(key)
    assert keyed.hexdigest(data) == hmac.new(key, data, "sha256").hexdigest()
    fed = keyed.fed(prefix)
    assert fed.hexdigest(data) == hmac.new(key, prefix + data, "sha256").hexdigest()
    assert keyed.hexdigest(data) == hmac.new(key, data, "sha256").hexdigest()  # feeding left the original alone
