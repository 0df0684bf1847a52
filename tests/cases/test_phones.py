"""cases.phones.normalise_phone: the shortcut for phones already stored as digits changes nothing."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from gridgov.cases.phones import normalise_phone
from gridgov.core.errors import BadInput


def _normalised(raw: str) -> str | None:
    try:
        return normalise_phone(raw)
    except BadInput:
        return None


@given(st.text(alphabet="0123456789", min_size=1, max_size=20) | st.sampled_from(["00861381234567", "0086371668812"]))
def test_digits_take_the_shortcut_to_what_the_long_way_gives(digits):
    # a space in front is stripped by the long way but keeps the shortcut from being taken
    assert _normalised(digits) == _normalised(f" {digits}")


@pytest.mark.parametrize(
    ("raw", "stored"),
    [("13812345678", "13812345678"), ("008613812345678", "13812345678"), ("0086371668812", "0371668812")],
)
def test_examples(raw, stored):
    assert normalise_phone(raw) == stored
