"""Checks of what a person typed or attached, shared by intake and the steps (400 with the reason)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from gridgov.cases.models import Case, Upload
from gridgov.cases.wording import field_name
from gridgov.core.errors import BadInput

MAX_PHOTOS = 9  # photos one report or one step attaches
MAX_CASE_PHOTOS = 30  # photos a case may gather in its whole life: its report's and every step's


def text(value: str | None, label: str, *, required: bool = False, limit: int = 2000) -> str:
    """`value` stripped; BadInput when required and empty, or longer than `limit`."""
    value = (value or "").strip()
    if required and not value:
        raise BadInput(gettext("%(field)s is required") % {"field": field_name(label)})
    if len(value) > limit:
        raise BadInput(
            gettext("%(field)s is longer than %(limit)d characters") % {"field": field_name(label), "limit": limit}
        )
    return value


def check_photos(ids: list[str] | None) -> list[str]:
    """Upload ids, each once: at most MAX_PHOTOS, every one uploaded (and locked while attached)."""
    ids = list(dict.fromkeys(ids or []))
    if len(ids) > MAX_PHOTOS:
        raise BadInput(gettext("attach at most %(count)d photos") % {"count": MAX_PHOTOS})
    if not ids:
        return ids
    # locked inside a transaction: the purge of unattached uploads (cases.uploads) cannot delete one while it
    # is attached. Intake checks first, outside its transaction, then locks them again inside it.
    uploads = Upload.objects.filter(id__in=ids)
    if transaction.get_connection().in_atomic_block:
        uploads = uploads.select_for_update()
    known = set(uploads.values_list("id", flat=True))
    missing = [i for i in ids if i not in known]
    if missing:
        raise BadInput(
            gettext("unknown photo id(s) %(ids)s: upload them first with POST /api/v1/uploads")
            % {"ids": ", ".join(missing)}
        )
    return ids


def check_case_photos(case: Case, ids: list[str]) -> list[str]:
    """`ids` (already checked by check_photos), refused when the case would refer to more than
    MAX_CASE_PHOTOS distinct photos in all."""
    if not ids:
        return ids
    from gridgov.cases.photos import all_photo_ids

    held = all_photo_ids(case)
    if len(held | set(ids)) > MAX_CASE_PHOTOS:
        raise BadInput(
            gettext("case %(number)s already has %(held)d photos; a case keeps at most %(max)d in all")
            % {"number": case.number, "held": len(held), "max": MAX_CASE_PHOTOS}
        )
    return ids
