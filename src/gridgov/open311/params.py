"""Reading GeoReport v2 parameters: an empty parameter is absent; anything malformed is BadInput (400)."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

from gridgov.core.errors import BadInput

MAX_RESULTS = 1000  # the spec's "first 1000 requests"
WINDOW = timedelta(days=90)  # the spec's default span, and the longest a query may ask for
STATUSES = ("open", "closed")
DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def value(data, name: str) -> str | None:
    """The parameter stripped, None when missing or empty (the spec: an empty parameter is not sent)."""
    raw = data.get(name)
    if raw is None:
        return None
    raw = str(raw).strip()
    return raw or None


def moment(raw: str | None, name: str, *, end: bool = False) -> datetime | None:
    """A W3C date-time (2026-12-01T08:00:00Z, …+08:00); without a zone the local one (Asia/Shanghai). A bare
    date is that local day's start, or for an end its last moment (an end date is inclusive)."""
    if raw is None:
        return None
    if DATE_ONLY.match(raw):
        try:
            day = date.fromisoformat(raw)
        except ValueError:
            day = None
        if day is not None:
            midnight = datetime.combine(
                day + timedelta(days=1) if end else day, time(), timezone.get_default_timezone()
            )
            return midnight - timedelta(microseconds=1) if end else midnight
    at: datetime | None
    try:
        at = parse_datetime(raw.replace(" ", "+") if re.search(r"T\d\d:\d\d(:\d\d(\.\d+)?)? \d\d:?\d\d$", raw) else raw)
    except ValueError:
        at = None
    if at is None:
        raise BadInput(
            gettext("%(name)s must be a W3C date-time such as 2026-12-01T08:00:00+08:00 (got %(value)r)")
            % {"name": name, "value": raw}
        )
    return timezone.make_aware(at) if timezone.is_naive(at) else at


@dataclass(frozen=True)
class Window:
    start: datetime
    end: datetime


def window(start_raw: str | None, end_raw: str | None, now: datetime) -> Window:
    """The span of requested_datetime: the last 90 days by default, never more than 90 days, start ≤ end."""
    start, end = moment(start_raw, "start_date"), moment(end_raw, "end_date", end=True)
    if start is None and end is None:
        return Window(now - WINDOW, now)
    if start is None:
        start = end - WINDOW if end is not None else now - WINDOW
    if end is None:
        end = start + WINDOW
    if start > end:
        raise BadInput(gettext("start_date must not be after end_date"))
    if end - start > WINDOW + timedelta(days=1):  # a bare end date counts its whole day
        raise BadInput(gettext("start_date to end_date may span at most 90 days"))
    return Window(start, end)


def statuses(raw: str | None) -> set[str]:
    """open, closed, or both (comma-separated); all when absent."""
    if raw is None:
        return set(STATUSES)
    asked = {s.strip().lower() for s in raw.split(",") if s.strip()}
    if not asked or asked - set(STATUSES):
        raise BadInput(gettext("status must be open, closed, or open,closed (got %(value)r)") % {"value": raw})
    return asked


def comma_list(raw: str | None) -> list[str]:
    return list(dict.fromkeys(s.strip() for s in (raw or "").split(",") if s.strip()))


def positive(raw: str | None, name: str, default: int, *, most: int | None = None) -> int:
    if raw is None:
        return default
    if not raw.isdigit() or int(raw) < 1 or (most is not None and int(raw) > most):
        bound = gettext(" and at most %(most)d") % {"most": most} if most is not None else ""
        raise BadInput(
            gettext("%(name)s must be a whole number, at least 1%(bound)s (got %(value)r)")
            % {"name": name, "bound": bound, "value": raw}
        )
    return int(raw)


def coordinate(raw: str | None, name: str, limit: float) -> float | None:
    """A WGS-84 degree within ±limit, None when absent."""
    if raw is None:
        return None
    try:
        number = float(raw)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or abs(number) > limit:
        raise BadInput(
            gettext("%(name)s must be a number of degrees between -%(limit)d and %(limit)d (got %(value)r)")
            % {"name": name, "limit": limit, "value": raw}
        )
    return number
