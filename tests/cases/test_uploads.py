"""Photos (POST /api/v1/uploads): stored without their EXIF (the shooter's GPS position), scaled to
at most 2048 px, refused when they are not images; cases and actions then refer to them by id."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gridgov.cases import services
from gridgov.cases.models import Case, CaseEvent, Upload
from gridgov.people.actors import Actor

GPS_IFD = 0x8825
GPS = {1: "N", 2: (34.0, 45.0, 21.6), 3: "E", 4: (113.0, 37.0, 40.2), 5: 0, 6: 110.0}


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def phone_photo(size=(4000, 3000), fmt="JPEG") -> bytes:
    """A photo as a phone takes it: large, with the GPS position and the camera model in EXIF."""
    image = Image.linear_gradient("L").resize(size).convert("RGB")
    exif = Image.Exif()
    exif[0x010F] = "Huawei"  # Make
    exif[0x0110] = "P60"  # Model
    exif[0x8825] = GPS  # GPSInfo
    out = io.BytesIO()
    image.save(out, fmt, exif=exif, quality=90)
    data = out.getvalue()
    # the fixture itself must carry what the upload is supposed to strip
    written = Image.open(io.BytesIO(data)).getexif()
    assert written.get_ifd(GPS_IFD)[2] == GPS[2] and written[0x0110] == "P60"
    return data


def upload(api_client, data: bytes, name="photo.jpg", content_type="image/jpeg"):
    return api_client.client.post(
        "/api/v1/uploads", {"file": SimpleUploadedFile(name, data, content_type)}, **api_client.headers
    )


def test_photo_is_stored_without_exif_and_scaled_down(api, media_root):
    data = phone_photo()
    r = upload(api(), data)
    assert r.status_code == 201, r.content
    body = r.json()
    assert set(body) == {"id", "url"}
    assert body["url"].startswith("/media/") and body["id"] in body["url"]

    stored = Upload.objects.get(id=body["id"])
    with stored.file.open("rb") as f:
        kept = f.read()
    assert str(media_root) in stored.file.path
    assert b"Exif" not in kept and b"Huawei" not in kept and b"P60" not in kept  # no APP1 segment at all
    image = Image.open(io.BytesIO(kept))
    assert image.format == "JPEG"
    assert len(image.getexif()) == 0 and "exif" not in image.info
    assert max(image.size) <= 2048
    assert image.size == (2048, 1536)  # the aspect ratio is kept
    assert (stored.width, stored.height, stored.size) == (2048, 1536, len(kept))
    assert stored.uploaded_by is None  # a resident without an account


def test_png_with_exif_is_re_encoded(api):
    r = upload(api("worker-410102001002001"), phone_photo((800, 600), "PNG"), name="p.png", content_type="image/png")
    assert r.status_code == 201, r.content
    stored = Upload.objects.get(id=r.json()["id"])
    with stored.file.open("rb") as f:
        image = Image.open(io.BytesIO(f.read()))
    assert image.format == "JPEG" and image.size == (800, 600) and len(image.getexif()) == 0
    assert stored.uploaded_by.username == "worker-410102001002001"


@pytest.mark.parametrize(
    "data, name, words",
    [
        (b"%PDF-1.4 this is not a photo\n" * 20, "report.pdf", "not an image"),
        (b"\xff\xd8\xff\xe0 a broken jpeg", "broken.jpg", "not an image"),
        (b"", "empty.jpg", "empty"),
    ],
)
def test_non_images_and_empty_files_are_400(api, data, name, words):
    before = Upload.objects.count()
    r = upload(api(language="en"), data, name=name)
    assert r.status_code == 400, r.content
    assert set(r.json()) == {"detail"} and words in r.json()["detail"]
    assert Upload.objects.count() == before


def test_photo_ids_in_a_report_and_in_resolve(api, account, spot):
    first = upload(api(), phone_photo((1200, 900))).json()["id"]
    second = upload(api("worker-410102001002001"), phone_photo((900, 1200))).json()["id"]

    r = api().post("/cases", {"title": "路面破损", "lon": spot["lon"], "lat": spot["lat"], "photos": [first]})
    assert r.status_code == 201, r.content
    number = r.json()["number"]
    case = Case.objects.get(number=number)
    assert case.photos == [first]
    assert CaseEvent.objects.get(case=case, action="report").data["photos"] == [first]

    dispatcher = Actor.of(account("dispatcher-410102001"))
    services.register_case(actor=dispatcher, number=number)
    services.dispatch_case(actor=dispatcher, number=number, unit=spot["grid"])
    worker = api(f"worker-{spot['grid']}", language="en")
    assert worker.act(number, "accept").status_code == 200
    r = worker.act(number, "resolve", {"result": "已修补", "photos": ["f" * 32]})
    assert r.status_code == 400 and "unknown photo" in r.json()["detail"]
    r = worker.act(number, "resolve", {"result": "已修补", "photos": [second]})
    assert r.status_code == 200, r.content
    assert r.json()["status"] == "resolved"
    assert CaseEvent.objects.get(case=case, action="resolve").data["photos"] == [second]
    assert r.json()["photos"] == [first]  # the report's photos stay the report's
