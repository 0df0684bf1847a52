"""What the staff case pages (/console/, /dept/, /m/) show of a case file besides its forms: its
timeline with photos and who took each step (unit names come from people.selectors.unit_names), and
its status and deadlines in the handler's words."""

from __future__ import annotations

from django.utils.translation import gettext_lazy, pgettext

from gridgov.cases.event_actors import actor_kind
from gridgov.cases.models import Upload
from gridgov.cases.photos import event_photo_ids
from gridgov.people.models import Role
from gridgov.people.selectors import unit_names
from gridgov.web.media import photo_links

ROLE_NAMES = dict(Role.choices)
# The statuses as the handling side reads them (/dept/ and /m/); residents read cases.selectors.PUBLIC_STATUS_WORDS.
STATUS_WORDS = {
    "reported": gettext_lazy("Reported"),
    "registered": gettext_lazy("Registered"),
    "dispatched": gettext_lazy("Dispatched, to sign"),
    "in_progress": gettext_lazy("In progress"),
    "suspended": gettext_lazy("Suspended"),
    "resolved": gettext_lazy("Resolved, waiting for check"),
    "verified": gettext_lazy("Verified"),
    "closed": gettext_lazy("Closed"),
    "evaluated": gettext_lazy("Evaluated"),
    "rejected": gettext_lazy("Rejected"),
    "merged": gettext_lazy("Merged"),
}
LIGHT_WORDS = {"green": gettext_lazy("On time"), "yellow": gettext_lazy("Due soon"), "red": gettext_lazy("Overdue")}
SUSPENDED_WORD = gettext_lazy("Suspended")  # 挂账: in place of the light


def when(value: str | None) -> str:
    """An ISO time (local, with offset) to the minute, for reading."""
    return value[:16].replace("T", " ") if value else ""


def deadlines_in_words(info: dict | None, case=None) -> dict | None:
    """The deadlines of a case summary in words. A suspended case (挂账) shows that and its review date
    instead of a light: its clock is stopped, and the light frozen at suspension would only mislead."""
    if not info:
        return None
    light = info.get("light") or ""
    shown = {
        "sign_by": when(info.get("sign_by")),
        "resolve_by": when(info.get("resolve_by")),
        "light": light,
        "light_word": LIGHT_WORDS.get(light, ""),
    }
    if case is not None and case.status == "suspended":
        shown.update(
            light="suspended",
            light_word=SUSPENDED_WORD,
            suspended=True,
            review_on=case.review_on.isoformat() if case.review_on else "",
        )
    return shown


def who(event: dict, names: dict[str, str]) -> dict:
    """Who took a step, in words: "居民", "系统", or the role and the person ("网格员 张三"), with
    their own unit or grid; for a dispatch, the unit it went to."""
    kind = actor_kind(event["role"])
    if kind == "resident":
        text = pgettext("timeline", "Resident")
    elif kind == "system":
        text = pgettext("timeline", "System")
    else:
        role = ROLE_NAMES.get(event["role"], "")
        text = f"{role} {event['actor_name'] or event['actor']}".strip()
    unit = event.get("actor_unit") or ""
    target = event["unit"] if event["action"] == "dispatch" and event["unit"] else ""
    return {"who": text, "actor_unit_name": names.get(unit, unit), "target_name": names.get(target, target)}


def event_unit_names(view: dict, names: dict[str, str] | None = None) -> dict[str, str]:
    """`names` with the names of every unit and grid the events mention."""
    codes = {c for e in view["events"] for c in (e.get("actor_unit"), e["unit"]) if c} - set(names or {})
    return {**(names or {}), **unit_names(codes)}


def timeline(view: dict, names: dict[str, str]) -> tuple[list[dict], list[dict]]:
    """The events of a staff view ready for the _timeline.html partial (oldest first, as on every
    page), and the case's own photos; every photo URL in one query."""
    ids = {p for e in view["events"] for p in event_photo_ids(e["data"])} | set(view["photos"] or [])
    known = set(Upload.objects.filter(id__in=ids).values_list("id", flat=True))
    # served by web.media to those who may see the case: the thumbnail here, the full photo on click
    urls = {link["id"]: link for link in photo_links(view["number"], sorted(known))}
    names = event_unit_names(view, names)
    events = [
        {
            **e,
            "when": when(e["at"]),
            "unit_name": names.get(e["unit"], e["unit"]) if e["unit"] else "",
            **who(e, names),
            "photos": [urls.get(p, {"id": p}) for p in event_photo_ids(e["data"])],
        }
        for e in view["events"]
    ]
    return events, [urls.get(p, {"id": p}) for p in (view["photos"] or [])]
