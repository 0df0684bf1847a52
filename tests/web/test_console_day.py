"""A console a dispatcher can work from all day: search and sort, pickers by name, 立案并派遣, batch
派遣, the Excel export and 来电登记 (hotline intake). Client tests; the browser tests are in
test_console_day_browser.py."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from gridgov.cases import services
from gridgov.cases.models import Case, CaseEvent, IdempotencyKey
from gridgov.core.models import AuditEvent
from gridgov.people.actors import Actor
from gridgov.routing.models import Category
from gridgov.routing.selectors import responsible_unit
from tests.cases.helpers import point_in

SHANGHAI = ZoneInfo("Asia/Shanghai")
GRID = "410102001002001"  # 碧沙岗社区第1网格, 林山寨街道
SIBLING = "410102001002002"  # 碧沙岗社区第2网格
OTHER_GRID = "410102002001001"  # 省五建社区第1网格, 建设路街道: another street's platform
DISPATCHER = "dispatcher-410102001"
OTHER_DISPATCHER = "dispatcher-410102002"
LEAD = "D410102001"


def _login(client, username=DISPATCHER):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def _actor(username=DISPATCHER) -> Actor:
    return Actor.of(get_user_model().objects.get(username=username))


def _report(
    title="路灯不亮", *, grid=GRID, description="", address="", phone="13812345678", category=None, at=None
) -> Case:
    lon, lat = point_in(grid)
    intake = services.report_case(
        actor=Actor.anonymous(),
        title=title,
        description=description,
        address=address,
        lon=lon,
        lat=lat,
        reporter_name="张三丰",
        reporter_phone=phone,
        category=category,
        at=at,
    )
    return Case.objects.get(pk=intake.case.pk)


def _registered(title="井盖缺失", *, grid=GRID, category="C0101", username=DISPATCHER) -> Case:
    case = _report(title, grid=grid, category=category)
    services.register_case(actor=_actor(username), number=case.number)
    return Case.objects.get(pk=case.pk)


def _numbers(html: str) -> list[str]:
    return re.findall(r'<tr data-number="(\d+)"', html)


def _queue(client, **params) -> list[str]:
    r = client.get("/console/", params)
    assert r.status_code == 200
    return _numbers(r.content.decode())


def _events(case: Case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).order_by("seq").values_list("action", flat=True))


# ---- search ----------------------------------------------------------------------------------------


def test_keyword_search_reads_title_description_and_place(client, demo_city):
    by_title = _report("帝湖花园门口井盖缺失")
    by_description = _report("路面塌陷", description="就在帝湖花园北门")
    by_address = _report("垃圾满溢", address="帝湖花园3号楼下")
    other = _report("路灯不亮")
    elsewhere = _report("帝湖花园对面占道", grid=OTHER_GRID)  # another street: not this dispatcher's
    _login(client)
    found = _queue(client, q="帝湖花园")
    assert set(found) == {by_title.number, by_description.number, by_address.number}
    assert other.number not in found and elsewhere.number not in found
    assert elsewhere.number in _queue(_login(client, OTHER_DISPATCHER), q="帝湖花园")


def test_case_number_search(client, demo_city):
    first, second = _report("一"), _report("二")
    _login(client)
    assert _queue(client, number=second.number) == [second.number]
    assert set(_queue(client, number=first.number[:8])) >= {first.number, second.number}  # the day's cases
    outside = _report("三", grid=OTHER_GRID)
    assert _queue(client, number=outside.number) == []


def test_phone_search_is_a_logged_reveal_and_stays_in_scope(client, demo_city):
    mine = _report("路灯不亮", phone="138-1234-5678")
    other_phone = _report("井盖缺失", phone="13900001111")
    outside = _report("占道经营", grid=OTHER_GRID, phone="13812345678")
    _login(client)
    before = AuditEvent.objects.count()
    assert _queue(client, phone="5678") == [mine.number]
    assert _queue(client, phone="138 1234 5678") == [mine.number]
    assert other_phone.number not in _queue(client, phone="1234 5678")
    logged = list(AuditEvent.objects.filter(action="personal_data.read", data__via="phone_search").order_by("id"))
    assert len(logged) == AuditEvent.objects.count() - before == 3
    assert logged[0].actor.username == DISPATCHER and logged[0].data["phone"] == "5678"
    assert logged[0].data["found"] == [mine.number] and outside.number not in logged[1].data["found"]
    # the list itself still masks the reporter
    html = client.get("/console/", {"phone": "5678"}).content.decode()
    assert "13812345678" not in html and "张三丰" not in html
    # too few digits: said so, nothing searched, nothing logged
    r = client.get("/console/", {"phone": "56"})
    assert 'id="queue-error"' in r.content.decode() and _numbers(r.content.decode()) == []
    assert AuditEvent.objects.count() - before == 4  # the three searches and the masked list above


def test_date_range_is_local_days_with_the_end_included(client, demo_city):
    late_evening = _report("一号晚上", at=datetime(2026, 3, 1, 23, 30, tzinfo=SHANGHAI))
    after_midnight = _report("二号凌晨", at=datetime(2026, 3, 2, 0, 30, tzinfo=SHANGHAI))
    _login(client)
    assert _queue(client, start="2026-03-01", end="2026-03-01", q="号") == [late_evening.number]
    assert _queue(client, start="2026-03-02", end="2026-03-02", q="号") == [after_midnight.number]
    assert set(_queue(client, start="2026-03-01", end="2026-03-02", q="号")) == {
        late_evening.number,
        after_midnight.number,
    }
    assert _queue(client, end="2026-02-28", q="号") == []
    # a date that is not one is dropped, not an error
    assert set(_queue(client, start="2026-13-45", q="号")) == {late_evening.number, after_midnight.number}


def test_sorts_light_age_and_deadline(client, demo_city):
    with time_machine.travel(datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI), tick=False):
        oldest = _registered("甲")
    with time_machine.travel(datetime(2026, 3, 3, 9, 0, tzinfo=SHANGHAI), tick=False):
        middle = _registered("乙")
        newest = _report("丙")
    dispatcher = _actor()
    with time_machine.travel(datetime(2026, 3, 4, 9, 0, tzinfo=SHANGHAI), tick=False):
        for case in (oldest, middle):
            services.dispatch_case(actor=dispatcher, number=case.number, unit=LEAD)
    now = timezone.now()
    Case.objects.filter(pk=oldest.pk).update(light="yellow", resolve_by=now + timedelta(days=1))
    Case.objects.filter(pk=middle.pk).update(light="red", resolve_by=now + timedelta(days=2))
    _login(client)
    window = {"start": "2026-03-02", "end": "2026-03-03"}
    assert _queue(client, **window) == [newest.number, middle.number, oldest.number]  # newest first
    assert _queue(client, sort="light", **window) == [middle.number, oldest.number, newest.number]
    assert _queue(client, sort="age", **window) == [oldest.number, middle.number, newest.number]
    assert _queue(client, sort="deadline", **window) == [oldest.number, middle.number, newest.number]
    assert 'value="light" selected' in client.get("/console/", {"sort": "light"}).content.decode()


def test_grid_and_category_filters_take_names(client, demo_city):
    category = Category.objects.get(code="C0101")
    in_grid = _report("井盖缺失", category=category.code)
    in_sibling = _report("路灯不亮", grid=SIBLING)
    outside = _report("井盖缺失", grid=OTHER_GRID, category=category.code)
    _login(client)
    assert _queue(client, grid="碧沙岗社区第1网格") == [in_grid.number]
    assert set(_queue(client, grid="碧沙岗社区")) == {in_grid.number, in_sibling.number}  # the community: its grids
    assert _queue(client, grid=f"碧沙岗社区第1网格 · {GRID}") == [in_grid.number]  # the label the list offers
    assert _queue(client, grid="省五建社区") == []  # another street's grid: not found, nothing shown
    assert _queue(client, grid="没有这个网格") == []
    assert _queue(client, category=category.name) == [in_grid.number]
    assert _queue(client, category="公用设施") == [in_grid.number]  # a branch: its leaves
    assert _queue(client, category="C0101") == [in_grid.number]  # codes still work
    assert outside.number not in _queue(client, category=category.name)
    html = client.get("/console/").content.decode()
    assert 'data-pick="grids"' in html and 'data-pick="categories"' in html and "console-pick.js" in html


def test_pickers_answer_names_in_the_actors_area_only(client, demo_city):
    _login(client)
    items = client.get("/console/pick/grids/", {"q": "碧沙岗"}).json()["items"]
    assert items and items[0]["name"] == "碧沙岗社区" and all(i["code"].startswith("410102001") for i in items)
    assert items[0]["label"] == "碧沙岗社区 · 410102001002"
    assert client.get("/console/pick/grids/", {"q": "省五建"}).json()["items"] == []
    cats = client.get("/console/pick/categories/", {"q": "上水井盖"}).json()["items"]
    assert cats[0] == {
        "code": "C0101",
        "name": "上水井盖",
        "parent": cats[0]["parent"],
        "leaf": True,
        "label": "上水井盖 · C0101",
    }
    units = client.get("/console/pick/units/", {"q": "城管"}).json()["items"]
    assert {"code": LEAD, "name": "中原区城管执法局", "label": f"中原区城管执法局 · {LEAD}"} in units
    client.logout()
    assert _login(client, "worker-410102001002001").get("/console/pick/grids/", {"q": "碧沙岗"}).status_code == 403


# ---- 派遣 by name, 立案并派遣 ----------------------------------------------------------------------


def test_dispatch_form_offers_units_by_name_with_the_suggestion_first(client, demo_city):
    case = _registered()
    route = responsible_unit(category=case.category, grid_code=case.grid.code, district=case.platform[:6])
    html = _login(client).get(f"/console/cases/{case.number}/").content.decode()
    select = re.search(r'<select id="f-dispatch-unit" name="unit"[^>]*>(.*?)</select>', html, re.S).group(1)
    options = re.findall(r'<option value="([^"]+)"( selected)?>([^<]+)</option>', select)
    assert options[0][0] == route.unit and options[0][1] == " selected" and "派单目录建议" in options[0][2]
    assert any(code == LEAD and "中原区城管执法局" in text for code, _, text in options)
    assert any(code == GRID and "碧沙岗社区第1网格" in text for code, _, text in options)
    assert '<select id="f-dispatch-assisting" name="assisting" multiple' in html
    r = client.post(
        f"/console/cases/{case.number}/", {"action": "dispatch", "unit": LEAD, "assisting": ["D410102002", GRID]}
    )
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == "dispatched" and case.lead_unit == LEAD and case.assisting_units == ["D410102002", GRID]


def test_register_and_dispatch_in_one_step(client, demo_city):
    case = _report("上水井盖丢了")
    url = f"/console/cases/{case.number}/"
    html = _login(client).get(url).content.decode()
    assert 'id="action-register_dispatch"' in html and "立案并派遣" in html
    r = client.post(
        url,
        {
            "action": "register_dispatch",
            "category": "上水井盖 · C0101",
            "complexity": "general",
            "unit": "",
            "note": "核实属实",
        },
    )
    assert r.status_code == 302 and r["Location"] == url
    case.refresh_from_db()
    route = responsible_unit(category=case.category, grid_code=case.grid.code, district=case.platform[:6])
    assert case.status == "dispatched" and case.category.code == "C0101" and case.lead_unit == route.unit
    assert _events(case) == ["report", "register", "dispatch"]
    assert "立案并派遣" in client.get(url).content.decode()  # the success message


def test_register_and_dispatch_is_all_or_nothing(client, demo_city):
    case = _report("路灯不亮")
    before = (case.status, case.version, case.category_id, _events(case))
    r = _login(client).post(
        f"/console/cases/{case.number}/",
        {"action": "register_dispatch", "category": "C0101", "complexity": "general", "unit": "D410102999"},
    )
    assert r.status_code == 400  # the unit is refused at the dispatch, after the registration went through
    html = r.content.decode()
    assert 'id="error-register_dispatch"' in html and "D410102999" in html
    case.refresh_from_db()
    assert (case.status, case.version, case.category_id, _events(case)) == before
    # a category that names nothing is refused before anything is written
    r = client.post(f"/console/cases/{case.number}/", {"action": "register_dispatch", "category": "没有这个类别"})
    assert r.status_code == 400 and "没有名为" in r.content.decode()
    case.refresh_from_db()
    assert _events(case) == before[3]


def test_register_form_takes_the_category_by_name(client, demo_city):
    case = _report()
    r = _login(client).post(f"/console/cases/{case.number}/", {"action": "register", "category": "上水井盖"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == "registered" and case.category.code == "C0101"


# ---- batch 派遣 --------------------------------------------------------------------------------


def test_batch_dispatch_reports_each_case_and_one_refusal_undoes_nothing(client, demo_city):
    first, second = _registered("甲"), _registered("乙")
    not_registered = _report("丙")
    foreign = _registered("丁", grid=OTHER_GRID, username=OTHER_DISPATCHER)
    _login(client)
    html = client.get("/console/").content.decode()
    assert 'id="batch-form"' in html and f'id="pick-{first.number}"' in html and 'form="batch-form"' in html
    r = client.post(
        "/console/batch-dispatch/",
        {"numbers": [first.number, not_registered.number, second.number, foreign.number], "unit": LEAD},
    )
    assert r.status_code == 200
    page = r.content.decode()
    assert "已派遣 2 件，未能派遣 2 件" in page
    done = re.findall(r'<tr data-number="(\d+)" class="done">', page)
    refused = re.findall(r'<tr data-number="(\d+)" class="refused">', page)
    assert done == [first.number, second.number] and refused == [not_registered.number, foreign.number]
    for case in (first, second):
        case.refresh_from_db()
        assert case.status == "dispatched" and case.lead_unit == LEAD
    for case, status in ((not_registered, "reported"), (foreign, "registered")):
        case.refresh_from_db()
        assert case.status == status and case.lead_unit == ""
    assert "也没有撤销其他案件的派遣" in page  # said on the page: each case on its own
    assert "不影响、也不撤销其他案件的派遣" in html


def test_batch_dispatch_by_the_catalogue(client, demo_city):
    case = _registered("上水井盖丢了", category="C0101")
    route = responsible_unit(category=case.category, grid_code=case.grid.code, district=case.platform[:6])
    r = _login(client).post(
        "/console/batch-dispatch/",
        {"numbers": [case.number], "unit": ""},
        HTTP_REFERER="http://testserver/console/?status=registered&sort=age",
    )
    assert r.status_code == 200 and "已派遣 1 件" in r.content.decode()
    assert 'href="/console/?status=registered&amp;sort=age" id="batch-back"' in r.content.decode()  # back as left
    case.refresh_from_db()
    assert case.status == "dispatched" and case.lead_unit == route.unit


def test_batch_dispatch_without_a_selection_says_so(client, demo_city):
    r = _login(client).post("/console/batch-dispatch/", {"unit": LEAD})
    assert r.status_code == 400 and 'id="batch-error"' in r.content.decode()


def test_batch_dispatch_is_for_dispatchers(client, demo_city):
    case = _registered()
    html = _login(client, "leader").get("/console/").content.decode()
    assert 'id="batch-form"' not in html
    r = client.post("/console/batch-dispatch/", {"numbers": [case.number], "unit": LEAD})
    assert "未能派遣" in r.content.decode()
    case.refresh_from_db()
    assert case.status == "registered"


# ---- the Excel export --------------------------------------------------------------------------


def test_export_is_the_filtered_list_as_text_without_reporters(client, demo_city):
    formula = _report('=HYPERLINK("http://x","点我")', address="+1 路口 @东侧")
    plain = _report("路灯不亮 13812345678", address="-号楼")
    other = _report("井盖缺失", grid=SIBLING)
    _login(client)
    html = client.get("/console/", {"grid": GRID}).content.decode()
    assert f'href="/console/export.xlsx?grid={GRID}"' in html
    r = client.get("/console/export.xlsx", {"grid": GRID, "sort": "age"})
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in r["Content-Disposition"] and ".xlsx" in r["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][:4] == ("案件编号", "上报时间", "标题", "位置描述")
    numbers = [row[0] for row in rows[1:]]
    assert numbers == [formula.number, plain.number] and other.number not in numbers
    by_number = {row[0]: row for row in rows[1:]}
    assert by_number[formula.number][2] == '\'=HYPERLINK("http://x","点我")'
    assert by_number[formula.number][3] == "'+1 路口 @东侧" and by_number[plain.number][3] == "'-号楼"
    assert "13812345678" not in by_number[plain.number][2] and "138****5678" in by_number[plain.number][2]
    cells = [str(v) for row in rows for v in row if v is not None]
    assert not any("张三丰" in c or "13812345678" in c for c in cells)
    # every cell is text or a number: none is a formula
    for row in book.active.iter_rows():
        assert all(cell.data_type != "f" for cell in row)


def test_export_by_phone_is_logged_and_scoped(client, demo_city):
    mine = _report("路灯不亮")
    _report("路灯不亮", grid=OTHER_GRID)
    r = _login(client).get("/console/export.xlsx", {"phone": "12345678"})
    rows = list(openpyxl.load_workbook(io.BytesIO(r.content)).active.iter_rows(values_only=True))
    assert [row[0] for row in rows[1:]] == [mine.number]
    event = AuditEvent.objects.get(action="personal_data.read", data__via="phone_search")
    assert event.data["purpose"] == "export" and event.data["found"] == [mine.number]
    r = client.get("/console/export.xlsx", {"phone": "12"})  # too few digits: said so, nothing exported
    assert r.status_code == 400 and "4" in r.content.decode()


# ---- 来电登记 (hotline intake) -----------------------------------------------------------------------


def _hotline_form(client) -> dict:
    html = client.get("/console/hotline/").content.decode()
    key = re.search(r'name="key" value="([0-9a-f]+)"', html).group(1)
    return {
        "key": key,
        "caller_name": "李四",
        "caller_phone": "13600002222",
        "address": "碧沙岗公园北门东侧",
        "grid": "碧沙岗社区第1网格",
        "lon": "",
        "lat": "",
        "category": "上水井盖",
        "title": "井盖缺失",
        "description": "来电反映井盖丢失",
    }


def test_hotline_needs_the_place_in_words(client, demo_city):
    form = {**_hotline_form(_login(client)), "address": "", "step": "save"}
    before = Case.objects.count()
    r = client.post("/console/hotline/", form)
    assert r.status_code == 400 and 'id="hotline-error"' in r.content.decode() and "位置描述" in r.content.decode()
    assert Case.objects.count() == before


def test_hotline_shows_duplicates_before_saving_then_saves_once(client, demo_city):
    near = _report("井盖丢了", category="C0101")
    other_category = _report("路灯不亮")
    form = _hotline_form(_login(client))
    before = Case.objects.count()
    r = client.post("/console/hotline/", {**form, "step": "save"})
    assert r.status_code == 200
    html = r.content.decode()
    listed = re.findall(r'<li data-number="(\d+)"', html)
    assert listed[0] == near.number and other_category.number in listed  # the same category first
    assert 'id="h-save-anyway"' in html and Case.objects.count() == before  # nothing saved yet
    assert f'value="{form["key"]}"' in html  # the same key goes on
    r = client.post("/console/hotline/", {**form, "confirm": "1"})
    assert r.status_code == 302
    case = Case.objects.get(number=r["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert r["Location"] == f"/console/cases/{case.number}/"
    assert (
        case.channel,
        case.address,
        case.reporter_name,
        case.reporter_phone,
        case.category.code,
        case.grid.code,
    ) == ("hotline", "碧沙岗公园北门东侧", "李四", "13600002222", "C0101", GRID)
    assert case.reporter.username == DISPATCHER and _events(case) == ["report"]
    # a double click: the same form again makes no second case and lands on the same page
    again = client.post("/console/hotline/", {**form, "confirm": "1"})
    again_plain = client.post("/console/hotline/", {**form, "step": "save"})
    assert again["Location"] == again_plain["Location"] == f"/console/cases/{case.number}/"
    assert Case.objects.count() == before + 1 and IdempotencyKey.objects.filter(key=form["key"]).count() == 1


def test_hotline_check_without_duplicates_then_a_point_on_the_map(client, demo_city):
    form = _hotline_form(_login(client))
    lon, lat = point_in(SIBLING)
    form.update(grid="", lon=f"{lon:.6f}", lat=f"{lat:.6f}")
    r = client.post("/console/hotline/", {**form, "step": "check"})
    assert r.status_code == 200 and 'id="no-duplicates"' in r.content.decode()
    r = client.post("/console/hotline/", {**form, "step": "save"})
    assert r.status_code == 302
    case = Case.objects.get(number=r["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert case.grid.code == SIBLING and case.channel == "hotline"


def test_hotline_needs_a_point_or_a_grid_and_is_for_dispatchers(client, demo_city):
    form = {**_hotline_form(_login(client)), "grid": "", "step": "save"}
    r = client.post("/console/hotline/", form)
    assert r.status_code == 400 and "地图" in r.content.decode()
    client.logout()
    assert _login(client, "leader").get("/console/hotline/").status_code == 403
