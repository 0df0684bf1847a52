"""A photo for the demo's steps that need one (a checklist item, a site visit): a small plain JPEG."""

import io

from PIL import Image


def demo_photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (96, 160, 96)).save(out, "JPEG")
    return out.getvalue()
