"""Masking of residents' personal data (个人信息脱敏): shown masked unless a reveal is logged."""


def mask_phone(phone: str) -> str:
    """138****5678: enough to recognise a number, not enough to call it."""
    digits = phone.strip()
    return digits[:3] + "*" * max(len(digits) - 7, 0) + digits[-4:] if len(digits) >= 7 else "*" * len(digits)


def mask_name(name: str) -> str:
    """张* / 欧阳** : the surname's first character only."""
    return (name[0] + "*" * max(1, len(name) - 1)) if name else ""
