"""Backup and restore (core.backup, `gridgov backup` / `gridgov restore`) on the engine the suite runs on.

The round trip must keep every case passing the chain check: event times to the microsecond (what
dumpdata/loaddata lose), the photos byte for byte. A damaged file, another engine's backup, one made
with unknown migrations, and a restore onto data without --force are refused with nothing changed.

Transactional: a backup runs outside any transaction (PostgreSQL's snapshot, SQLite's page copy) and a
restore replaces the database under Django's connection (SQLite: the backup API into it; PostgreSQL: our
sessions closed, then one psql transaction drops the tables and loads the dump into the same database,
which is the test database itself). The flush after each test is followed by demo_city's rebuild.
"""

import io
import json
import tarfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone, translation
from PIL import Image

from gridgov.cases import services
from gridgov.cases.chains import verify_chains
from gridgov.cases.models import Case, CaseEvent, Consultation, Upload
from gridgov.cases.uploads import store_upload
from gridgov.core.backup import restore_backup
from gridgov.core.errors import BadInput, Conflict
from gridgov.core.models import AuditEvent
from tests.cases import helpers as h

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _photo(colour) -> str:
    out = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(out, "JPEG")
    return store_upload(data=out.getvalue()).id


@pytest.fixture
def city(demo_city):
    """Cases through the real services: one through the whole loop with a photo at each step, one
    reported at a time with an odd microsecond, one still open."""
    ids = [_photo((200, 40, 40)), _photo((40, 160, 60))]
    number = h.report(photos=[ids[0]]).case.number
    dispatcher = h.actor(h.dispatcher_for(Case.objects.get(number=number).platform))
    services.register_case(actor=dispatcher, number=number)
    services.dispatch_case(actor=dispatcher, number=number, unit=h.UNIT)
    handler = h.actor(h.unit_actor(h.UNIT))
    services.accept_case(actor=handler, number=number)
    services.resolve_case(actor=handler, number=number, result="已修复井盖", photos=[ids[1]])
    odd = (timezone.now() - timedelta(minutes=5)).replace(microsecond=123457)
    h.report(at=odd, title="路灯不亮")
    h.report(grid=h.SIBLING_GRID, title="垃圾满溢")
    return {"numbers": list(Case.objects.values_list("number", flat=True)), "photo_case": number}


def state(media_root: Path) -> dict:
    return {
        "counts": {
            "cases": Case.objects.count(),
            "events": CaseEvent.objects.count(),
            "uploads": Upload.objects.count(),
        },
        "times": {
            (e["case__number"], e["seq"]): e["at"] for e in CaseEvent.objects.values("case__number", "seq", "at")
        },
        "hashes": dict(Case.objects.values_list("number", "last_hash")),
        "files": {str(p.relative_to(media_root)): p.read_bytes() for p in media_root.rglob("*") if p.is_file()},
        "restores": AuditEvent.objects.filter(action="core.restore").count(),
    }


def backup(path: Path) -> dict:
    out, err = io.StringIO(), io.StringIO()
    call_command("backup", str(path), stdout=out, stderr=err)
    assert "writing" in err.getvalue()  # progress goes to stderr, the summary to stdout
    with tarfile.open(path, "r:gz") as tar:
        return json.loads(tar.extractfile("manifest.json").read())


def destroy(city, media_root: Path) -> None:
    """Lose a case, edit an event's time, delete a photo and leave a stray file in the media folder."""
    gone = next(n for n in city["numbers"] if n != city["photo_case"])
    Consultation.objects.filter(case__number=gone).delete()
    CaseEvent.objects.filter(case__number=gone).delete()
    Case.objects.filter(number=gone).delete()
    first = CaseEvent.objects.filter(case__number=city["photo_case"]).order_by("seq").first()
    CaseEvent.objects.filter(pk=first.pk).update(at=first.at + timedelta(microseconds=1))
    next(p for p in media_root.rglob("*.jpg")).unlink()
    (media_root / "stray.jpg").write_bytes(b"not from the backup")


def test_round_trip_keeps_times_to_the_microsecond_photos_and_chains(city, tmp_path, media_root):
    before = state(media_root)
    assert before["counts"]["cases"] >= 3 and before["counts"]["uploads"] == 2
    assert len(before["files"]) == 4  # two photos and their thumbnails
    assert any(at.microsecond % 1000 for at in before["times"].values())  # what dumpdata would cut
    assert verify_chains(numbers=None).ok

    file = tmp_path / "gridgov.tar.gz"
    manifest = backup(file)
    assert manifest["engine"] == connection.vendor
    assert {k: manifest["counts"][k] for k in before["counts"]} == before["counts"]
    assert len([m for m in manifest["members"] if m.startswith("media/")]) == 4
    made = AuditEvent.objects.filter(action="core.backup").latest("id")
    assert made.data["counts"]["cases"] == before["counts"]["cases"]

    destroy(city, media_root)
    assert not verify_chains(numbers=None).ok and state(media_root)["counts"] != before["counts"]

    with pytest.raises(CommandError):  # the database holds data: --force is asked for
        call_command("restore", str(file), stdout=io.StringIO(), stderr=io.StringIO())
    assert AuditEvent.objects.filter(action="core.restore").count() == 0

    out, err = io.StringIO(), io.StringIO()
    call_command("restore", str(file), "--force", stdout=out, stderr=err)
    after = state(media_root)
    assert after["counts"] == before["counts"]
    assert after["times"] == before["times"]  # every event's time, to the microsecond
    assert after["hashes"] == before["hashes"]
    assert after["files"] == before["files"]  # the photos byte for byte, the stray file gone
    report = verify_chains(numbers=None)
    assert report.ok and report.cases == before["counts"]["cases"], report.as_dict()
    assert f"{report.cases} cases, {report.events} events checked" in out.getvalue()
    assert "checking every case's hash chain" in err.getvalue()
    restored = AuditEvent.objects.filter(action="core.restore").get()  # into the restored log
    assert restored.data["chains_ok"] is True and restored.data["counts"] == manifest["counts"]
    assert not AuditEvent.objects.filter(action="core.backup", pk=made.pk).exists()  # made after the snapshot
    assert AuditEvent.objects.count() == manifest["counts"]["audit"] + 1


def test_restore_into_an_empty_database_needs_no_force_but_the_same_keys(city, tmp_path, media_root, settings):
    before = state(media_root)
    file = tmp_path / "gridgov.tar.gz"
    backup(file)
    call_command("flush", interactive=False, verbosity=0)
    for path in media_root.rglob("*.jpg"):
        path.unlink()
    report = restore_backup(path=file)
    assert report.chains.ok and report.media_files == 4
    assert state(media_root) | {"restores": 0} == before

    # The keys are not in the file: restored under another audit key, no chain can be checked.
    settings.GRIDGOV_AUDIT_KEY = "not the key the chains were made with"
    out = io.StringIO()
    with pytest.raises(CommandError, match="GRIDGOV_AUDIT_KEY"):
        call_command("restore", str(file), "--force", stdout=out, stderr=io.StringIO())
    assert "BROKEN" in out.getvalue()
    assert state(media_root)["counts"] == before["counts"]  # restored all the same
    assert AuditEvent.objects.filter(action="core.restore").get().data["chains_ok"] is False


def _repack(source: Path, target: Path, *, manifest=None, member=None) -> None:
    """A copy of a backup with its manifest edited and/or one media member's bytes changed."""
    with tarfile.open(source, "r:gz") as tar:
        members = [(info, tar.extractfile(info).read()) for info in tar.getmembers()]
    with tarfile.open(target, "w:gz") as out:
        for info, body in members:
            if info.name == "manifest.json" and manifest:
                data = json.loads(body)
                manifest(data)
                body = json.dumps(data).encode()
            elif member and info.name.startswith("media/") and info.name.endswith(".jpg"):
                body, member = bytes([body[0] ^ 1]) + body[1:], None
            info.size = len(body)
            out.addfile(info, io.BytesIO(body))


def _other_engine(manifest: dict) -> None:
    manifest["engine"] = "postgresql" if manifest["engine"] == "sqlite" else "sqlite"
    manifest["database"] = "database.pgdump" if manifest["engine"] == "postgresql" else "database.sqlite3"
    manifest["members"][manifest["database"]] = manifest["members"].pop(
        "database.sqlite3" if manifest["engine"] == "postgresql" else "database.pgdump"
    )


DAMAGED = {
    "truncated": lambda src, dst: dst.write_bytes(src.read_bytes()[: src.stat().st_size // 2]),
    "cut just before the end": lambda src, dst: dst.write_bytes(src.read_bytes()[:-20]),
    "a flipped byte": lambda src, dst: dst.write_bytes(
        (lambda b: b[: len(b) // 2] + bytes([b[len(b) // 2] ^ 0xFF]) + b[len(b) // 2 + 1 :])(src.read_bytes())
    ),
    "a photo changed": lambda src, dst: _repack(src, dst, member=True),
    "a member missing": lambda src, dst: _repack(
        src, dst, manifest=lambda m: m["members"].__setitem__("media/extra.jpg", {"sha256": "0" * 64, "size": 1})
    ),
    "not a backup": lambda src, dst: dst.write_bytes(b"hello"),
}
REFUSED = {
    "another engine": (lambda src, dst: _repack(src, dst, manifest=_other_engine), "was made from a"),
    "a future migration": (
        lambda src, dst: _repack(src, dst, manifest=lambda m: m["migrations"].append("cases.9999_from_the_future")),
        "migrations this gridgov does not have",
    ),
}


def test_a_damaged_or_foreign_file_is_refused_with_nothing_changed(city, tmp_path, media_root):
    file = tmp_path / "gridgov.tar.gz"
    backup(file)
    destroy(city, media_root)  # the state a restore would undo
    before = state(media_root)
    cases = [(name, make, "damaged or truncated") for name, make in DAMAGED.items()]
    cases += [(name, make, words) for name, (make, words) in REFUSED.items()]
    for name, make, words in cases:
        bad = tmp_path / f"{name}.tar.gz"
        make(file, bad)
        with translation.override("en"), pytest.raises(BadInput) as refused:
            restore_backup(path=bad, force=True)
        assert words in refused.value.message, name
        assert state(media_root) == before, name
    with translation.override("en"), pytest.raises(Conflict, match="--force"):
        restore_backup(path=file)
    assert state(media_root) == before
    # and the intact file still restores
    assert restore_backup(path=file, force=True).chains.ok
