"""Photos (照片): checked, resized and stripped of their location metadata before they are kept.

Phones put the GPS position of the shooter into EXIF; re-encoding with Pillow keeps the pixels and
drops that. Large photos are scaled down so a grid worker on a weak signal can load a case.

Bounded (DESIGN: uploads cost memory and disk): the pixel count is read from the header and refused
above MAX_PIXELS before anything is decoded (a 257 KB PNG of 9400×9400 would otherwise take ~600 MB);
anonymous uploads are limited per client address (PER_CLIENT, counted in the database by
core.throttle); uploads no case refers to are deleted after a day (`purge_unattached_uploads`).
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import math
import secrets
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from PIL import Image, ImageOps, UnidentifiedImageError

from gridgov.cases.models import Case, CaseEvent, Upload
from gridgov.core import audit, throttle
from gridgov.core.errors import BadInput, TooMany

MAX_BYTES = 15 * 1024 * 1024
MAX_SIDE = 2048
THUMB_SIDE = 320  # lists and timelines show ~160 px: sharp on a phone's 2x screen
ACCEPTED = {"JPEG", "PNG", "WEBP", "MPO", "HEIF", "GIF"}
# At most 40 megapixels (40 MP decode to ~120 MB of RGB), far below Pillow's own limits (it only warns
# up to ~89 MP — the attack's 9400×9400 — and refuses above ~179 MP): checked on the header, before decoding.
MAX_PIXELS = 40_000_000
# A photo is one frame: animated GIF/PNG/WebP with many frames are refused (only the first would be kept).
MAX_FRAMES = 1
# Residents without an account: at most 30 uploads per client address per hour (a report takes ≤ 9).
SCOPE = "upload"
PER_CLIENT = throttle.Limit(failures=30, window=timedelta(hours=1))
UNATTACHED_FOR = timedelta(days=1)  # then an upload no case refers to is deleted


def _check_rate(client: str) -> None:
    """TooMany while this client address has uploaded PER_CLIENT photos within the window; else
    count this upload against it (in its own transaction: a refused photo costs work too)."""
    key = f"client:{client}"
    delay = throttle.wait(SCOPE, key, PER_CLIENT)
    if delay:
        minutes = throttle.whole_minutes(delay)
        raise TooMany(
            ngettext(
                "Too many photos were uploaded from your address. Try again in %(minutes)d minute.",
                "Too many photos were uploaded from your address. Try again in %(minutes)d minutes.",
                minutes,
            )
            % {"minutes": minutes},
            retry_after=math.ceil(delay.total_seconds()),
        )
    with transaction.atomic():
        throttle.fail(SCOPE, [key])  # counts a use, not a failure: the limit is on uploads at all


def _open_checked(data: bytes) -> Image.Image:
    """The image, decoded only once its header said it is small enough (MAX_PIXELS, MAX_FRAMES)."""
    try:
        image = Image.open(io.BytesIO(data))  # reads the header only: size and format, no pixels
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise BadInput(gettext("not an image we can read: send a JPEG, PNG or WebP photo")) from exc
    width, height = image.size
    if width * height > MAX_PIXELS:
        raise BadInput(
            gettext("the photo is %(width)d×%(height)d pixels; at most %(mp)d megapixels are accepted")
            % {"width": width, "height": height, "mp": MAX_PIXELS // 1_000_000}
        )
    if getattr(image, "n_frames", 1) > MAX_FRAMES:
        raise BadInput(gettext("animated images are not accepted: send a JPEG, PNG or WebP photo"))
    try:
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as exc:
        raise BadInput(gettext("not an image we can read: send a JPEG, PNG or WebP photo")) from exc
    return image


def store_upload(*, data: bytes, uploaded_by=None, client: str | None = None) -> Upload:
    """Keep a photo (re-encoded, without EXIF). `client`: the address of an anonymous uploader,
    whose uploads are limited (PER_CLIENT); staff (uploaded_by) are not, their uploads are audited."""
    if uploaded_by is None and client is not None:
        _check_rate(client)
    return _store(data=data, uploaded_by=uploaded_by)


@transaction.atomic
def _store(*, data: bytes, uploaded_by=None) -> Upload:
    if not data:
        raise BadInput(gettext("the file is empty"))
    if len(data) > MAX_BYTES:
        raise BadInput(gettext("the photo is larger than %(mb)d MB") % {"mb": MAX_BYTES // (1024 * 1024)})
    image = _open_checked(data)
    if image.format not in ACCEPTED:
        raise BadInput(
            gettext("%(format)s images are not accepted: send a JPEG, PNG or WebP photo") % {"format": image.format}
        )
    image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF asked for, then drop EXIF
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)  # no exif= : metadata is not copied
    body = out.getvalue()
    upload_id = secrets.token_hex(16)
    upload = Upload(
        id=upload_id,
        content_type="image/jpeg",
        size=len(body),
        width=image.width,
        height=image.height,
        sha256=hashlib.sha256(body).hexdigest(),
        uploaded_by=uploaded_by,
    )
    upload.file.save(f"{upload_id}.jpg", ContentFile(body), save=False)
    upload.thumbnail.save(f"{upload_id}-thumb.jpg", ContentFile(_thumbnail(image)), save=False)
    upload.save()
    audit.record(
        actor=uploaded_by, action="cases.upload", object_type="upload", object_id=upload_id, data={"size": len(body)}
    )
    return upload


def _thumbnail(image: Image.Image) -> bytes:
    """A small JPEG of the (already stripped) photo for lists and timelines; the full one on click."""
    small = image.convert("RGB")
    small.thumbnail((THUMB_SIDE, THUMB_SIDE))
    out = io.BytesIO()
    small.save(out, "JPEG", quality=75, optimize=True)
    return out.getvalue()


# Apps above cases whose rows keep upload ids (a campaign's ticked item with its photo …) register a
# function that returns them (register_photo_holder, from their AppConfig.ready): cases cannot import them.
_PHOTO_HOLDERS: list[Callable[[], Iterable[str]]] = []


def register_photo_holder(holder: Callable[[], Iterable[str]]) -> None:
    """Keep the uploads `holder()` names through the purge of unattached uploads."""
    if holder not in _PHOTO_HOLDERS:
        _PHOTO_HOLDERS.append(holder)


def referenced_upload_ids(*, after_case: int = 0, after_event: int = 0) -> set[str]:
    """Every photo id a case or a registered holder refers to: Case.photos (the report's) and its events'
    data ("photos" of resolve, verify, assist and report, "result_photos" of resolve_on_spot) — cases.photos'
    rule.
    `after_case`/`after_event`: only rows with a larger id (those written since an earlier look)."""
    from gridgov.cases.photos import event_photo_ids

    ids: set[str] = set()
    cases = Case.objects.filter(pk__gt=after_case).exclude(photos=[])
    for photos in cases.values_list("photos", flat=True).iterator():
        ids.update(p for p in photos or [] if isinstance(p, str))
    for data in CaseEvent.objects.filter(pk__gt=after_event).values_list("data", flat=True).iterator():
        ids.update(event_photo_ids(data if isinstance(data, dict) else None))
    for holder in _PHOTO_HOLDERS:  # looked at whole each time: their tables are small
        ids.update(holder())
    return ids


def purge_unattached_uploads(*, older_than: timedelta = UNATTACHED_FOR, now: datetime | None = None) -> int:
    """Delete the uploads (rows, files and thumbnails) older than `older_than` that no case refers to:
    photos uploaded for a report or an action that never came. Returns how many were deleted."""
    cutoff = (now or timezone.now()) - older_than
    candidates = list(Upload.objects.filter(created_at__lt=cutoff).values_list("id", flat=True))
    if not candidates:
        return 0
    last_case = Case.objects.aggregate(last=Max("pk"))["last"] or 0
    last_event = CaseEvent.objects.aggregate(last=Max("pk"))["last"] or 0
    kept = referenced_upload_ids()
    doomed = [i for i in candidates if i not in kept]
    deleted = 0
    for start in range(0, len(doomed), 500):
        with transaction.atomic():
            # Locked, then looked at again in the cases and events written since: an action attaching
            # one of them (services._check_photos locks the uploads it attaches) either committed
            # before — and is seen here — or waits and then finds the photo gone (400, upload again).
            batch = list(Upload.objects.select_for_update().filter(id__in=doomed[start : start + 500]))
            since = referenced_upload_ids(after_case=last_case, after_event=last_event)
            batch = [u for u in batch if u.id not in since]
            files = [(u.file.storage, u.file.name) for u in batch if u.file] + [
                (u.thumbnail.storage, u.thumbnail.name) for u in batch if u.thumbnail
            ]
            Upload.objects.filter(id__in=[u.id for u in batch]).delete()
            if batch:
                audit.record(
                    action="cases.uploads_purged",
                    object_type="upload",
                    object_id=batch[0].id,
                    data={
                        "count": len(batch),
                        "ids": [u.id for u in batch],
                        "older_than_hours": older_than.total_seconds() / 3600,
                    },
                )
            transaction.on_commit(lambda files=files: _delete_files(files))
        deleted += len(batch)
    return deleted


def _delete_files(files) -> None:
    for storage, name in files:
        with contextlib.suppress(OSError):  # already gone: the row is what matters
            storage.delete(name)
