"""What the staff case pages (/dept/, /m/) show of a case file besides its forms: its timeline with
photos (unit names come from people.selectors.unit_names)."""

from __future__ import annotations

from gridgov.cases.models import Upload


def when(value: str | None) -> str:
    """An ISO time (local, with offset) to the minute, for reading."""
    return value[:16].replace("T", " ") if value else ""


def _photos_of(data: dict | None) -> list[str]:
    return (data or {}).get("photos") or []


def timeline(view: dict, names: dict[str, str]) -> tuple[list[dict], list[dict]]:
    """The events of a staff view ready for the _timeline.html partial, and the case's own photos;
    every photo URL in one query."""
    ids = {p for e in view["events"] for p in _photos_of(e["data"])} | set(view["photos"] or [])
    urls = {u.id: u.file.url for u in Upload.objects.filter(id__in=ids)}
    events = [{**e, "when": when(e["at"]), "unit_name": names.get(e["unit"], e["unit"]) if e["unit"] else "",
               "photos": [{"id": p, "url": urls.get(p)} for p in _photos_of(e["data"])]}
              for e in view["events"]]
    return events, [{"id": p, "url": urls.get(p)} for p in (view["photos"] or [])]
