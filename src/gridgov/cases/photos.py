"""Who may see which photo of a case (案件照片): the rule the photo view applies.

Photos are kept as `Upload`s and referred to by id: from `Case.photos` (the report's, 处置前) and from
events — `data["photos"]` of resolve (处置后) and verify (核查), `data["result_photos"]` of
resolve_on_spot (处置后). A photo is always asked for through a case (its address holds the case
number and the photo's random id), so the rule is a look at one case:

- staff see every photo of the cases in their grids and units (`selectors.visible_cases`);
- the reporter, once they proved it is them (their session remembers the case), sees the public
  photos: the report's own, and — once the case is handled — those of the result; for a merged
  duplicate, the result of the case it was merged into (what their /track/ page follows). Check
  photos (核查) stay with staff: they document the office's own work;
- nobody else sees anything, and every refusal is 404: a guessed address learns nothing.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext

from gridgov.cases.models import Case, CaseEvent, Status, Upload
from gridgov.cases.selectors import visible_cases
from gridgov.core.errors import NotFound
from gridgov.people.actors import Actor

RESOLVING = ("resolve", "resolve_on_spot")
HANDLED = (Status.RESOLVED, Status.VERIFIED, Status.CLOSED, Status.EVALUATED)


def _ids(value) -> list[str]:
    return [p for p in value or [] if isinstance(p, str)]


def _result_ids(event: CaseEvent | None) -> list[str]:
    if event is None:
        return []
    return _ids(event.data.get("result_photos" if event.action == "resolve_on_spot" else "photos"))


def before_and_after(case: Case) -> dict[str, list[str]]:
    """处置前 / 处置后: the report's photos and those of the latest result (a rework's new result
    replaces the old one; earlier results stay in the timeline)."""
    latest = case.events.filter(action__in=RESOLVING).order_by("-seq").first()
    return {"before": _ids(case.photos), "after": _result_ids(latest)}


def public_photos(case: Case) -> dict[str, list[str]]:
    """What the proven reporter sees: their report's photos, and the result's once it is handled."""
    followed = case.master if case.master_id else case
    after = before_and_after(followed)["after"] if followed.status in HANDLED else []
    return {"before": _ids(case.photos), "after": after}


def event_photo_ids(data: dict | None) -> list[str]:
    """The photos an event refers to (its data's "photos", and "result_photos" of 就地解决)."""
    data = data or {}
    return [*_ids(data.get("photos")), *_ids(data.get("result_photos"))]


def all_photo_ids(case: Case) -> set[str]:
    """Every photo a case refers to: its report's and every event's."""
    ids = set(_ids(case.photos))
    for data in case.events.values_list("data", flat=True):
        ids.update(event_photo_ids(data))
    return ids


def photo_of_case(*, actor: Actor | None, proven: Iterable[str], number: str, upload_id: str) -> Upload:
    """The photo `upload_id` of case `number` if this visitor may see it: staff in scope (actor), or the
    reporter who proved the case (`proven`: the case numbers their session remembers); NotFound for
    everyone and everything else — the same answer whether or not the case or the photo exists."""
    missing = NotFound(gettext("no such photo"))
    case = Case.objects.select_related("master").filter(number=number).first()
    if case is None:
        raise missing
    allowed: set[str] = set()
    if actor is not None and actor.posts and visible_cases(actor).filter(pk=case.pk).exists():
        allowed = all_photo_ids(case)
    if upload_id not in allowed and number in set(proven):
        allowed = {p for ids in public_photos(case).values() for p in ids}
    upload = Upload.objects.filter(id=upload_id).first() if upload_id in allowed else None
    if upload is None:
        raise missing
    return upload


def own_upload(*, user, session_uploads: Iterable[str], upload_id: str) -> Upload:
    """A photo its uploader sees before it belongs to a case (the `url` POST /api/v1/uploads answers):
    the signed-in user who uploaded it, or the browser session it was uploaded from. NotFound otherwise."""
    upload = Upload.objects.filter(id=upload_id).first()
    mine = upload is not None and (
        upload_id in set(session_uploads)
        or (getattr(user, "is_authenticated", False) and upload.uploaded_by_id == user.pk)
    )
    if not mine:
        raise NotFound(gettext("no such photo"))
    return upload


# What a browser session remembers, so that its photos load without asking again: the cases its
# visitor proved on /track/, and the photos it uploaded. Bounded: a session is no store.
SESSION_PROVEN = "proven_cases"
SESSION_UPLOADS = "uploaded_photos"
SESSION_LIMIT = 50


def remember(session, key: str, value: str) -> None:
    """Add `value` to the session's list `key` (newest last, at most SESSION_LIMIT)."""
    values = [v for v in session.get(key, []) if v != value] + [value]
    session[key] = values[-SESSION_LIMIT:]
