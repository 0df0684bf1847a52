"""The 12345 adapter's configuration: the city platform's address and token (settings / environment) and the
field mapping (a JSON file: hotline/mapping.json by default, GRIDGOV_12345_MAPPING to replace it)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.translation import gettext

from gridgov.core.errors import BadInput
from gridgov.exchange.orders import OrderFields

SYSTEM = "12345"
DESTINATION = "12345"  # outbound messages' destination (and transport kind)
DEFAULT_MAPPING = Path(__file__).with_name("mapping.json")
LOCAL = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class Config:
    url: str  # the city platform's base URL, "" when the adapter is off
    token: str
    mapping: dict[str, Any]

    @property
    def enabled(self) -> bool:
        return bool(self.url)


def current() -> Config:
    """Read now (tests and the demo set the URL at run time)."""
    url = (getattr(settings, "GRIDGOV_12345_URL", "") or "").rstrip("/")
    token = getattr(settings, "GRIDGOV_12345_TOKEN", "") or ""
    path = getattr(settings, "GRIDGOV_12345_MAPPING", "") or str(DEFAULT_MAPPING)
    return Config(url=url, token=token, mapping=_mapping(path))


@lru_cache(maxsize=4)
def _mapping(path: str) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _time(value: Any, fmt: str, field: str) -> datetime | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        moment = datetime.strptime(text, fmt) if "T" not in text else datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            raise BadInput(gettext("%(field)s: not a time (%(value)s)") % {"field": field, "value": text}) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=LOCAL)


def _number(value: Any, field: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise BadInput(gettext("%(field)s: not a number (%(value)s)") % {"field": field, "value": value}) from None


def to_fields(order: dict[str, Any], mapping: dict[str, Any]) -> OrderFields:
    """One city work order (their field names) as our OrderFields; BadInput names the field that is wrong."""
    names: dict[str, str] = mapping["fields"]

    def get(ours: str) -> Any:
        value = order.get(names.get(ours, ours))
        return value.strip() if isinstance(value, str) else value

    number, title, text = str(get("number") or ""), str(get("title") or ""), str(get("text") or "")
    if not number:
        raise BadInput(gettext("the work order has no number (%(field)s)") % {"field": names["number"]})
    if not (title or text):
        raise BadInput(gettext("work order %(number)s has neither title nor text") % {"number": number})
    crs_raw = str(get("crs") or "")
    crs = mapping.get("crs_values", {}).get(crs_raw)
    if crs is None:
        raise BadInput(
            gettext("work order %(number)s: unknown coordinate system %(crs)s") % {"number": number, "crs": crs_raw}
        )
    fmt = mapping.get("time_format", "%Y-%m-%d %H:%M:%S")
    return OrderFields(
        number=number,
        title=(title or text)[:200],
        text=text,
        received_at=_time(get("received_at"), fmt, names["received_at"]),
        channel="hotline",
        caller_name=str(get("caller_name") or ""),
        caller_phone=str(get("caller_phone") or ""),
        address=str(get("address") or ""),
        district=str(get("district") or ""),
        lon=_number(get("lon"), names["lon"]),
        lat=_number(get("lat"), names["lat"]),
        crs=crs,
        category_code=str(get("category_code") or ""),
        deadline=_time(get("deadline"), fmt, names["deadline"]),
    )
