"""core.crypto: personal data encrypted at rest, one mechanism (issue 10)."""

import pytest
from django.core.exceptions import FieldError
from django.test import override_settings

from gridgov.core import crypto


def test_round_trip_with_a_fresh_nonce_and_the_version_prefix():
    first, second = crypto.encrypt("张三 13812345678"), crypto.encrypt("张三 13812345678")
    assert first.startswith("v1:") and second.startswith("v1:")
    assert first != second  # a random IV per value: equal values do not show as equal
    assert "13812345678" not in first and "张三" not in first
    assert crypto.decrypt(first) == crypto.decrypt(second) == "张三 13812345678"


def test_empty_stays_empty():
    assert crypto.encrypt("") == "" and crypto.decrypt("") == ""


def test_a_wrong_key_fails_loudly():
    stored = crypto.encrypt("13812345678")
    with (
        override_settings(GRIDGOV_DATA_KEY="another-key-entirely"),
        pytest.raises(crypto.DecryptionError, match="GRIDGOV_DATA_KEY"),
    ):
        crypto.decrypt(stored)
    assert crypto.decrypt(stored) == "13812345678"


def test_plaintext_in_an_encrypted_column_fails_loudly():
    with pytest.raises(crypto.DecryptionError, match="prefix"):
        crypto.decrypt("13812345678")


def test_a_tampered_value_fails_loudly():
    stored = crypto.encrypt("13812345678")
    body = stored[3:]
    flipped = body[:20] + ("A" if body[20] != "A" else "B") + body[21:]
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("v1:" + flipped)


@pytest.mark.django_db
def test_only_empty_and_null_lookups_on_an_encrypted_field():
    from gridgov.cases.models import Case

    assert not Case.objects.exclude(reporter_phone="").filter(reporter_name__isnull=True).exists()
    with pytest.raises(FieldError):
        list(Case.objects.filter(reporter_phone="13812345678"))
    with pytest.raises(FieldError):
        list(Case.objects.filter(reporter_phone__contains="5678"))
