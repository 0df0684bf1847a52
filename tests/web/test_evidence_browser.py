"""Evidence in Chromium: photos on the case pages (处置前/处置后 side by side, full photo on click) and on
/track/; a grid worker's photos on /m/report/ at 375 px, online and queued offline; the resident's
receipt (a link that opens the case, 复制, 再反映一个) and "my reports" on /track/."""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from gridgov.cases import services
from gridgov.cases.models import Case, CaseEvent, Upload
from gridgov.cases.uploads import store_upload
from gridgov.grids.selectors import current_geometries
from tests.cases import helpers as h

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "evidence-pass-1"


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.GRIDGOV_MEDIA_ACCEL_REDIRECT = ""


def _jpeg_bytes(colour, size=(1600, 1200)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "JPEG")
    return out.getvalue()


def _file(colour) -> dict:
    return {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": _jpeg_bytes(colour, (640, 480))}


def _context(browser, width=375, **extra):
    context = browser.new_context(viewport={"width": width, "height": 812}, locale="zh-CN", **extra)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return page


def _sign_in(page, base, username, then):
    user = h.user(username)
    user.set_password(PASSWORD)
    user.save()
    page.goto(f"{base}/login/?next={then}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{then}")


def _loaded(page, selector) -> list[int]:
    """The natural widths of the images (0: not loaded)."""
    page.wait_for_function("(s) => [...document.querySelectorAll(s)].every(i => i.complete)", arg=selector)
    return page.eval_on_selector_all(selector, "is => is.map(i => i.naturalWidth)")


def _side_by_side(page) -> None:
    before = page.locator("#photos-before").bounding_box()
    after = page.locator("#photos-after").bounding_box()
    assert abs(before["y"] - after["y"]) < 2 and before["x"] + before["width"] <= after["x"] + 1, (before, after)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]


def _full_on_click(page) -> None:
    page.click("#photos-after a.photo-link")
    page.wait_for_selector("#photo-viewer[open]")
    page.wait_for_function("() => document.querySelector('#photo-viewer img').naturalWidth > 0")
    assert page.eval_on_selector("#photo-viewer img", "i => i.naturalWidth") == 1600, "the full photo"
    page.keyboard.press("Escape")
    page.wait_for_selector("#photo-viewer", state="hidden")


def test_photos_on_every_case_page_and_on_track(browser, live_server, demo_city, artifacts):
    base = live_server.url
    before = store_upload(data=_jpeg_bytes((200, 40, 40))).id
    after = store_upload(data=_jpeg_bytes((40, 160, 60))).id
    intake = h.report(photos=[before])
    number = intake.case.number
    dispatcher = h.dispatcher_for(intake.case.platform)
    services.register_case(actor=h.actor(dispatcher), number=number)
    services.dispatch_case(actor=h.actor(dispatcher), number=number, unit=h.UNIT)
    handler = h.unit_actor(h.UNIT)
    services.accept_case(actor=h.actor(handler), number=number)
    services.resolve_case(actor=h.actor(handler), number=number, result="已盖好井盖", photos=[after])

    pages = []
    try:
        for who, path, width in [
            (dispatcher, f"/console/cases/{number}/", 1280),
            (handler, f"/dept/cases/{number}/", 375),
            (h.grid_staff(h.GRID)[0], f"/m/cases/{number}/", 375),
        ]:
            page = _context(browser, width)
            pages.append(page)
            _sign_in(page, base, who, path)
            assert _loaded(page, "#case-photos img") == [320, 320], f"{path}: both thumbnails load"
            _side_by_side(page)
            _full_on_click(page)
            page.screenshot(path=artifacts / f"evidence-{path.split('/')[1]}-{width}.png", full_page=True)
            assert page.errors == [], page.errors

        resident = _context(browser)
        pages.append(resident)
        resident.goto(f"{base}/track/?number={number}&code={intake.tracking_code}")
        resident.wait_for_selector("#status-text")
        assert _loaded(resident, "#case-photos img") == [320, 320]
        _side_by_side(resident)
        _full_on_click(resident)
        assert resident.inner_text("#handling-unit").endswith("城管执法局")
        assert "反馈处理结果" in resident.inner_text("#result-words")
        resident.screenshot(path=artifacts / "evidence-track-375.png", full_page=True)
        stranger = _context(browser)
        pages.append(stranger)
        answer = stranger.goto(f"{base}/media/cases/{number}/{after}/")
        assert answer.status == 404, "another browser has proved nothing"
        for page in pages:
            assert page.errors == [], page.errors
    finally:
        for page in pages:
            page.context.close()


def _worker_report_page(browser, base):
    page = _context(browser)
    _sign_in(page, base, f"worker-{h.GRID}", "/m/report/")
    page.wait_for_selector("#report-map[data-ready]")
    p = current_geometries([h.GRID])[h.GRID].point_on_surface()
    page.context.grant_permissions(["geolocation"])
    page.context.set_geolocation({"latitude": p.y, "longitude": p.x})
    return page


def test_m_report_takes_photos_for_any_report_online_and_offline(browser, live_server, demo_city, artifacts):
    base = live_server.url
    page = _worker_report_page(browser, base)
    try:
        assert page.is_visible("#photos") and not page.is_checked("#on-spot"), "photos without 已就地解决"
        page.click("#use-position")
        page.wait_for_selector(".report-marker")
        page.fill("#title", "井盖破损（带照片）")
        page.set_input_files("#photos", files=[_file((120, 30, 30))])
        page.wait_for_selector("#upload-list li.uploaded")
        page.screenshot(path=artifacts / "evidence-m-report-photo-375.png", full_page=True)
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.click("#submit")
        page.wait_for_selector("#sent-list .m-row")
        first = Case.objects.get(number=page.get_attribute("#sent-list .m-row", "data-number"))
        assert first.status == "reported" and len(first.photos) == 1

        # no signal: the photo is kept on the phone with the report, and both go when the signal returns
        page.context.set_offline(True)
        page.fill("#title", "路灯倒伏（离线带照片）")
        page.set_input_files("#photos", files=[_file((30, 30, 120)), _file((30, 120, 120))])
        page.wait_for_function("() => document.querySelectorAll('#upload-list li.kept').length === 2")
        assert "已保存在本机" in page.inner_text("#upload-list")
        page.click("#submit")
        page.wait_for_selector('#outbox[data-pending="1"]')
        count = Case.objects.count()
        page.screenshot(path=artifacts / "evidence-m-report-offline-375.png", full_page=True)
        page.context.set_offline(False)
        page.wait_for_selector('#outbox[data-pending="0"]', state="attached")
        page.wait_for_function("() => document.querySelectorAll('#sent-list .m-row').length === 2")
        assert page.is_hidden("#form-error"), page.text_content("#form-error")
        assert Case.objects.count() == count + 1
        second = Case.objects.get(title="路灯倒伏（离线带照片）")
        assert len(second.photos) == 2, "the kept photos went with the report"
        assert CaseEvent.objects.get(case=second, action="report").data["photos"] == second.photos
        # and the photos are the ones chosen (colours survive the phone's JPEG and the server's)
        colours = []
        for upload_id in second.photos:
            with Upload.objects.get(id=upload_id).file.open("rb") as f:
                colours.append(Image.open(f).convert("RGB").getpixel((5, 5)))
        expected = [(30, 30, 120), (30, 120, 120)]
        assert all(any(all(abs(a - b) <= 10 for a, b in zip(c, e, strict=False)) for c in colours) for e in expected), (
            colours
        )
        kept = page.evaluate("""() => new Promise((resolve) => {
            const r = indexedDB.open("gridgov-m-photos");
            r.onsuccess = () => { const q = r.result.transaction("photos").objectStore("photos").count();
                                  q.onsuccess = () => resolve(q.result); };
        })""")
        assert kept == 0, "the phone's copies are removed once uploaded"
        assert not page.errors, page.errors
    finally:
        page.context.close()


def test_the_receipt_link_copy_report_another_and_my_reports(browser, live_server, demo_city, artifacts):
    base = live_server.url
    page = _context(browser, permissions=["clipboard-read", "clipboard-write"])
    try:
        page.goto(f"{base}/report/")
        page.wait_for_selector("#report-map[data-ready]")
        page.fill("#title", "垃圾满溢（回执）")
        box = page.locator("#report-map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_selector(".report-marker")
        page.click("#submit")
        page.wait_for_selector("#receipt", state="visible")
        number, code = page.inner_text("#r-number"), page.inner_text("#r-code")
        link = page.get_attribute("#track-link", "href")
        assert link == f"{base}/track/?number={number}&code={code}"

        page.click("#copy-receipt")
        page.wait_for_function("() => document.querySelector('#copy-status').textContent.length > 0")
        assert page.inner_text("#copy-status").startswith("已复制")
        copied = page.evaluate("navigator.clipboard.readText()")
        assert number in copied and code in copied and link in copied
        page.screenshot(path=artifacts / "evidence-receipt-375.png", full_page=True)

        page.click("#report-another")  # 再反映一个
        assert page.is_visible("#report-form") and page.is_hidden("#receipt")
        assert page.input_value("#title") == "" and page.inner_text("#upload-list") == ""
        page.fill("#title", "路灯不亮（第二个）")
        page.click("#submit")
        page.wait_for_selector("#receipt", state="visible")
        second = page.inner_text("#r-number")
        assert second != number and Case.objects.filter(number__in=[number, second]).count() == 2

        page.goto(link)  # the receipt's link opens the case at once
        page.wait_for_selector("#status-text")
        assert page.inner_text("#case-title") == "垃圾满溢（回执）"
        page.goto(f"{base}/track/")  # my reports, kept in this browser
        page.wait_for_selector("#my-reports", state="visible")
        listed = page.eval_on_selector_all("#my-reports-list li", "ls => ls.map(l => l.dataset.number)")
        assert listed == [number, second], "newest opened first, then the others"
        assert "垃圾满溢（回执）" in page.inner_text("#my-reports-list")
        page.screenshot(path=artifacts / "evidence-my-reports-375.png", full_page=True)
        page.click(f'#my-reports-list li[data-number="{second}"] a')
        page.wait_for_selector("#status-text")
        assert page.inner_text("#case-title") == "路灯不亮（第二个）"
        assert re.fullmatch(
            r"\d{4}-\d{2}-\d{2}", page.eval_on_selector("#track-config", "s => JSON.parse(s.textContent).current.date")
        )
        assert not page.errors, page.errors
    finally:
        page.context.close()
