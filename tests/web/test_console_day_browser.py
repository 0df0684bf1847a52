"""The day's console in Chromium at desktop width: search, sort and pickers by name; dispatch by name
with the catalogue's suggestion first and several assisting units; 立案并派遣; batch dispatch; the
Excel download; 来电登记 with the duplicates shown before saving."""

from __future__ import annotations

import io
import re

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from gridgov.cases import services
from gridgov.cases.models import Case
from gridgov.people.actors import Actor
from gridgov.routing.selectors import responsible_unit
from tests.cases.helpers import point_in

pytestmark = pytest.mark.browser

GRID = "410102001002001"  # 碧沙岗社区第1网格
SIBLING = "410102001002002"
DISPATCHER = "dispatcher-410102001"
LEAD = "D410102001"  # 中原区城管执法局


def _actor() -> Actor:
    return Actor.of(get_user_model().objects.get(username=DISPATCHER))


def _report(title, *, grid=GRID, category=None, address="") -> Case:
    lon, lat = point_in(grid)
    return services.report_case(
        actor=Actor.anonymous(),
        title=title,
        lon=lon,
        lat=lat,
        category=category,
        address=address,
        reporter_phone="13812345678",
    ).case


def _registered(title, *, grid=GRID, category="C0101") -> Case:
    case = _report(title, grid=grid, category=category)
    services.register_case(actor=_actor(), number=case.number)
    return Case.objects.get(pk=case.pk)


def _sign_in(page, base, next_path="/console/"):
    from gridgov.sim.models import DemoAccount

    account = DemoAccount.objects.get(username=DISPATCHER)
    page.goto(f"{base}/login/?next={next_path}")
    page.fill("#id_username", account.username)
    page.fill("#id_password", account.password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _rows(page) -> list[str]:
    return page.eval_on_selector_all("#queue-table tbody tr", "rows => rows.map(r => r.dataset.number)")


def _options(page, datalist: str) -> list[str]:
    return page.eval_on_selector_all(f"#{datalist} option", "os => os.map(o => o.value)")


def test_search_sort_and_pickers_by_name(page, live_server, demo_city, artifacts):
    base = live_server.url
    by_place = _report("井盖缺失", address="帝湖花园北门")
    red = _registered("路灯不亮")
    services.dispatch_case(actor=_actor(), number=red.number, unit=LEAD)
    Case.objects.filter(pk=red.pk).update(light="red", resolve_by=timezone.now())
    in_sibling = _report("垃圾满溢", grid=SIBLING)
    _sign_in(page, base)
    page.wait_for_selector("#queue-table")
    page.evaluate("window.__stayed = 'same page'")

    page.fill("#q-q", "帝湖花园")
    page.wait_for_url(re.compile(r"q=%E5%B8%9D"))
    page.wait_for_function("() => document.querySelectorAll('#queue-table tbody tr').length === 1")
    assert _rows(page) == [by_place.number]
    page.fill("#q-q", "")
    page.wait_for_function("() => document.querySelectorAll('#queue-table tbody tr').length === 3")

    # the grid by name: type part of it, the list offers the names, pick one
    page.click("#q-grid")
    page.keyboard.type("碧沙岗社区第2")
    page.wait_for_function("() => document.querySelectorAll('#q-grid-list option').length > 0")
    offered = _options(page, "q-grid-list")
    assert offered[0] == f"碧沙岗社区第2网格 · {SIBLING}"
    page.fill("#q-grid", offered[0])
    page.wait_for_function("() => document.querySelectorAll('#queue-table tbody tr').length === 1")
    assert _rows(page) == [in_sibling.number]
    assert "grid=" in page.url
    page.fill("#q-grid", "")

    # the category by name
    page.click("#q-category")
    page.keyboard.type("上水井")
    page.wait_for_function("() => document.querySelectorAll('#q-category-list option').length > 0")
    assert "上水井盖 · C0101" in _options(page, "q-category-list")
    page.fill("#q-category", "")

    # sort by light: red first
    page.select_option("#q-sort", "light")
    page.wait_for_url(re.compile(r"sort=light"))
    page.wait_for_function(
        "(n) => document.querySelector('#queue-table tbody tr').dataset.number === n", arg=red.number
    )
    page.select_option("#q-sort", "age")
    page.wait_for_function(
        "(n) => document.querySelector('#queue-table tbody tr').dataset.number === n", arg=by_place.number
    )
    assert page.evaluate("window.__stayed") == "same page", "the list was swapped, the page not reloaded"
    page.screenshot(path=artifacts / "console-day-search-sort.png", full_page=True)

    # a phone search runs on Enter only (each one is a logged reveal)
    from gridgov.core.models import AuditEvent

    page.fill("#q-phone", "5678")
    page.wait_for_timeout(700)
    assert AuditEvent.objects.filter(data__via="phone_search").count() == 0
    page.press("#q-phone", "Enter")
    page.wait_for_url(re.compile(r"phone=5678"))
    page.wait_for_function("() => document.querySelectorAll('#queue-table tbody tr').length === 3")
    assert AuditEvent.objects.filter(data__via="phone_search").count() == 1
    assert page.errors == []


def test_dispatch_by_name_with_the_suggestion_first_and_several_assisting(page, live_server, demo_city, artifacts):
    base = live_server.url
    case = _registered("上水井盖丢了")
    route = responsible_unit(category=case.category, grid_code=case.grid.code, district=case.platform[:6])
    _sign_in(page, base, f"/console/cases/{case.number}/")
    page.wait_for_selector("#action-dispatch")
    first = page.eval_on_selector("#f-dispatch-unit", "s => [s.options[0].value, s.options[0].text, s.value]")
    assert first[0] == route.unit == first[2] and "派单目录建议" in first[1]
    texts = page.eval_on_selector_all("#f-dispatch-unit option", "os => os.map(o => o.text)")
    assert any("中原区城管执法局" in t for t in texts) and any("碧沙岗社区第1网格" in t for t in texts)
    page.select_option("#f-dispatch-unit", LEAD)
    page.select_option("#f-dispatch-assisting", ["D410102002", GRID])
    page.screenshot(path=artifacts / "console-day-dispatch-by-name.png", full_page=True)
    page.click("#action-dispatch button[type=submit]")
    page.wait_for_selector('#timeline li[data-action="dispatch"]')
    case.refresh_from_db()
    assert case.status == "dispatched" and case.lead_unit == LEAD
    assert sorted(case.assisting_units) == sorted(["D410102002", GRID])
    assert page.errors == []


def test_register_and_dispatch_in_one_step(page, live_server, demo_city):
    base = live_server.url
    case = _report("井盖丢了")
    _sign_in(page, base, f"/console/cases/{case.number}/")
    page.wait_for_selector("#action-register_dispatch")
    page.click("#f-register_dispatch-category")
    page.keyboard.type("上水井")
    page.wait_for_function("() => document.querySelectorAll('#f-register_dispatch-category-list option').length > 0")
    page.fill("#f-register_dispatch-category", _options(page, "f-register_dispatch-category-list")[0])
    page.click("#action-register_dispatch button[type=submit]")
    page.wait_for_selector('#timeline li[data-action="dispatch"]')
    actions = page.eval_on_selector_all("#timeline li", "ls => ls.map(l => l.dataset.action)")
    assert actions == ["report", "register", "dispatch"]
    case.refresh_from_db()
    assert case.status == "dispatched" and case.category.code == "C0101"
    assert page.errors == []


def test_batch_dispatch_reports_each_case(page, live_server, demo_city, artifacts):
    base = live_server.url
    first, second = _registered("甲"), _registered("乙")
    reported = _report("丙")
    _sign_in(page, base)
    page.wait_for_selector("#batch-form")
    for case in (first, second, reported):
        page.check(f"#pick-{case.number}")
    page.select_option("#batch-unit", LEAD)
    page.click("#batch-submit")
    page.wait_for_selector("#batch-table")
    done = page.eval_on_selector_all("#batch-table tr.done", "rs => rs.map(r => r.dataset.number)")
    refused = page.eval_on_selector_all("#batch-table tr.refused", "rs => rs.map(r => r.dataset.number)")
    assert set(done) == {first.number, second.number} and refused == [reported.number]
    assert "已派遣 2 件，未能派遣 1 件" in page.inner_text("#batch-summary")
    page.screenshot(path=artifacts / "console-day-batch.png", full_page=True)
    for case in (first, second):
        case.refresh_from_db()
        assert case.status == "dispatched"
    reported.refresh_from_db()
    assert reported.status == "reported"
    assert page.errors == []


def test_selection_survives_the_minutes_refresh(page, live_server, demo_city):
    base = live_server.url
    case = _registered("甲")
    page.clock.install()
    _sign_in(page, base)
    page.wait_for_selector(f"#pick-{case.number}")
    page.check(f"#pick-{case.number}")
    page.clock.run_for("01:01")
    page.wait_for_timeout(500)
    assert page.is_checked(f"#pick-{case.number}")


def test_export_downloads_the_filtered_list(page, live_server, demo_city):
    base = live_server.url
    mine = _report("=1+1", address="碧沙岗公园")
    other = _report("路灯不亮", grid=SIBLING)
    _sign_in(page, base, f"/console/?grid={GRID}")
    page.wait_for_selector("#queue-export")
    with page.expect_download() as info:
        page.click("#queue-export")
    download = info.value
    assert download.suggested_filename.endswith(".xlsx")
    with open(download.path(), "rb") as f:
        rows = list(openpyxl.load_workbook(io.BytesIO(f.read())).active.iter_rows(values_only=True))
    numbers = [r[0] for r in rows[1:]]
    assert mine.number in numbers and other.number not in numbers
    assert {r[0]: r[2] for r in rows[1:]}[mine.number] == "'=1+1"
    assert page.errors == []


def test_hotline_intake_shows_duplicates_then_saves(page, live_server, demo_city, artifacts):
    base = live_server.url
    near = _report("井盖丢了", category="C0101")
    _sign_in(page, base, "/console/hotline/")
    page.wait_for_selector("#hotline-form")
    page.wait_for_selector("#hotline-map.leaflet-container")
    page.fill("#h-caller-name", "李四")
    page.fill("#h-caller-phone", "13600002222")
    page.fill("#h-address", "碧沙岗公园北门东侧")
    page.click("#h-grid")
    page.keyboard.type("碧沙岗社区第1")
    page.wait_for_function("() => document.querySelectorAll('#h-grid-list option').length > 0")
    page.fill("#h-grid", _options(page, "h-grid-list")[0])
    page.click("#h-category")
    page.keyboard.type("上水井")
    page.wait_for_function("() => document.querySelectorAll('#h-category-list option').length > 0")
    page.fill("#h-category", _options(page, "h-category-list")[0])
    page.fill("#h-title", "井盖缺失")
    page.fill("#h-description", "来电反映井盖丢失")
    before = Case.objects.count()
    page.click("#h-save")
    page.wait_for_selector("#duplicate-list")
    listed = page.eval_on_selector_all("#duplicate-list li", "ls => ls.map(l => l.dataset.number)")
    assert listed == [near.number] and Case.objects.count() == before
    assert page.input_value("#h-address") == "碧沙岗公园北门东侧"  # the form kept what was typed
    page.screenshot(path=artifacts / "console-day-hotline-duplicates.png", full_page=True)
    page.dblclick("#h-save-anyway")  # a double click makes one case
    page.wait_for_selector("#case-title")
    page.wait_for_load_state("networkidle")
    assert Case.objects.count() == before + 1
    case = Case.objects.latest("id")
    assert page.url.endswith(f"/console/cases/{case.number}/")
    assert case.channel == "hotline" and case.address == "碧沙岗公园北门东侧" and case.category.code == "C0101"
    assert page.errors == []


def test_hotline_point_on_the_map(page, live_server, demo_city):
    base = live_server.url
    _sign_in(page, base, "/console/hotline/")
    page.wait_for_selector("#hotline-map.leaflet-container")
    page.wait_for_function("() => document.querySelector('#hotline-map path') !== null")  # the grids drawn
    box = page.locator("#hotline-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    assert page.input_value("#h-lon") and page.input_value("#h-lat")
    assert page.locator("#hotline-map path.hotline-point").count() == 1
    page.fill("#h-address", "地图中央")
    page.fill("#h-title", "路灯不亮")
    page.click("#h-check")
    page.wait_for_selector("#duplicates")
    assert page.input_value("#h-lon")  # the point stays marked
    assert page.errors == []
