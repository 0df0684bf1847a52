"""The whole closed loop (docs/architecture.md §3) across every role's pages, in Chromium at 375 px:

resident reports on /report/ → the platform's dispatcher registers and dispatches on /console/ → the
department the routing catalogue names signs for and resolves it on /dept/ → the grid worker of the
case's grid checks it on /m/ → the dispatcher closes it → the resident finds it on /track/ and rates it.

At each step the test looks at what that person sees — the status in words, the timeline, the
actions offered (and that the others are not) — and at one refusal with its explanation. A 375 px
screenshot of each step goes to test-artifacts/loop-*.png.
"""

from __future__ import annotations

import io
import re

import pytest
from PIL import Image

from gridgov.cases import chains
from gridgov.cases.models import Case, CaseEvent, Status
from gridgov.cases.selectors import PUBLIC_STATUS_WORDS
from gridgov.routing.selectors import responsible_unit
from gridgov.sim.models import DemoAccount

pytestmark = pytest.mark.browser

WIDTH = 375
TITLE = "路灯不亮（全流程）"
RESULT = "已更换灯泡，路灯恢复照明"


def _jpeg(colour=(40, 90, 200)) -> dict:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), colour).save(out, "JPEG")
    return {"name": "photo.jpg", "mimeType": "image/jpeg", "buffer": out.getvalue()}


def _status(value: str) -> str:
    return str(Status(value).label)  # the staff pages' status name, in the default language (Chinese)


def _phone(browser):
    context = browser.new_context(
        viewport={"width": WIDTH, "height": 812}, is_mobile=True, has_touch=True, locale="zh-CN"
    )
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return page


def _account(role: str, scope: str) -> DemoAccount:
    """The demo account of `role` whose post is exactly `scope` (what `gridgov accounts --json` lists)."""
    return DemoAccount.objects.get(role=role, scope=scope)


def _sign_in(page, base: str, account: DemoAccount, then: str) -> None:
    page.goto(f"{base}/login/?next={then}")
    page.fill("#id_username", account.username)
    page.fill("#id_password", account.password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}{then}")


def _fits(page, what: str) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= WIDTH, f"{what}: the page is {width} px wide at {WIDTH} px"


def _shot(page, artifacts, name: str) -> None:
    _fits(page, name)
    page.screenshot(path=artifacts / f"loop-{name}.png", full_page=True)


def _forms(page, selector: str) -> list[str]:
    return page.eval_on_selector_all(selector, "fs => fs.map(f => f.id)")


def _timeline(page) -> list[str]:
    return page.eval_on_selector_all("#timeline > li", "ls => ls.map(l => l.dataset.action)")


def _labels(page) -> list[str]:
    # the track page fills its timeline after the status line: wait for it (a race seen once in CI)
    page.wait_for_selector("#timeline > li > .label", state="attached")
    return [t.strip() for t in page.eval_on_selector_all("#timeline > li > .label", "ls => ls.map(l => l.textContent)")]


def test_the_whole_loop_in_a_browser(browser, live_server, demo_city, artifacts):
    base = live_server.url
    pages = []
    try:
        # ---- 1. the resident reports, without an account ----------------------------------------------
        resident = _phone(browser)
        pages.append(resident)
        resident.goto(f"{base}/report/")
        resident.wait_for_selector("#report-map[data-ready]")
        assert resident.inner_text("h1") == "反映问题"
        resident.fill("#title", TITLE)
        resident.fill("#description", "小区门口的路灯连续三晚不亮")
        resident.fill("#category", "路灯")  # the category by search
        resident.wait_for_function("() => document.querySelectorAll('#category-options option').length > 0")
        options = resident.eval_on_selector_all("#category-options option", "os => os.map(o => o.value)")
        assert "路灯（公用设施）" in options, options
        resident.fill("#category", "路灯（公用设施）")
        box = resident.locator("#report-map").bounding_box()  # a point on the map
        resident.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        resident.wait_for_selector(".report-marker")
        assert resident.inner_text("#point-text").startswith("已选位置：")
        resident.set_input_files("#photos", files=[_jpeg()])  # a photo, uploaded with progress
        resident.wait_for_selector("#upload-list li.uploaded")  # the server's answer, not only 100 % sent
        assert "已上传" in resident.inner_text("#upload-list")
        resident.fill("#reporter-name", "李四")
        resident.fill("#reporter-phone", "13900002468")
        resident.click("#submit")
        resident.wait_for_selector("#receipt", state="visible")
        number, code = resident.inner_text("#r-number"), resident.inner_text("#r-code")
        assert re.fullmatch(r"\d{14}", number) and re.fullmatch(r"[A-Z2-9]{10}", code)
        assert "请立即记下" in resident.inner_text("#receipt")  # the code is shown once
        _shot(resident, artifacts, "1-resident-report")

        case = Case.objects.select_related("grid", "category").get(number=number)
        assert (case.title, case.status, case.channel, case.category.code) == (TITLE, "reported", "resident", "C0118")
        assert len(case.photos) == 1 and case.reporter_phone == "13900002468"
        # who is in scope for this case: the platform holding it, the unit the catalogue names, the grid's worker
        route = responsible_unit(category=case.category, grid_code=case.grid.code, district=case.platform[:6])
        assert route.unit.startswith("D"), "路灯 goes to a department (the dispatch catalogue)"
        dispatcher = _account("dispatcher", case.platform)
        handler = _account("department_handler", route.unit)
        worker = _account("grid_worker", case.grid.code)

        # ---- 2. the dispatcher registers and dispatches --------------------------------------------------
        desk = _phone(browser)
        pages.append(desk)
        _sign_in(desk, base, dispatcher, "/console/")
        row = desk.locator(f'#queue-table tr[data-number="{number}"]')
        assert TITLE in row.inner_text() and _status("reported") in row.inner_text()
        _fits(desk, "console queue")
        desk.click(f'#queue-table a[href="/console/cases/{number}/"]')
        desk.wait_for_selector("#action-register")
        assert desk.inner_text("#case-status") == _status("reported")
        assert _timeline(desk) == ["report"] and _labels(desk) == ["上报"]
        assert _forms(desk, "form.action-form") == [
            "action-register_dispatch",
            "action-register",
            "action-reject",
            "action-merge",
            "action-supervise",
        ]
        assert desk.input_value("#f-register-category").endswith(" · C0118"), "the reporter's category is proposed"
        desk.select_option("#f-register-complexity", "general")
        desk.fill("#f-register-note", "现场核实属实")
        desk.click("#action-register button[type=submit]")
        desk.wait_for_selector("#action-dispatch")
        assert "立案已完成" in desk.inner_text(".messages")
        assert desk.inner_text("#case-status") == _status("registered")
        assert desk.input_value("#f-dispatch-unit") == route.unit, "the routing suggestion is prefilled"
        assert _forms(desk, "form.action-form") == [
            "action-dispatch",
            "action-supervise",
            "action-change_mode",  # 办理方式 and 答复: the platform's steps beside the table
            "action-reply",
        ]
        desk.click("#action-dispatch button[type=submit]")
        desk.wait_for_function(
            "() => document.querySelector('#case-status').textContent.trim() === '%s'" % _status("dispatched")
        )
        assert _timeline(desk) == ["report", "register", "dispatch"]
        assert _labels(desk) == ["上报", "立案", "派遣"]
        assert _forms(desk, "form.action-form") == [
            "action-supervise",
            "action-change_mode",
            "action-reply",
        ], "督办, the mode and a reply while the unit works"
        assert desk.locator("#action-close").count() == 0 and desk.locator("#action-dispatch").count() == 0
        _shot(desk, artifacts, "2-dispatcher-dispatched")

        # refused: the dispatcher of another street may not even open it — answered like an unknown number
        other_street = (
            DemoAccount.objects.filter(role="dispatcher")
            .exclude(scope=case.platform)
            .exclude(scope=case.platform[:6])
            .order_by("scope")
            .first()
        )
        stranger = _phone(browser)
        pages.append(stranger)
        _sign_in(stranger, base, other_street, "/console/")
        answer = stranger.goto(f"{base}/console/cases/{number}/")
        assert answer.status == 404
        assert "没有这个编号的案件" in stranger.inner_text("[role=alert]")
        assert stranger.locator("form.action-form").count() == 0
        _shot(stranger, artifacts, "2b-other-dispatcher-refused")

        # ---- 3. the department signs for it and reports the result -----------------------------------------
        dept = _phone(browser)
        pages.append(dept)
        _sign_in(dept, base, handler, "/dept/")
        row = dept.locator(f'#group-to_sign li.case-row[data-number="{number}"]')
        assert row.get_attribute("data-role") == "lead" and "主办" in row.inner_text()
        _fits(dept, "department queue")
        row.locator("a.case-title").click()
        dept.wait_for_selector("#form-accept")
        assert dept.inner_text("#case .status-big") == "已派遣，待签收"
        assert _forms(dept, "form.action-form") == ["form-accept", "form-return"]
        assert _timeline(dept) == ["report", "register", "dispatch"]
        stale = dept.context.new_page()  # the same case open in a second tab: it still offers 签收
        stale.goto(dept.url)
        dept.click("#form-accept button[type=submit]")
        dept.wait_for_selector("#form-resolve")
        assert dept.inner_text("#messages") == "已签收。"
        # refused: signing for it again from the stale tab — a case is signed for once; the page says why
        with stale.expect_response(lambda r: r.request.method == "POST") as answer:
            stale.click("#form-accept button[type=submit]")
        assert answer.value.status == 409
        refusal = stale.inner_text("#action-error")
        assert refusal.startswith("案件当前所处环节不允许此操作。") and "签收" in refusal and "已派遣" in refusal
        assert _forms(stale, "form.action-form") == ["form-request_extension", "form-resolve"]
        _shot(stale, artifacts, "3b-department-signs-twice-refused")
        stale.close()
        assert CaseEvent.objects.filter(case=case, action="accept").count() == 1
        assert dept.inner_text("#case .status-big") == "办理中"
        assert _forms(dept, "form.action-form") == ["form-request_extension", "form-resolve"]
        assert dept.locator("#form-accept").count() == 0
        dept.fill("#resolve-result", RESULT)
        dept.set_input_files("#resolve-photos", files=[_jpeg((30, 160, 60))])
        dept.click("#form-resolve button[type=submit]")
        dept.wait_for_selector("#result")
        assert dept.inner_text("#result") == RESULT and dept.inner_text("#messages") == "处置结果已反馈，等待核查。"
        assert dept.inner_text("#case .status-big") == "已处置，待核查"
        assert _forms(dept, "form.action-form") == [], "nothing more for the unit until the check"
        assert _timeline(dept) == ["report", "register", "dispatch", "accept", "resolve"]
        assert dept.locator('#timeline li[data-action="resolve"] img').count() == 1, "the result photo"
        _shot(dept, artifacts, "3-department-resolved")

        # ---- 4. the case grid's worker checks the fix on site (核查) ---------------------------------------------
        field = _phone(browser)
        pages.append(field)
        _sign_in(field, base, worker, "/m/")
        check = field.locator(f'#checks li.m-row[data-number="{number}"]')
        assert TITLE in check.inner_text()
        _fits(field, "worker home")
        check.locator("a").click()
        field.wait_for_selector("#form-verify")
        assert _forms(field, "form.action-form") == ["form-verify"], "only the check: the unit did the rest"
        assert field.inner_text("#result") == RESULT
        field.check("#verify-yes")
        field.fill("#verify-note", "现场查看，路灯已亮")
        field.click("#form-verify button[type=submit]")
        field.wait_for_function("() => document.querySelector('#case').dataset.status === 'verified'")
        assert field.inner_text("#case .status-big") == "已核查" and field.inner_text("#messages") == "核查结果已记录。"
        assert _forms(field, "form.action-form") == []
        assert _timeline(field)[-1] == "verify", "oldest first, as on every page"
        _shot(field, artifacts, "4-worker-verified")

        # refused: the check is for the case's own grid — a worker of the next grid is turned away
        neighbour = (
            DemoAccount.objects.filter(role="grid_worker", scope__startswith=case.grid.code[:12])
            .exclude(scope=case.grid.code)
            .order_by("scope")
            .first()
        )
        outsider = _phone(browser)
        pages.append(outsider)
        _sign_in(outsider, base, neighbour, "/m/")
        answer = outsider.goto(f"{base}/m/cases/{number}/")
        assert answer.status == 404 and outsider.locator("form.action-form").count() == 0
        assert outsider.inner_text("#forbidden [role=alert]") == "没有这个编号的案件。"
        _shot(outsider, artifacts, "4b-other-worker-refused")

        # ---- 5. the dispatcher closes it --------------------------------------------------------------------------
        desk.goto(f"{base}/console/cases/{number}/")
        desk.wait_for_selector("#action-close")
        assert desk.inner_text("#case-status") == _status("verified")
        assert _forms(desk, "form.action-form") == ["action-supervise", "action-close", "action-reply"]
        desk.fill("#action-close textarea[name=reply]", "井盖已更换，感谢您的反映。")  # 句号管理: the reply
        desk.click("#action-close button[type=submit]")
        desk.wait_for_function(
            "() => document.querySelector('#case-status').textContent.trim() === '%s'" % _status("closed")
        )
        assert "结案已完成" in desk.inner_text(".messages")
        assert _timeline(desk) == ["report", "register", "dispatch", "accept", "resolve", "verify", "close"]
        assert _forms(desk, "form.action-form") == ["action-evaluate"], "only the call-back rating is left"
        _shot(desk, artifacts, "5-dispatcher-closed")

        # ---- 6. the resident follows it and rates it ------------------------------------------------------------
        resident.goto(f"{base}/track/?number={number}")
        assert resident.input_value("#number") == number
        resident.fill("#code", "WRONGCODE2")  # refused: a wrong tracking code shows nothing of the case
        resident.click("#track-form button[type=submit]")
        resident.wait_for_selector("#track-error")
        assert "案件编号与查询码不匹配" in resident.inner_text("#track-error")
        assert resident.locator("#case").count() == 0 and resident.locator("#rate-form").count() == 0
        _shot(resident, artifacts, "6a-resident-wrong-code")
        resident.fill("#code", code)
        resident.click("#track-form button[type=submit]")
        resident.wait_for_selector("#status-text")
        assert resident.inner_text("#status-text") == str(PUBLIC_STATUS_WORDS["closed"]) == "已办结，请您评价"
        assert _labels(resident) == ["上报", "立案", "派遣", "签收", "处置反馈", "核查", "结案"]
        assert resident.inner_text("#result") == RESULT
        text = resident.inner_text("#case")
        assert "李四" not in text and "13900002468" not in text and handler.username not in text, "no personal data"
        assert resident.is_visible("#rate-form")
        _shot(resident, artifacts, "6b-resident-track")
        resident.check("#sat-satisfied")
        resident.check("#solved-yes")
        resident.fill("#note", "修得很快，谢谢")
        resident.click("#rate-form button[type=submit]")
        resident.wait_for_selector("#track-notice")
        assert "感谢您的评价" in resident.inner_text("#track-notice")
        assert resident.inner_text("#status-text") == "已办结并评价"
        assert _labels(resident)[-1] == "回访评价" and resident.locator("#rate-form").count() == 0
        _shot(resident, artifacts, "6c-resident-rated")

        for page in pages:
            assert page.errors == [], page.errors
    finally:
        for page in pages:
            page.context.close()

    # ---- the case file: one event per step, by the people in scope, and the hash chain holds -----------------
    case.refresh_from_db()
    assert (case.status, case.satisfaction, case.solved, case.lead_unit) == ("evaluated", "satisfied", True, route.unit)
    events = list(CaseEvent.objects.filter(case=case).order_by("seq").select_related("actor"))
    assert [(e.action, e.actor.username if e.actor else None) for e in events] == [
        ("report", None),
        ("register", dispatcher.username),
        ("dispatch", dispatcher.username),
        ("accept", handler.username),
        ("resolve", handler.username),
        ("verify", worker.username),
        ("close", dispatcher.username),
        ("evaluate", None),
    ]
    assert len(events[4].data["photos"]) == 1
    assert chains.verify_chains([number]).ok
