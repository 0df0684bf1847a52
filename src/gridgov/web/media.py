"""Photos (照片), served only to those who may see them — the rule is cases.photos; this only translates.

    /media/cases/<number>/<id>/         the full photo
    /media/cases/<number>/<id>/thumb/   its thumbnail (lists, timelines)
    /media/uploads/<id>/                a photo its uploader just sent (before it belongs to a case)

Anyone else gets 404, never 403: a guessed address learns nothing. By default Django streams the
file; with GRIDGOV_MEDIA_ACCEL_REDIRECT set (e.g. /protected-media/) the answer is empty with an
X-Accel-Redirect header and nginx sends the file from an `internal` location (docs/deploy.md).
"""

from __future__ import annotations

from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.views.decorators.http import require_GET

from gridgov.cases import photos
from gridgov.cases.models import Upload
from gridgov.core.errors import NotFound
from gridgov.people.actors import Actor


def photo_links(number: str, ids: list[str]) -> list[dict]:
    """The addresses of a case's photos for a page: full and thumbnail."""
    return [
        {
            "id": i,
            "url": reverse("web:case-photo", args=[number, i]),
            "thumb": reverse("web:case-photo-thumb", args=[number, i]),
        }
        for i in ids
    ]


def evidence(number: str, sets: dict[str, list[str]]) -> dict[str, list[dict]]:
    """处置前 / 处置后 (cases.photos.before_and_after or public_photos) as links for _case_photos.html."""
    return {"before": photo_links(number, sets["before"]), "after": photo_links(number, sets["after"])}


def _send(upload: Upload, *, thumb: bool) -> HttpResponse:
    stored = upload.thumbnail if thumb and upload.thumbnail else upload.file  # older photos have no thumbnail
    accel = settings.GRIDGOV_MEDIA_ACCEL_REDIRECT
    if accel:
        response = HttpResponse(content_type="image/jpeg")
        response["X-Accel-Redirect"] = accel.rstrip("/") + "/" + quote(stored.name)
    else:
        try:
            response = FileResponse(stored.open("rb"), content_type="image/jpeg")
        except FileNotFoundError:
            raise Http404(gettext("no such photo")) from None
    # private: only this browser may keep it, since whether one may see it depends on who asks
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require_GET
def case_photo(request, number: str, upload_id: str, thumb: bool = False):
    actor = Actor.of(request.user) if request.user.is_authenticated else None
    try:
        upload = photos.photo_of_case(
            actor=actor, proven=request.session.get(photos.SESSION_PROVEN, []), number=number, upload_id=upload_id
        )
    except NotFound:
        raise Http404(gettext("no such photo")) from None
    return _send(upload, thumb=thumb)


@require_GET
def own_photo(request, upload_id: str):
    try:
        upload = photos.own_upload(
            user=request.user, session_uploads=request.session.get(photos.SESSION_UPLOADS, []), upload_id=upload_id
        )
    except NotFound:
        raise Http404(gettext("no such photo")) from None
    return _send(upload, thumb=False)
