"""ID numbers (GB 11643 check digit), phones and masks: no database."""

import pytest

from gridgov.core.errors import BadInput
from gridgov.registry.personal import mask_id_number, mask_phone, normalise_id_number, normalise_phone
from tests.registry.conftest import ID_NUMBER, valid_id


def test_a_known_id_number_passes_and_one_changed_digit_fails():
    assert normalise_id_number("11010519491231002x") == "11010519491231002X"  # the standard's own example
    assert normalise_id_number(f" {ID_NUMBER} ") == ID_NUMBER
    wrong = ID_NUMBER[:-2] + str((int(ID_NUMBER[-2]) + 1) % 10) + ID_NUMBER[-1]
    with pytest.raises(BadInput, match="校验码"):
        normalise_id_number(wrong)


@pytest.mark.parametrize("raw", ["1101011980030712", "11010119800307123A", valid_id("11010119800230123")])
def test_malformed_ids_and_impossible_birth_dates_are_refused(raw):
    with pytest.raises(BadInput):
        normalise_id_number(raw)


def test_phones_as_people_type_them():
    assert normalise_phone("+86 138-1234-5678") == "13812345678"
    assert normalise_phone("0371-66881234") == "037166881234"
    for bad in ("12345", "2381234567", "138123456789", "phone"):
        with pytest.raises(BadInput):
            normalise_phone(bad)


def test_masks():
    assert mask_id_number(ID_NUMBER) == "110101********1239"
    assert mask_phone("13812345678") == "138****5678"
