"""Case numbers (案件编号: YYYYMMDD + 6 digits, per local day) and tracking codes (查询码)."""

from __future__ import annotations

import secrets
import struct
from datetime import datetime

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from gridgov.cases.models import CaseCounter

TRACKING_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I/L: read out over the phone


# two digits base 31 at a time, the lower one first: _PAIRS[n % 961] spells n's two lowest digits
_PAIRS = tuple(low + high for high in TRACKING_ALPHABET for low in TRACKING_ALPHABET)
_CODES = len(TRACKING_ALPHABET) ** 10
# 64-bit draws at or above the last whole multiple of _CODES are drawn again: n % _CODES stays uniform
_DRAWS_BELOW = (1 << 64) // _CODES * _CODES


def new_tracking_code() -> str:
    """A fresh tracking code: 10 characters the reporter reads back over the phone."""
    # one draw of 31**10 (≈ 49 bits) spelled in the alphabet, lowest digit first: the same codes as ten
    # secrets.choice calls
    return _spelled(secrets.randbelow(_CODES))


def new_tracking_codes(count: int) -> list[str]:
    """`count` fresh tracking codes, as new_tracking_code draws them, from one read of the system's
    randomness for all of them (a bulk import: one read per code costs more than the rest of the code)."""
    codes: list[str] = []
    while len(codes) < count:
        pool = secrets.token_bytes(8 * (count - len(codes)))
        codes += [_spelled(n % _CODES) for (n,) in struct.iter_unpack("<Q", pool) if n < _DRAWS_BELOW]
    return codes


def _spelled(n: int) -> str:
    # two digits per step
    n, a = divmod(n, 961)
    n, b = divmod(n, 961)
    n, c = divmod(n, 961)
    e, d = divmod(n, 961)
    return _PAIRS[a] + _PAIRS[b] + _PAIRS[c] + _PAIRS[d] + _PAIRS[e]


def next_number(at: datetime) -> str:
    """The next number of the local day of `at`; the day's counter row stays locked until commit."""
    day = timezone.localtime(at).strftime("%Y%m%d")
    last = _bump(day)
    if last is None:
        try:
            with transaction.atomic():
                CaseCounter.objects.create(day=day, last=1)
            last = 1
        except IntegrityError:  # another process created the day's row first
            last = _bump(day)
    return f"{day}{last:06d}"


def _bump(day: str) -> int | None:
    # one statement: UPDATE … RETURNING (PostgreSQL, SQLite ≥ 3.35) instead of an UPDATE and a SELECT
    quote = connection.ops.quote_name
    table, last, key = quote(CaseCounter._meta.db_table), quote("last"), quote("day")
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET {last} = {last} + 1 WHERE {key} = %s RETURNING {last}", [day])
        row = cursor.fetchone()
    return row[0] if row else None
