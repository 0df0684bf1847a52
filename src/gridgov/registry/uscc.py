"""统一社会信用代码 (unified social credit code, GB 32100-2015): the 18-character code of a legal entity or
other organisation, checked before it is stored.

Characters are the digits and the capitals except I, O, S, V, Z (31 in all, valued 0–30 in that order);
places 3–8 are the registering office's region code (digits); the 18th is the check character:
(31 − Σ value·weight mod 31) mod 31 with the weights 3^i mod 31 of places 1–17 (1, 3, 9, 27, 19 …).
Written by hand rather than with python-stdnum (stdnum.cn.uscc does the same check) to add no dependency.
"""

from __future__ import annotations

import re
import unicodedata

from django.utils.translation import gettext

from gridgov.core.errors import BadInput

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = tuple(pow(3, i, 31) for i in range(17))
_FORM = re.compile(rf"[{ALPHABET}]{{2}}\d{{6}}[{ALPHABET}]{{10}}")


def check_char(first17: str) -> str:
    """The GB 32100 check character of the first 17 characters."""
    total = sum(ALPHABET.index(c) * w for c, w in zip(first17, WEIGHTS, strict=True))
    return ALPHABET[(31 - total % 31) % 31]


def normalise_credit_code(raw: str | None) -> str:
    """The code as stored (capitals, no spaces; "" for none); BadInput saying what is wrong."""
    value = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", raw or "")).upper()
    if not value:
        return ""
    if not _FORM.fullmatch(value):
        raise BadInput(
            gettext(
                "the unified social credit code %(code)s must be 18 characters: digits and capitals without "
                "I, O, S, V, Z, with digits in places 3 to 8"
            )
            % {"code": value[:24]}
        )
    if check_char(value[:17]) != value[17]:
        raise BadInput(
            gettext(
                "the unified social credit code %(code)s fails its check character (GB 32100): a character is mistyped"
            )
            % {"code": value}
        )
    return value
