"""Photos are served through an authorizing view (web.media, rule in cases.photos): staff in scope
and the reporter who proved the case see them; everyone else gets 404, like a guessed address.
Thumbnails for lists and timelines; X-Accel-Redirect behind nginx. The case pages show 处置前 and
处置后 side by side."""

import io
import re
import secrets

import pytest
from django.test import Client
from PIL import Image

from gridgov.cases import services
from gridgov.cases.models import Upload
from gridgov.cases.uploads import THUMB_SIDE, store_upload
from gridgov.people.selectors import unit_names
from tests.cases import helpers as h


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.GRIDGOV_MEDIA_ACCEL_REDIRECT = ""
    return settings.MEDIA_ROOT


def _photo(colour, size=(1600, 1200)) -> str:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return store_upload(data=out.getvalue()).id


@pytest.fixture
def photo_case(demo_city):
    """A case through the loop with a photo at each step: the report (处置前), the department's
    result (处置后) and the grid worker's check (核查)."""
    ids = {"before": _photo((200, 40, 40)), "after": _photo((40, 160, 60)), "check": _photo((40, 40, 200))}
    intake = h.report(photos=[ids["before"]])
    number = intake.case.number
    dispatcher = h.actor(h.dispatcher_for(intake.case.platform))
    services.register_case(actor=dispatcher, number=number)
    services.dispatch_case(actor=dispatcher, number=number, unit=h.UNIT)
    handler = h.actor(h.unit_actor(h.UNIT))
    services.accept_case(actor=handler, number=number)
    services.resolve_case(actor=handler, number=number, result="已修复井盖", photos=[ids["after"]])
    worker, _ = h.grid_staff(h.GRID)
    services.verify_case(actor=h.actor(worker), number=number, passed=True, photos=[ids["check"]])
    return {
        "number": number,
        "code": intake.tracking_code,
        "ids": ids,
        "platform": intake.case.platform,
        "dispatcher": h.dispatcher_for(intake.case.platform),
        "handler": h.unit_actor(h.UNIT),
        "worker": worker,
    }


def _url(number, upload_id, thumb=False):
    return f"/media/cases/{number}/{upload_id}/" + ("thumb/" if thumb else "")


def _signed_in(username) -> Client:
    client = Client()
    client.force_login(h.user(username))
    return client


def _image(response) -> Image.Image:
    return Image.open(io.BytesIO(b"".join(response.streaming_content)))


@pytest.mark.parametrize("who", ["dispatcher", "handler", "worker"])
def test_staff_in_scope_see_every_photo_of_the_case(photo_case, who):
    client = _signed_in(photo_case[who])
    for name, upload_id in photo_case["ids"].items():
        r = client.get(_url(photo_case["number"], upload_id))
        assert r.status_code == 200, (who, name)
        assert r["Content-Type"] == "image/jpeg" and r["Cache-Control"] == "private, max-age=3600"
        assert _image(r).size == (1600, 1200)


@pytest.mark.parametrize("who", ["worker-" + h.SIBLING_GRID, "dispatcher-" + h.OTHER_STREET, "handler-" + h.OTHER_UNIT])
def test_staff_out_of_scope_get_404(photo_case, who):
    client = _signed_in(who)
    for upload_id in photo_case["ids"].values():
        assert client.get(_url(photo_case["number"], upload_id)).status_code == 404
        assert client.get(_url(photo_case["number"], upload_id, thumb=True)).status_code == 404


def test_anonymous_and_guessed_addresses_get_404(photo_case):
    number, ids = photo_case["number"], photo_case["ids"]
    anonymous = Client()
    for upload_id in ids.values():
        assert anonymous.get(_url(number, upload_id)).status_code == 404
    insider = _signed_in(photo_case["dispatcher"])
    assert insider.get(_url(number, secrets.token_hex(16))).status_code == 404, "a guessed id"
    other = h.report().case.number  # a real photo asked for through another case of the same platform
    assert insider.get(_url(other, ids["before"])).status_code == 404
    assert insider.get(_url("20990101000001", ids["before"])).status_code == 404, "an unknown case"
    assert insider.get(f"/media/{Upload.objects.get(id=ids['before']).file.name}").status_code == 404, (
        "the stored file's own path is not served"
    )


def test_the_reporter_sees_the_public_photos_after_proving_the_case(photo_case):
    number, ids = photo_case["number"], photo_case["ids"]
    reporter = Client()
    assert reporter.get(_url(number, ids["before"])).status_code == 404, "not before the proof"
    r = reporter.post("/track/", {"number": number, "code": photo_case["code"]})
    assert r.status_code == 200
    assert reporter.get(_url(number, ids["before"])).status_code == 200, "their report's photo"
    assert reporter.get(_url(number, ids["after"], thumb=True)).status_code == 200, "the result's"
    assert reporter.get(_url(number, ids["check"])).status_code == 404, "the office's check photo is not public"
    other = h.report(photos=[_photo((1, 2, 3))])
    assert reporter.get(_url(other.case.number, other.case.photos[0])).status_code == 404, "only the proven case"
    assert Client().get(_url(number, ids["before"])).status_code == 404, "another browser has not proved it"


def test_result_photos_are_public_only_while_the_case_stands_handled(demo_city):
    """A fix that failed the check (返工) is not shown as the result: its photo is withheld again."""
    after = _photo((10, 10, 10))
    intake = h.report()
    number = intake.case.number
    dispatcher = h.actor(h.dispatcher_for(intake.case.platform))
    services.register_case(actor=dispatcher, number=number)
    services.dispatch_case(actor=dispatcher, number=number, unit=h.UNIT)
    handler = h.actor(h.unit_actor(h.UNIT))
    services.accept_case(actor=handler, number=number)
    services.resolve_case(actor=handler, number=number, result="已修复", photos=[after])
    reporter = Client()
    reporter.get("/track/", {"number": number, "code": intake.tracking_code})
    assert reporter.get(_url(number, after)).status_code == 200, "handled: the result's photo is public"
    services.verify_case(actor=h.actor(h.grid_staff(h.GRID)[0]), number=number, passed=False, note="未修好")
    assert reporter.get(_url(number, after)).status_code == 404, "back in rework: no result to show"


def test_thumbnails_are_small_jpegs_of_the_photo(photo_case):
    upload = Upload.objects.get(id=photo_case["ids"]["before"])
    assert upload.thumbnail and upload.thumbnail.name.endswith("-thumb.jpg")
    r = _signed_in(photo_case["dispatcher"]).get(_url(photo_case["number"], upload.id, thumb=True))
    thumb = _image(r)
    assert r.status_code == 200 and thumb.format == "JPEG" and max(thumb.size) == THUMB_SIDE
    assert thumb.size == (THUMB_SIDE, THUMB_SIDE * 3 // 4), "the photo's proportions"
    assert not thumb.getexif(), "no metadata"
    assert thumb.getpixel((10, 10)) == pytest.approx((200, 40, 40), abs=8)


def test_an_old_photo_without_thumbnail_falls_back_to_the_full_one(photo_case):
    Upload.objects.filter(id=photo_case["ids"]["after"]).update(thumbnail="")
    r = _signed_in(photo_case["dispatcher"]).get(_url(photo_case["number"], photo_case["ids"]["after"], thumb=True))
    assert r.status_code == 200 and _image(r).size == (1600, 1200)


def test_behind_nginx_the_file_is_handed_over_with_x_accel_redirect(photo_case, settings):
    settings.GRIDGOV_MEDIA_ACCEL_REDIRECT = "/protected-media/"
    upload = Upload.objects.get(id=photo_case["ids"]["after"])
    client = _signed_in(photo_case["handler"])
    r = client.get(_url(photo_case["number"], upload.id))
    assert r.status_code == 200 and r.content == b""
    assert r["X-Accel-Redirect"] == f"/protected-media/{upload.file.name}"
    r = client.get(_url(photo_case["number"], upload.id, thumb=True))
    assert r["X-Accel-Redirect"] == f"/protected-media/{upload.thumbnail.name}"
    assert Client().get(_url(photo_case["number"], upload.id)).status_code == 404, "still only for those allowed"
    assert "X-Accel-Redirect" not in Client().get(_url(photo_case["number"], upload.id))


def test_the_uploader_sees_their_new_photo_at_the_url_the_upload_answers(demo_city):
    from django.core.files.uploadedfile import SimpleUploadedFile

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (5, 5, 5)).save(out, "JPEG")
    resident = Client()
    body = resident.post("/api/v1/uploads", {"file": SimpleUploadedFile("a.jpg", out.getvalue(), "image/jpeg")}).json()
    assert body["url"] == f"/media/uploads/{body['id']}/"
    assert resident.get(body["url"]).status_code == 200
    assert Client().get(body["url"]).status_code == 404, "another browser"


def _thumbs(html: str, section: str) -> list[str]:
    block = re.search(rf'<figure class="photo-set" id="photos-{section}">(.*?)</figure>', html, re.S).group(1)
    return re.findall(r'<img src="([^"]+)"', block)


@pytest.mark.parametrize(
    "who, page", [("dispatcher", "/console/cases/{}/"), ("handler", "/dept/cases/{}/"), ("worker", "/m/cases/{}/")]
)
def test_case_pages_show_before_and_after_side_by_side(photo_case, who, page):
    number, ids = photo_case["number"], photo_case["ids"]
    r = _signed_in(photo_case[who]).get(page.format(number))
    html = r.content.decode()
    assert r.status_code == 200
    assert _thumbs(html, "before") == [_url(number, ids["before"], thumb=True)]
    assert _thumbs(html, "after") == [_url(number, ids["after"], thumb=True)]
    assert f'href="{_url(number, ids["after"])}" class="photo-link"' in html, "the full photo on click"
    assert "处置前" in html and "处置后" in html
    timeline = re.search(r'id="timeline">(.*?)</ol>', html, re.S).group(1)
    for action, name in (("resolve", "after"), ("verify", "check")):  # thumbnails in the timeline too
        step = re.search(rf'<li data-action="{action}">(.*?)</li>\s*(?:<li|$)', timeline, re.S).group(1)
        assert f'src="{_url(number, ids[name], thumb=True)}"' in step, (page, action)


def test_track_page_shows_unit_public_photos_and_the_result_in_words(photo_case):
    number, ids = photo_case["number"], photo_case["ids"]
    r = Client().get("/track/", {"number": number, "code": photo_case["code"]})
    html = r.content.decode()
    assert r.status_code == 200 and r["Cache-Control"].startswith("max-age=0")
    unit = unit_names([h.UNIT])[h.UNIT]
    assert unit.endswith("城管执法局") and f'<dd id="handling-unit">{unit}</dd>' in html, "the lead unit's name"
    assert re.search(rf'id="result-words">{unit} 于 \d{{4}}-\d{{2}}-\d{{2}} 反馈处理结果：', html)
    assert _thumbs(html, "before") == [_url(number, ids["before"], thumb=True)]
    assert _thumbs(html, "after") == [_url(number, ids["after"], thumb=True)]
    assert ids["check"] not in html
