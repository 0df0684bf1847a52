"""Residents' personal data as typed, checked, digested and masked (身份证号、联系电话、姓名).

ID numbers are the 18-character resident identity numbers of GB 11643-1999: 17 digits and a check
character (ISO 7064 MOD 11-2, X for 10) with a real birth date in places 7–14. Masks are what every
list, page, export and admin view shows: ID 110101********1234 (first 6, last 4), phone 138****5678.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from django.utils.translation import gettext

from gridgov.core.errors import BadInput
from gridgov.core.keys import keyed_digest
from gridgov.core.privacy import mask_name, mask_phone

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_ID = re.compile(r"\d{17}[\dX]")
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−.·()/]")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_LANDLINE = re.compile(r"0\d{9,11}")  # area code (3–4 digits with its 0) and a 7–8 digit number


def id_check_char(first17: str) -> str:
    """The GB 11643 check character of the first 17 digits."""
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalise_id_number(raw: str | None) -> str:
    """The ID number as stored (upper-case X, no spaces; "" for none); BadInput saying what is wrong."""
    value = unicodedata.normalize("NFKC", raw or "").strip().replace(" ", "").upper()
    if not value:
        return ""
    shown = mask_id_number(value) if len(value) >= 10 else "*" * len(value)
    if not _ID.fullmatch(value):
        raise BadInput(
            gettext("the ID number %(id)s must be 18 characters: 17 digits and a digit or X") % {"id": shown}
        )
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise BadInput(gettext("the ID number %(id)s does not hold a valid birth date") % {"id": shown}) from None
    if id_check_char(value[:17]) != value[17]:
        raise BadInput(
            gettext("the ID number %(id)s fails its check digit (GB 11643): a character is mistyped") % {"id": shown}
        )
    return value


def normalise_phone(raw: str | None) -> str:
    """A mainland mobile (11 digits) or landline (0 + area code + number) as digits; +86/0086 dropped."""
    text = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw or "").strip())
    if not text:
        return ""
    for prefix in ("+86", "0086"):
        if text.startswith(prefix):
            text = text[len(prefix) :]
    if not (_MOBILE.fullmatch(text) or _LANDLINE.fullmatch(text)):
        raise BadInput(
            gettext("the phone number %(phone)s is neither a mobile (11 digits) nor a landline with its area code")
            % {"phone": mask_phone(text) if text.isdigit() else (raw or "").strip()[:20]}
        )
    return text


def mask_id_number(value: str) -> str:
    """110101********1234: the region and the last four, never the birth date."""
    return value[:6] + "*" * max(len(value) - 10, 0) + value[-4:] if len(value) > 10 else "*" * len(value)


def digest(kind: str, value: str) -> str:
    """The keyed digest of a name, ID number or phone for exact search ("" for none)."""
    return keyed_digest(f"registry-{kind}", value) if value else ""


__all__ = ["digest", "mask_id_number", "mask_name", "mask_phone", "normalise_id_number", "normalise_phone"]
