from datetime import datetime

from django.utils import timezone


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 in the local zone with its offset (…+08:00), as the API promises."""
    return timezone.localtime(moment).isoformat() if moment is not None else None
