"""Helpers for working-calendar tests: local instants, and the default hours spelled out by hand."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
HOURS = [("08:30", "12:00"), ("13:30", "17:30")]
DAY = 7.5 * 3600  # 3.5 h + 4 h
HOUR = 3600.0


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A local (Asia/Shanghai) instant."""
    return datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def d(text: str) -> date:
    return date.fromisoformat(text)
