"""Photos (照片): checked, resized and stripped of their location metadata before they are kept.

Phones put the GPS position of the shooter into EXIF; re-encoding with Pillow keeps the pixels and
drops that. Large photos are scaled down so a grid worker on a weak signal can load a case.
"""

from __future__ import annotations

import hashlib
import io
import secrets

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext
from PIL import Image, ImageOps, UnidentifiedImageError

from gridgov.cases.models import Upload
from gridgov.core import audit
from gridgov.core.errors import BadInput

MAX_BYTES = 15 * 1024 * 1024
MAX_SIDE = 2048
THUMB_SIDE = 320  # lists and timelines show ~160 px: sharp on a phone's 2x screen
ACCEPTED = {"JPEG", "PNG", "WEBP", "MPO", "HEIF", "GIF"}


@transaction.atomic
def store_upload(*, data: bytes, uploaded_by=None) -> Upload:
    if not data:
        raise BadInput(gettext("the file is empty"))
    if len(data) > MAX_BYTES:
        raise BadInput(gettext("the photo is larger than %(mb)d MB") % {"mb": MAX_BYTES // (1024 * 1024)})
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise BadInput(gettext("not an image we can read: send a JPEG, PNG or WebP photo")) from exc
    if image.format not in ACCEPTED:
        raise BadInput(gettext("%(format)s images are not accepted: send a JPEG, PNG or WebP photo")
                       % {"format": image.format})
    image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF asked for, then drop EXIF
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)  # no exif= : metadata is not copied
    body = out.getvalue()
    upload_id = secrets.token_hex(16)
    upload = Upload(id=upload_id, content_type="image/jpeg", size=len(body), width=image.width, height=image.height,
                    sha256=hashlib.sha256(body).hexdigest(), uploaded_by=uploaded_by)
    upload.file.save(f"{upload_id}.jpg", ContentFile(body), save=False)
    upload.thumbnail.save(f"{upload_id}-thumb.jpg", ContentFile(_thumbnail(image)), save=False)
    upload.save()
    audit.record(actor=uploaded_by, action="cases.upload", object_type="upload", object_id=upload_id,
                 data={"size": len(body)})
    return upload


def _thumbnail(image: Image.Image) -> bytes:
    """A small JPEG of the (already stripped) photo for lists and timelines; the full one on click."""
    small = image.convert("RGB")
    small.thumbnail((THUMB_SIDE, THUMB_SIDE))
    out = io.BytesIO()
    small.save(out, "JPEG", quality=75, optimize=True)
    return out.getvalue()
