"""Uploads are bounded (issue 10, finding 8): a tiny file of huge dimensions is refused from its header,
before any pixel is decoded; residents without an account upload at most 30 photos an hour from one
address; uploads no case refers to are deleted after a day, files too; a case keeps at most 30 photos."""

import io
import secrets
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from PIL import Image

from gridgov.cases import services, uploads
from gridgov.cases.models import Case, Upload
from gridgov.core.errors import BadInput
from gridgov.core.models import AuditEvent
from gridgov.core.tasks import periodic_tasks
from tests.cases import helpers as h


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def png(size=(64, 48), mode="RGB") -> bytes:
    out = io.BytesIO()
    Image.new(mode, size).save(out, "PNG")
    return out.getvalue()


def post(client: Client, data: bytes, addr: str = "192.0.2.10", **headers):
    return client.post(
        "/api/v1/uploads",
        {"file": SimpleUploadedFile("p.png", data, "image/png")},
        REMOTE_ADDR=addr,
        HTTP_ACCEPT_LANGUAGE="zh-hans",
        **headers,
    )


# ---- pixels before decoding -------------------------------------------------------------------------


def test_a_small_file_of_huge_dimensions_is_refused_before_decoding(db, monkeypatch):
    bomb = png((9400, 9400), mode="1")  # 88 megapixels in a few hundred KB: the attack's file
    assert len(bomb) < 1024 * 1024
    decoded = []
    real_load = Image.Image.load
    monkeypatch.setattr(Image.Image, "load", lambda self, *a, **k: decoded.append(self.size) or real_load(self))
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile.ImageFile, "load", lambda self, *a, **k: decoded.append(self.size) or real_load(self))
    r = post(Client(), bomb)
    assert r.status_code == 400, r.content
    assert "像素" in r.json()["detail"] and "9400×9400" in r.json()["detail"]
    assert decoded == [], "refused on the header: no pixel was decoded"
    assert Upload.objects.count() == 0


def test_the_limit_is_far_below_pillows_and_a_normal_photo_passes(db):
    assert uploads.MAX_PIXELS < Image.MAX_IMAGE_PIXELS / 2  # Pillow only warns up to ~89 MP
    stored = uploads.store_upload(data=png((6000, 4000)))  # 24 MP, a phone's photo
    assert (stored.width, stored.height) == (2048, 1365)


def test_an_animated_image_is_refused(db):
    frames = [Image.new("RGB", (32, 32), (i, 0, 0)) for i in range(5)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    with pytest.raises(BadInput, match="动图"):
        uploads.store_upload(data=out.getvalue())


# ---- anonymous uploads per address ---------------------------------------------------------------------


def test_the_31st_anonymous_upload_in_an_hour_is_429_and_others_are_not_held(demo_city):
    client, small = Client(), png()
    answers = [post(client, small).status_code for _ in range(30)]
    assert answers == [201] * 30
    held = post(client, small)
    assert held.status_code == 429, held.content
    assert "分钟后再试" in held.json()["detail"] and int(held["Retry-After"]) > 0
    assert post(Client(), small, addr="198.51.100.20").status_code == 201, "another address uploads on"
    # staff are accountable (each upload audited under their name) and not held by residents' limit
    worker = h.user("worker-410102001002001")
    staff = Client()
    staff.force_login(worker)
    assert post(staff, small).status_code == 201
    assert Upload.objects.filter(uploaded_by=worker).count() == 1


def test_the_hourly_limit_passes(demo_city):
    client, small = Client(), png()
    later = timezone.now() + timedelta(hours=1, minutes=1)
    for _ in range(30):
        assert post(client, small).status_code == 201
    assert post(client, small).status_code == 429
    with time_machine.travel(later, tick=True):
        assert post(client, small).status_code == 201


# ---- unattached uploads are purged ---------------------------------------------------------------------


def _age(*stored: Upload, days: float) -> None:
    Upload.objects.filter(id__in=[u.id for u in stored]).update(created_at=timezone.now() - timedelta(days=days))


def test_purge_removes_only_old_unattached_uploads_and_their_files(
    demo_city, media_root, django_capture_on_commit_callbacks
):
    lone, fresh, reported, resolved = (uploads.store_upload(data=png()) for _ in range(4))
    made = h.bring("in_progress_unit")
    intake = h.report(photos=[reported.id])
    services.perform(
        "resolve",
        actor=h.actor(h.unit_actor(made.case().lead_unit)),
        number=made.number,
        result="已修复",
        photos=[resolved.id],
    )
    _age(lone, reported, resolved, days=2)
    _age(fresh, days=0.5)
    files = [Path(lone.file.path), Path(lone.thumbnail.path)]
    assert all(f.exists() for f in files)

    with django_capture_on_commit_callbacks(execute=True):  # the files go once the rows' deletion commits
        assert uploads.purge_unattached_uploads() == 1
    assert set(Upload.objects.values_list("id", flat=True)) >= {fresh.id, reported.id, resolved.id}
    assert not Upload.objects.filter(id=lone.id).exists()
    assert not any(f.exists() for f in files), "the file and its thumbnail are gone too"
    assert Path(reported.file.path).exists() and Path(resolved.thumbnail.path).exists()
    assert Case.objects.get(pk=intake.case.pk).photos == [reported.id]
    purged = AuditEvent.objects.get(action="cases.uploads_purged")
    assert purged.data["ids"] == [lone.id]
    assert uploads.purge_unattached_uploads() == 0


def test_an_upload_attached_while_the_purge_looks_is_kept(demo_city, monkeypatch):
    late = uploads.store_upload(data=png())
    _age(late, days=2)
    scan = uploads.referenced_upload_ids

    def racing(**since):
        seen = scan(**since)
        if not since:  # the whole look is done: a resident's report attaches the old photo just now
            h.report(photos=[late.id])
        return seen

    monkeypatch.setattr(uploads, "referenced_upload_ids", racing)
    assert uploads.purge_unattached_uploads() == 0
    assert Upload.objects.filter(id=late.id).exists()


def test_the_purge_runs_periodically():
    assert "gridgov.cases.purge_unattached_uploads" in periodic_tasks()


# ---- a case's photos in all ---------------------------------------------------------------------------


def _ids(n: int) -> list[str]:
    made = []
    for _ in range(n):
        made.append(
            Upload.objects.create(
                id=secrets.token_hex(16),
                file="uploads/x.jpg",
                content_type="image/jpeg",
                size=1,
                width=1,
                height=1,
                sha256="0" * 64,
            ).id
        )
    return made


def test_a_case_keeps_at_most_30_photos_in_all(demo_city):
    made = h.bring("in_progress_unit")

    def step(action: str, who: str, photos: list[str], **body):
        username, _ = h.who_for(who, made.case(), made)
        return services.perform(action, actor=h.actor(username), number=made.number, photos=photos, **body)

    step("resolve", "lead", _ids(9), result="已修复")
    step("verify", "checker", _ids(9), passed=False, note="未修好")
    step("resolve", "lead", _ids(9), result="再次修复")  # 27 photos in all
    with pytest.raises(BadInput, match="30") as refused:
        step("verify", "checker", _ids(4), passed=False, note="仍未修好")
    assert made.case().status == "resolved"
    assert "27" in str(refused.value)
    step("verify", "checker", _ids(3), passed=True)  # 30: still accepted
    assert made.case().status == "verified"
