"""Masking of residents' personal data (个人信息脱敏): shown masked unless a reveal is logged."""

import re


def mask_phone(phone: str) -> str:
    """138****5678: enough to recognise a number, not enough to call it."""
    digits = phone.strip()
    return digits[:3] + "*" * max(len(digits) - 7, 0) + digits[-4:] if len(digits) >= 7 else "*" * len(digits)


def mask_name(name: str) -> str:
    """张* / 欧阳** : the surname's first character only."""
    return (name[0] + "*" * max(1, len(name) - 1)) if name else ""


# A mobile number, however written: 13812345678, 138-1234-5678, 138 1234 5678, +86 138…, 0086-138…; and any
# other run of seven or more digits (a landline's number, an ID number), as phone-like.
MOBILE_IN_TEXT = re.compile(r"(?<![\d+])((?:(?:\+|00)86[- ]?)?)(1(?:[- ]?\d){10})(?![\d])")
DIGITS_IN_TEXT = re.compile(r"(?<!\d)\d{7,}(?!\d)")


def mask_phones(text: str) -> str:
    """Free text (a title, an address) with phone-like numbers masked: a mobile number as 138****5678
    whatever its spaces or hyphens, another run of 11+ digits the same way, 7 to 10 digits all but the last two."""
    text = MOBILE_IN_TEXT.sub(lambda m: m.group(1) + mask_phone(re.sub(r"\D", "", m.group(2))), text or "")
    return DIGITS_IN_TEXT.sub(
        lambda m: mask_phone(m.group(0)) if len(m.group(0)) >= 11 else "*" * (len(m.group(0)) - 2) + m.group(0)[-2:],
        text,
    )
