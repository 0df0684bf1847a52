"""The dispatcher console (指挥中心): /console/ and /console/cases/<number>/."""

import pytest
import shapely

from gridgov.cases import services
from gridgov.cases.models import Case, CaseEvent
from gridgov.grids.selectors import current_geometries
from gridgov.people.actors import Actor
from gridgov.routing.models import Category

GRID = "410102001002001"
STREET_DISPATCHER = "dispatcher-410102001"
OTHER_DISPATCHER = "dispatcher-410102002"


def _point(code: str = GRID) -> tuple[float, float]:
    p = shapely.point_on_surface(current_geometries([code])[code])
    return p.x, p.y


def _report(title="路灯不亮", category=None) -> Case:
    lon, lat = _point()
    intake = services.report_case(
        actor=Actor.anonymous(),
        title=title,
        lon=lon,
        lat=lat,
        category=category,
        reporter_name="张三丰",
        reporter_phone="13812345678",
    )
    return Case.objects.get(pk=intake.case.pk)


def _login(client, username):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=username))
    return client


def _leaf_category() -> Category:
    return Category.objects.filter(children__isnull=True).order_by("code").first()


@pytest.fixture
def case(demo_city):
    return _report()


def test_queue_shows_cases_in_scope_only(client, case):
    html = _login(client, STREET_DISPATCHER).get("/console/").content.decode()
    assert case.number in html and case.title in html and "指挥中心" in html
    assert f'href="/console/cases/{case.number}/"' in html
    assert "已上报" in html  # the status in Chinese
    assert 'id="console-map"' in html and 'id="console-points"' in html and "console.js" in html
    assert "<script>" not in html and "style=" not in html and " onclick" not in html  # CSP-friendly
    client.logout()
    other = _login(client, OTHER_DISPATCHER).get("/console/")
    assert other.status_code == 200 and case.number not in other.content.decode()


def test_queue_filters(client, case):
    _login(client, STREET_DISPATCHER)

    def has(**params):
        r = client.get("/console/", params)
        assert r.status_code == 200
        return case.number in r.content.decode()

    assert has(status="reported") and not has(status="registered")
    assert has(grid=GRID[:12]) and not has(grid="410102002")
    assert has(channel=case.channel) and not has(channel="hotline" if case.channel != "hotline" else "sensor")
    assert not has(light="red")
    assert not has(category="99")
    # a filtered page keeps the chosen value in the form
    assert 'value="reported" selected' in client.get("/console/", {"status": "reported"}).content.decode()


def test_case_page_offers_the_actors_actions_only(client, case):
    r = _login(client, STREET_DISPATCHER).get(f"/console/cases/{case.number}/")
    assert r.status_code == 200
    html = r.content.decode()
    for action in ("register", "reject", "merge"):
        assert f'id="action-{action}"' in html, action
    assert 'id="action-close"' not in html and 'id="action-dispatch"' not in html
    assert "立案" in html and "不予立案" in html
    # the reporter is masked
    assert "13812345678" not in html and "张三丰" not in html
    # the timeline holds the report
    assert 'data-action="report"' in html and "上报" in html
    assert "<script>" not in html and "style=" not in html


def test_register_then_dispatch_moves_the_case(client, case):
    _login(client, STREET_DISPATCHER)
    url = f"/console/cases/{case.number}/"
    category = _leaf_category()
    r = client.post(url, {"action": "register", "category": category.code, "complexity": "general", "note": "核实属实"})
    assert r.status_code == 302 and r["Location"] == url
    case.refresh_from_db()
    assert case.status == "registered" and case.category_id == category.pk
    page = client.get(url).content.decode()
    assert "已完成" in page and "立案" in page  # the success message
    assert 'id="action-dispatch"' in page and 'id="action-register"' not in page
    # the dispatch form is prefilled with the routing suggestion
    from gridgov.routing.selectors import responsible_unit

    suggested = responsible_unit(category=case.category, grid_code=case.grid.code, district=case.platform[:6]).unit
    assert f'value="{suggested}"' in page
    r = client.post(url, {"action": "dispatch", "unit": suggested, "assisting": "", "note": ""})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == "dispatched" and case.lead_unit == suggested and case.resolve_by is not None
    assert r["Location"] == url
    html = client.get(url).content.decode()
    assert 'data-action="register"' in html and 'data-action="dispatch"' in html
    assert "立案" in html and "派遣" in html and "核实属实" in html
    assert html.index('data-action="register"') < html.index('data-action="dispatch"')
    # the queue shows the light as a word, not colour alone
    queue = client.get("/console/", {"status": "dispatched"}).content.decode()
    assert case.number in queue and "绿灯" in queue


def test_refused_action_shows_the_message_and_changes_nothing(client, case):
    _login(client, STREET_DISPATCHER)
    url = f"/console/cases/{case.number}/"
    client.post(url, {"action": "register", "complexity": "general"})
    case.refresh_from_db()
    before = (case.status, case.version, CaseEvent.objects.filter(case=case).count())
    r = client.post(url, {"action": "close"})
    assert r.status_code == 409
    html = r.content.decode()
    assert 'role="alert"' in html and 'id="general-error"' in html
    case.refresh_from_db()
    assert (case.status, case.version, CaseEvent.objects.filter(case=case).count()) == before


def test_bad_input_is_400_next_to_its_form(client, case):
    _login(client, STREET_DISPATCHER)
    r = client.post(f"/console/cases/{case.number}/", {"action": "reject", "reason": ""})
    assert r.status_code == 400
    assert 'id="error-reject"' in r.content.decode()
    case.refresh_from_db()
    assert case.status == "reported"


def test_other_street_dispatcher_cannot_see_or_act(client, case):
    _login(client, OTHER_DISPATCHER)
    r = client.get(f"/console/cases/{case.number}/")
    unknown = client.get("/console/cases/29991231999999/")
    assert r.status_code == unknown.status_code == 404  # out of sight: answered like an unknown number
    assert "没有这个编号的案件" in r.content.decode() and "没有这个编号的案件" in unknown.content.decode()
    r = client.post(f"/console/cases/{case.number}/", {"action": "register"})
    assert r.status_code == 404
    case.refresh_from_db()
    assert case.status == "reported"


def test_nearby_open_cases_of_the_same_category(client, demo_city):
    category = _leaf_category()
    first = _report("井盖缺失", category=category.code)
    second = _report("井盖丢了", category=category.code)
    html = _login(client, STREET_DISPATCHER).get(f"/console/cases/{second.number}/").content.decode()
    assert 'id="nearby"' in html and first.number in html
    assert "疑似重复件" in html and f'name="into" value="{first.number}"' in html  # one click merges
    r = client.post(f"/console/cases/{second.number}/", {"action": "merge", "into": first.number})
    assert r.status_code in (200, 302)
    second.refresh_from_db()
    assert second.status == "merged" and second.master_id == first.pk


def test_grid_worker_gets_403(client, demo_city):
    r = _login(client, "worker-410102001002001").get("/console/")
    assert r.status_code == 403 and 'role="alert"' in r.content.decode()


def test_anonymous_is_sent_to_login(client, demo_city):
    r = client.get("/console/")
    assert r.status_code == 302 and "/login/" in r["Location"]


@pytest.mark.browser
def test_dispatcher_signs_in_and_registers_a_case(browser, live_server, demo_city, artifacts):
    from gridgov.sim.models import DemoAccount

    case = _report("人行道破损")
    account = DemoAccount.objects.get(username=STREET_DISPATCHER)
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{live_server.url}/login/?next=/console/")
        page.fill("#id_username", account.username)
        page.fill("#id_password", account.password)
        page.click("button[type=submit]")
        page.wait_for_selector("#queue-table")
        page.wait_for_selector("#console-map path.case-dot")
        page.click(f'a[href="/console/cases/{case.number}/"]')
        page.wait_for_selector("#action-register")
        page.select_option("#f-register-complexity", "general")
        page.fill("#f-register-note", "浏览器立案")
        page.click("#action-register button[type=submit]")
        page.wait_for_selector("#action-dispatch")
        assert page.locator('#timeline li[data-action="register"]').count() == 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        page.screenshot(path=artifacts / "console-case-375.png", full_page=True)
        page.goto(f"{live_server.url}/console/")
        page.wait_for_selector("#console-map path.case-dot")
        page.screenshot(path=artifacts / "console-queue-375.png", full_page=True)
        assert errors == []
    finally:
        context.close()
    case.refresh_from_db()
    assert case.status == "registered"


def test_district_dispatcher_sees_the_street_case(client, case):
    html = _login(client, "dispatcher").get("/console/", {"grid": GRID}).content.decode()
    assert case.number in html


def test_english_page(client, case):
    _login(client, STREET_DISPATCHER)
    html = client.get(f"/console/cases/{case.number}/", {"lang": "en"}).content.decode()
    assert "Dispatcher console" in html and "Timeline" in html


def test_every_console_string_is_translated():
    import re
    from pathlib import Path

    from babel.messages.pofile import read_po

    import gridgov.web.console as console

    web = Path(console.__file__).parent
    po = web.parent / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    sources = [p.read_text() for p in (web / "templates" / "web" / "console").glob("*.html")]
    msgids = {m for s in sources for m in re.findall(r'{% translate "([^"]+)" %}', s)}
    code = "\n".join(p.read_text() for p in web.glob("console*.py"))  # the console and its pages
    msgids |= set(re.findall(r'(?:gettext_lazy|_)\("([^"]+)"\)', code))
    # Django merges every app's catalogue: a console page of an app (campaigns, party …) may keep its
    # strings in that app's own locale directory.
    catalogs = []
    for path in [po, *web.parent.glob("*/locale/zh_Hans/LC_MESSAGES/django.po")]:
        with path.open("rb") as f:
            catalogs.append(read_po(f))
    missing = sorted(m for m in msgids if not any(c.get(m) and c.get(m).string for c in catalogs))
    assert not missing, missing


@pytest.mark.browser
def test_queue_fits_a_phone_without_sideways_scrolling(browser, live_server, demo_city, artifacts):
    """At 375 px the queue is a list of stacked rows (no table scrolling inside its card); on a wide
    screen it stays a table with its header."""
    from gridgov.sim.models import DemoAccount

    long_title = "小区东门外人行道上的井盖缺失而且路灯也坏了很久了请尽快处理" + "ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 2
    numbers = [_report(long_title).number, _report("路灯不亮").number]
    account = DemoAccount.objects.get(username=STREET_DISPATCHER)
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/login/?next=/console/")
        page.fill("#id_username", account.username)
        page.fill("#id_password", account.password)
        page.click("button[type=submit]")
        page.wait_for_selector("#queue-table")
        sizes = page.evaluate("""() => {
            const card = document.querySelector('section.queue'), wrap = document.querySelector('.table-wrap');
            return {page: document.documentElement.scrollWidth, card: [card.scrollWidth, card.clientWidth],
                    wrap: [wrap.scrollWidth, wrap.clientWidth]};
        }""")
        assert sizes["page"] <= 375, sizes
        assert sizes["card"][0] <= sizes["card"][1] and sizes["wrap"][0] <= sizes["wrap"][1], sizes
        for number in numbers:
            row = page.locator(f'#queue-table tr[data-number="{number}"]')
            assert row.locator("td.q-number a").is_visible() and row.locator("td.q-title").is_visible()
            assert row.locator("td.q-status").inner_text() == "已上报"
            assert row.locator("td.q-channel").is_hidden(), "the secondary column is left out on a phone"
            box, card = row.bounding_box(), page.locator("section.queue").bounding_box()
            assert box["x"] >= card["x"] and box["x"] + box["width"] <= card["x"] + card["width"] + 0.5
        assert page.locator("#queue-table thead").bounding_box()["height"] <= 1, "header for screen readers only"
        # each row names its secondary values, the header being out of sight
        label = page.evaluate("""() => getComputedStyle(document.querySelector('#queue-table td.q-grid'),
                                                       '::before').content""")
        assert label == '"所在网格"'
        page.screenshot(path=artifacts / "console-queue-375-stacked.png", full_page=True)

        page.set_viewport_size({"width": 1280, "height": 900})
        assert page.locator("#queue-table thead").bounding_box()["height"] > 10
        assert page.locator(f'#queue-table tr[data-number="{numbers[0]}"] td.q-channel').is_visible()
    finally:
        context.close()


def test_action_words_are_the_tables_terms_in_chinese():
    from django.utils import translation

    from gridgov.cases.transitions import STEPS, TABLE, TERMS
    from gridgov.web.console import ACTION_WORDS, CONSOLE_STEPS

    assert set(ACTION_WORDS) == set(TABLE) | set(CONSOLE_STEPS) and set(CONSOLE_STEPS) <= set(STEPS)
    assert {a: str(w) for a, w in ACTION_WORDS.items()} == {a: TERMS[a] for a in ACTION_WORDS}
    with translation.override("en"):
        english = {a: str(w) for a, w in ACTION_WORDS.items()}
    assert english["register"] == "Register" and english["close"] == "Close"
    assert all(w.isascii() for w in english.values())


def test_the_grid_division_page_is_in_the_menu_of_leaders_only(client, demo_city):
    html = _login(client, "leader").get("/console/grids/divide/").content.decode()
    assert 'id="nav-division"' in html and "网格划分" in html
    assert 'id="nav-division"' not in _login(client, STREET_DISPATCHER).get("/console/").content.decode()
