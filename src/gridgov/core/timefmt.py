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


def local_minute(moment: datetime | None) -> str:
    """'2026-12-07 09:30' in the local zone, as pages and messages show a moment; '' for none."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment is not None else ""


def local_second(moment: datetime | None) -> str:
    """'2026-12-07 09:30:05' in the local zone (audit trails, exports); '' for none."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment is not None else ""


def parse_local(raw: str | None) -> datetime | None:
    """A moment typed in a form ('2026-12-07 09:30', '2026-12-07T09:30', with or without an offset) → an aware
    datetime, in the local zone when no offset was given; None when it is not one."""
    from django.utils.dateparse import parse_datetime

    try:
        value = parse_datetime((raw or "").strip().replace("T", " ", 1))
    except ValueError:  # well formed but impossible (2026-02-30)
        return None
    if value is None:
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value)
