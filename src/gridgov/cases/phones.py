"""Phone numbers as people type them (联系电话): "138 1234 5678", "138-1234-5678", "+86 138…", "１３８…".

Stored as digits only, so that masking, the last-4 proof and searching by phone see one spelling. A
mainland number is kept as dialled at home: +86 or 0086 goes, and a landline gets its trunk 0 back
(+86 371 6688 1234 → 037166881234); any other country code is kept with its "+". Letters, or a "+" anywhere
but the front, are refused.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable

from django.utils.translation import gettext

from gridgov.core.errors import BadInput
from gridgov.core.keys import keyed_digest, keyed_digests

# What people put between digit groups: spaces, dashes (ASCII, en/em, full-width after NFKC), dots, brackets.
_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−.·()/]")
_PHONE = re.compile(r"\+?\d+")
MAINLAND_MOBILE = re.compile(r"1\d{10}")
MIN_DIGITS, MAX_DIGITS = 3, 15  # 110 … an E.164 number


def normalise_phone(raw: str | None) -> str:
    """The phone number as stored ("" for none); BadInput with what to fix otherwise."""
    if raw and raw.isascii() and raw.isdigit() and MIN_DIGITS <= len(raw) <= MAX_DIGITS and raw[:4] != "0086":
        return raw  # digits as stored already (most of a file's phones): nothing below would change them
    text = unicodedata.normalize("NFKC", raw or "").strip()
    if not text:
        return ""
    compact = _SEPARATORS.sub("", text)
    if not _PHONE.fullmatch(compact):
        raise BadInput(
            gettext("the phone number %(phone)s may hold only digits, spaces, dashes and a leading +: check it")
            % {"phone": (raw or "").strip()}
        )
    if compact.startswith("0086"):
        compact = "+86" + compact[4:]
    if compact.startswith("+86"):
        national = compact[3:]
        compact = national if MAINLAND_MOBILE.fullmatch(national) or national.startswith("0") else "0" + national
    digits = compact.lstrip("+")
    if not MIN_DIGITS <= len(digits) <= MAX_DIGITS:
        raise BadInput(
            gettext("the phone number %(phone)s should have %(min)d to %(max)d digits: check it")
            % {"phone": (raw or "").strip(), "min": MIN_DIGITS, "max": MAX_DIGITS}
        )
    return compact


# ---- looking a caller up by phone without a searchable phone column --------------------------------

SEARCH_FROM_DIGITS = 4  # the shortest tail that finds a caller: the last 4 digits, as read out
_KEY_CHARS = 16  # 64 bits of each keyed digest: ample to tell phones apart within what a person may see


def search_key(digits: str) -> str:
    """The keyed digest (core.keys) of a phone's last digits, as held in Case.reporter_phone_keys."""
    return keyed_digest("phone-tail", digits)[:_KEY_CHARS]


def search_keys(phone: str) -> str:
    """What Case.reporter_phone_keys holds for a stored phone: the keys of its last 4, 5 … all digits,
    space separated with a space at each end, so that `contains " KEY "` is an exact match of one."""
    return search_keys_of([phone])[0]


def search_keys_of(phones: Iterable[str]) -> list[str]:
    """search_keys of each phone, every tail's search_key made in one run (a bulk import: eight per phone)."""
    counts, tails = [], []
    for phone in phones:
        phone = phone or ""
        digits = phone if phone.isascii() and phone.isdigit() else "".join(ch for ch in phone if ch.isdigit())
        mine = [digits[-n:] for n in range(SEARCH_FROM_DIGITS, len(digits) + 1)]
        counts.append(len(mine))
        tails += mine
    keys = iter(keyed_digests("phone-tail", tails))
    return [" " + " ".join(next(keys)[:_KEY_CHARS] for _ in range(n)) + " " if n else "" for n in counts]
