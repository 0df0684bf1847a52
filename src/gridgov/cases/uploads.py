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
from PIL import Image, ImageOps, UnidentifiedImageError

from gridgov.cases.models import Upload
from gridgov.core import audit
from gridgov.core.errors import BadInput

MAX_BYTES = 15 * 1024 * 1024
MAX_SIDE = 2048
ACCEPTED = {"JPEG", "PNG", "WEBP", "MPO", "HEIF", "GIF"}


@transaction.atomic
def store_upload(*, data: bytes, uploaded_by=None) -> Upload:
    if not data:
        raise BadInput("the file is empty")
    if len(data) > MAX_BYTES:
        raise BadInput(f"the photo is larger than {MAX_BYTES // (1024 * 1024)} MB")
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as exc:
        raise BadInput("not an image we can read: send a JPEG, PNG or WebP photo") from exc
    if image.format not in ACCEPTED:
        raise BadInput(f"{image.format} images are not accepted: send a JPEG, PNG or WebP photo")
    image = ImageOps.exif_transpose(image)  # keep the orientation the EXIF asked for, then drop EXIF
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)  # no exif= : metadata is not copied
    body = out.getvalue()
    upload_id = secrets.token_hex(16)
    upload = Upload(id=upload_id, content_type="image/jpeg", size=len(body), width=image.width, height=image.height,
                    sha256=hashlib.sha256(body).hexdigest(), uploaded_by=uploaded_by)
    upload.file.save(f"{upload_id}.jpg", ContentFile(body), save=False)
    upload.save()
    audit.record(actor=uploaded_by, action="cases.upload", object_type="upload", object_id=upload_id,
                 data={"size": len(body)})
    return upload
