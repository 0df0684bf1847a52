from datetime import date, datetime, time, timedelta

from django.utils import timezone


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in the local zone with its offset (…+08:00), as the API promises."""
    return timezone.localtime(moment).isoformat() if moment is not None else None


def day_start(day: date) -> datetime:
    """Local midnight at the start of `day` (the configured zone, Asia/Shanghai)."""
    return datetime.combine(day, time(), timezone.get_default_timezone())


def day_span(start: date, end: date) -> tuple[datetime, datetime]:
    """The moments of the local days start … end, `end` inclusive, as [since, until)."""
    return day_start(start), day_start(end + timedelta(days=1))
