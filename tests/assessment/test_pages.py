"""The assessment pages: the leader's dashboard /dashboard/, its monthly report download, and the
public rankings /rankings/ (Django test client; the browser test is tests/web/test_dashboard_browser.py)."""

import io
import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import transaction

from gridgov.assessment import scoring, selectors
from gridgov.assessment.views import percent
from gridgov.people.models import Post

DISTRICT, STREET, OTHER_STREET = "410102", "410102001", "410102002"
COMMUNITY = "410102001002"
# Two simulated days either side of a month's end: both months have figures, so ranks can move.
NOW = datetime(2026, 11, 2, 16, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
START, END = "2026-10-31", "2026-11-02"
SEED = 7  # a seed whose two days hold closed, evaluated and on-the-spot cases
HELD = datetime(2026, 12, 1, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(scope="module", autouse=True)
def after_the_history():
    """The pages ask what month it is (公示 of the last finished one; no ranking of a month to come):
    the clock is held (ticking) just after the simulated days, whatever day the suite runs."""
    import time_machine

    with time_machine.travel(HELD.timestamp(), tick=True):
        yield HELD


@pytest.fixture(scope="module")
def history(django_db_setup, django_db_blocker):
    """Two simulated days, once for the module, rolled back after it (the other modules want none)."""
    from gridgov.assessment.services import catch_up
    from gridgov.sim.history import simulate_history

    with django_db_blocker.unblock(), transaction.atomic():
        result = simulate_history(days=2, seed=SEED, now=NOW)
        catch_up()  # inside this transaction the after-commit rollup refreshes never run
        yield result
        transaction.set_rollback(True)


@pytest.fixture
def data(history, demo_city):
    cache.clear()  # the public rankings are cached a few minutes
    return history


def login(client, username):
    client.force_login(get_user_model().objects.get(username=username))
    return client


def html_of(response) -> str:
    return response.content.decode()


# ---- who may open the dashboard -----------------------------------------------------------------


def test_anonymous_is_sent_to_sign_in(client, demo_city):
    r = client.get("/dashboard/", {"region": STREET})
    assert r.status_code == 302 and r["Location"].startswith("/login/?next=/dashboard/")
    r = client.get("/dashboard/report.xlsx", {"region": STREET, "month": "2026-11"})
    assert r.status_code == 302 and r["Location"].startswith("/login/?next=/dashboard/report.xlsx")


@pytest.mark.parametrize(
    "username", ["worker-410102001002001", "handler-D410102001", "deputy-410102001", "mediator-410102001"]
)
def test_other_roles_are_refused_with_a_sentence(client, demo_city, username):
    r = login(client, username).get("/dashboard/")
    assert r.status_code == 403
    html = html_of(r)
    assert 'role="alert"' in html and "指挥大屏供领导、受理员、督导员和网格长使用" in html
    assert login(client, username).get("/dashboard/report.xlsx").status_code == 403
    # not even for their own grid (the statistics API lets a worker read their grid's figures)
    own = Post.objects.filter(user__username=username).values_list("scope", flat=True).first()
    region = own if not own.startswith("D") else DISTRICT
    r = client.get("/dashboard/", {"region": region})
    assert r.status_code == 403 and "指挥大屏供领导" in html_of(r)
    assert client.get("/dashboard/report.xlsx", {"region": region, "month": "2026-11"}).status_code == 403


@pytest.mark.parametrize(
    ("username", "home"),
    [
        ("leader", DISTRICT),
        ("admin", DISTRICT),
        ("supervisor", DISTRICT),
        (f"dispatcher-{STREET}", STREET),
        (f"supervisor-{STREET}", STREET),
        (f"leader-{STREET}", STREET),
        (f"leader-{COMMUNITY}", COMMUNITY),
    ],
)
def test_each_staff_role_opens_its_own_area(client, demo_city, username, home):
    r = login(client, username).get("/dashboard/")
    assert r.status_code == 200, username
    html = html_of(r)
    assert f'data-region="{home}"' in html
    assert f'<input type="hidden" name="region" value="{home}">' in html


def test_scope_is_enforced(client, demo_city):
    login(client, f"dispatcher-{STREET}")
    assert client.get("/dashboard/", {"region": COMMUNITY}).status_code == 200  # below its street
    r = client.get("/dashboard/", {"region": OTHER_STREET})
    assert r.status_code == 403 and "该区域不在您的管辖范围内" in html_of(r)
    assert client.get("/dashboard/", {"region": DISTRICT}).status_code == 403  # above it
    assert client.get("/dashboard/report.xlsx", {"region": OTHER_STREET, "month": "2026-11"}).status_code == 403
    assert client.get("/dashboard/", {"region": "999999"}).status_code == 404
    r = client.get("/dashboard/", {"start": "2026-11-10", "end": "2026-11-01"})
    assert r.status_code == 400 and "日期或月份无效" in html_of(r)
    assert client.get("/dashboard/", {"start": "yesterday"}).status_code == 400
    # the breadcrumb names the district but links only where the actor may look
    html = html_of(client.get("/dashboard/", {"region": COMMUNITY}))
    crumbs = re.search(r'<ol class="crumbs" id="crumbs">(.*?)</ol>', html, re.S).group(1)
    assert "中原区" in crumbs and f"region={DISTRICT}&" not in crumbs and f"region={STREET}&" in crumbs


# ---- what the dashboard shows -----------------------------------------------------------------------


def test_percent_rounds_for_display_only():
    assert percent(642 / 647) == "99.2%"  # the API keeps 0.992272…
    assert percent(1.0) == "100.0%" and percent(0.0) == "0.0%" and percent(None) == "—"
    assert percent(0.0649350649) == "6.5%" and percent(0.12345) == "12.3%"
    # a tie (1/16 × 100 = 6.25 exactly) goes up, as JavaScript's (0.0625 * 100).toFixed(1) does
    assert percent(1 / 16) == "6.3%" and percent(0.1225) == "12.3%" and percent(0.0005) == "0.1%"


def test_headline_figures_are_the_apis_rounded(client, data):
    login(client, "leader")
    html = html_of(client.get("/dashboard/", {"start": START, "end": END}))
    api = client.get("/api/v1/stats/indicators", {"region": DISTRICT, "start": START, "end": END}).json()
    assert api["received"] == data["cases"] > 0 and api["closed"] > 0
    expected = {
        "closure_rate": api["closure_rate"],
        "on_time_rate": api["on_time_rate"],
        "satisfaction_rate": api["satisfaction_rate"],
        "level_grid": api["resolved_at_level"]["grid"],
    }
    assert all(v is not None for v in expected.values()), expected
    for key, value in expected.items():
        figure = re.search(rf'id="kpi-{key}".*?class="kpi-value" data-value="([^"]*)">([^<]*)<', html, re.S)
        assert figure, key
        assert float(figure.group(1)) == value  # the exact fraction, for the script
        assert figure.group(2) == percent(value), key  # rounded for people
    numerator, denominator = api["fractions"]["closure_rate"]
    assert f"{numerator} / {denominator}" in html
    assert 'id="kpi-received">' in html and f'data-value="{api["received"]}">{api["received"]}<' in html
    assert "办结率" in html and "按期办结率" in html and "满意率" in html and "小事不出网格" in html


def test_dashboard_lists_lights_hot_spots_and_the_ranking_of_streets(client, data):
    login(client, "leader")
    html = html_of(client.get("/dashboard/", {"start": START, "end": END}))
    lights = selectors.lights(DISTRICT)
    for key in ("red", "yellow", "green", "none"):
        assert f'<strong id="light-{key}">{lights[key]}</strong>' in html
    hot = selectors.hot_spots(DISTRICT, date(2026, 10, 31), date(2026, 11, 2))
    assert hot and all(h["name"] in html for h in hot)
    ranking = scoring.ranking("street-100", "2026-11", DISTRICT)
    table = re.search(r'<table id="ranking".*?</table>', html, re.S).group(0)
    rows = re.findall(r"<tr>\s*<td>(\d+)</td>\s*<td><a href=\"([^\"]+)\">([^<]+)</a></td>", table)
    assert [(int(rank), name) for rank, _url, name in rows] == [(r["rank"], r["name"]) for r in ranking["items"]]
    assert len(rows) == 14
    # each street links to its own dashboard, same dates
    assert all(f"region={r['code']}&amp;start={START}&amp;end={END}" in table for r in ranking["items"])
    moved = [r for r in ranking["items"] if r["rank_change"]]
    assert moved, "two months of figures move some street"
    for r in moved:
        symbol = f"▲{r['rank_change']}" if r["rank_change"] > 0 else f"▼{-r['rank_change']}"
        assert f'<span aria-hidden="true">{symbol}</span>' in table


def test_a_street_ranks_its_communities_and_a_community_its_workers(client, data):
    login(client, "leader")
    html = html_of(client.get("/dashboard/", {"region": STREET, "start": START, "end": END}))
    names = [r["name"] for r in scoring.ranking("community-100", "2026-11", STREET)["items"]]
    assert names and all(n in html for n in names) and "社区月度百分制考核" in html
    html = html_of(client.get("/dashboard/", {"region": COMMUNITY, "start": START, "end": END}))
    workers = scoring.ranking("worker-1000", "2026-11", COMMUNITY)["items"]
    assert workers and all(w["name"] in html and w["area"] in html for w in workers)
    for post in Post.objects.filter(role="grid_worker", scope__startswith=COMMUNITY).select_related("user"):
        assert post.user.get_full_name() not in html and post.phone not in html
    assert 'id="category-chart"' in html
    # a 三级网格: its worker ranked, no category chart (the category rollups stop at communities)
    html = html_of(client.get("/dashboard/", {"region": f"{COMMUNITY}001", "start": START, "end": END}))
    assert 'id="category-chart"' not in html and "案件类别按区、街道和社区统计" in html
    worker = scoring.ranking("worker-1000", "2026-11", f"{COMMUNITY}001")["items"]
    assert len(worker) == 1 and f"<td>{worker[0]['name']}</td>" in html


def test_the_page_gives_its_script_the_api_addresses(client, demo_city):
    login(client, "leader")
    html = html_of(client.get("/dashboard/", {"region": STREET, "start": START, "end": END, "indicator": "received"}))
    config = re.search(r'<script id="dashboard-config" type="application/json">(.*?)</script>', html, re.S).group(1)
    import json

    config = json.loads(config)
    assert config["map"] == f"/api/v1/stats/map?region={STREET}&start={START}&end={END}"
    assert config["overview"].startswith("/api/v1/stats/overview?region=") and config["indicator"] == "received"
    assert config["scores"] == f"/api/v1/stats/scores/community-100?region={STREET}&month=2026-11"
    assert config["geojson"].startswith(f"/api/v1/grids/geojson?parent={STREET}")
    assert config["refreshSeconds"] == 60
    assert '<option value="received" selected>' in html
    assert "vendor/echarts/echarts.min.js" in html and "vendor/leaflet/leaflet.js" in html
    echarts = client.get("/static/vendor/echarts/echarts.min.js")  # from npm (node_modules), not a CDN
    assert echarts.status_code == 200 and b"echarts" in b"".join(echarts.streaming_content)[:5000]
    assert "//cdn" not in html and "https://" not in html
    assert "<script>" not in html and " style=" not in html and " onclick" not in html  # CSP-friendly
    # every address works for this user
    for key in ("overview", "series", "map", "scores", "geojson"):
        assert client.get(config[key]).status_code == 200, key


def test_english(client, demo_city):
    login(client, "leader")
    zh = html_of(client.get("/dashboard/"))
    assert "指挥大屏" in zh and "办结率" in zh and "较上月" in zh
    en = html_of(client.get("/dashboard/", {"lang": "en"}))
    assert "Dashboard" in en and "Closure rate" in en and "Download the monthly report" in en
    assert "办结率" not in en and "指挥大屏" not in en
    en = html_of(client.get("/rankings/", {"lang": "en"}))
    assert "Public rankings" in en and ">Grid workers <span" in en and ">Change</th>" in en
    assert ">网格员 <span" not in en and "较上月" not in en  # the schemes' own names are data, kept as entered


# ---- the monthly report ----------------------------------------------------------------------------


def test_the_report_link_returns_a_workbook(client, data):
    import openpyxl

    login(client, f"dispatcher-{STREET}")
    html = html_of(client.get("/dashboard/", {"start": START, "end": END}))
    link = re.search(r'<a id="report-link" href="([^"]+)" download>', html).group(1).replace("&amp;", "&")
    assert link == f"/dashboard/report.xlsx?region={STREET}&month=2026-11"
    r = client.get(link)
    assert r.status_code == 200
    assert r["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert r["Content-Disposition"] == f'attachment; filename="report-{STREET}-2026-11.xlsx"'
    assert r.content[:2] == b"PK"
    book = openpyxl.load_workbook(io.BytesIO(r.content), read_only=True)
    assert book.sheetnames
    assert client.get("/dashboard/report.xlsx", {"region": STREET, "month": "2026-13"}).status_code == 400


# ---- the public rankings ------------------------------------------------------------------------------


def test_rankings_are_public_and_hold_no_personal_data(client, data):
    r = client.get("/rankings/", {"month": "2026-11"})
    assert r.status_code == 200
    html = html_of(r)
    for heading in ("街道", "社区", "职能部门", "网格员", "人大代表"):
        assert f">{heading} <span" in html, heading
    tables = dict(re.findall(r'<table class="ranking" data-scheme="([^"]+)">(.*?)</table>', html, re.S))
    assert set(tables) == {"street-100", "community-100", "unit-3rates", "worker-1000", "deputy-duty"}
    for scheme, table in tables.items():
        rows = re.findall(r"<tr>(.*?)</tr>", table.split("</thead>")[1], re.S)
        assert len(rows) == len(scoring.ranking(scheme, "2026-11")["items"]) > 0, scheme
    # people: masked names and their grid, never usernames, full names, phones or ids
    workers = scoring.ranking("worker-1000", "2026-11")["items"]
    assert all(re.fullmatch(r".\*+", w["name"]) for w in workers)
    first = workers[0]
    assert f'<td class="name">{first["name"]}</td>' in tables["worker-1000"] and first["area"] in tables["worker-1000"]
    for post in Post.objects.filter(role__in=["grid_worker", "deputy"]).select_related("user"):
        assert post.user.username not in html and post.user.get_full_name() not in html, post.user.username
        assert post.phone not in html
    assert not re.search(r"(?<!\d)1[3-9]\d{9}(?!\d)", html)  # nothing that looks like a mobile number
    for table in (tables["worker-1000"], tables["deputy-duty"]):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", table, re.S)
        assert not any(re.fullmatch(r"\d+", c) and int(c) > 1000 for c in cells)  # no user ids among them


def test_rankings_show_the_change_since_last_month(client, data):
    html = html_of(client.get("/rankings/", {"month": "2026-11"}))
    assert "较上月" in html and "2026年10月" in html
    street = re.search(r'data-scheme="street-100">(.*?)</table>', html, re.S).group(1)
    for row in scoring.ranking("street-100", "2026-11")["items"]:
        change = row["rank_change"]
        symbol = "新上榜" if change is None else f"▲{change}" if change > 0 else f"▼{-change}" if change < 0 else "—"
        symbol = "—" if row["rank"] is None else symbol  # unranked this month (无案件): no change either
        cell = rf'<td class="name">{row["name"]}</td>.*?<span aria-hidden="true">{symbol}</span>'
        assert re.search(cell, street, re.S), row
    # October had one day of cases: the streets ranked in both months move, the others are new this month
    assert "▼" in street and "新上榜" in street


def test_rankings_month_picker_and_street_filter(client, data):
    html = html_of(client.get("/rankings/"))
    from django.utils import timezone

    today = timezone.localdate()
    last = scoring.previous_month(f"{today.year}-{today.month:02d}")
    assert f'<option value="{last}" selected>' in html  # 公示 is of the last finished month
    assert "（截至今日）" in html
    html = html_of(client.get("/rankings/", {"month": "2026-11", "region": STREET}))
    communities = re.search(r'data-scheme="community-100">(.*?)</table>', html, re.S).group(1)
    codes = re.findall(r'<span class="mono">(\d+)</span>', communities)
    assert codes and all(code.startswith(STREET) for code in codes)
    assert codes == [r["code"] for r in scoring.ranking("community-100", "2026-11", STREET)["items"]]
    assert f'<option value="{STREET}" selected>' in html
    assert client.get("/rankings/", {"month": "November"}).status_code == 400
    assert client.get("/rankings/", {"month": "2999-01"}).status_code == 400  # not ranked yet
    assert '<option value="2026-03" selected>' in html_of(client.get("/rankings/", {"month": "2026-3"}))
    assert client.get("/rankings/", {"region": "999"}).status_code == 400


def test_rankings_publish_the_covert_inspections_of_the_streets(client, data):
    """暗访通报: counts per street only, the street with findings ranked below the clean ones."""
    from uuid import uuid4

    from gridgov.campaigns import covert
    from gridgov.people.actors import Actor
    from tests.cases import helpers as h

    street = h.STREET
    supervisor = Actor.of(get_user_model().objects.get(username=f"supervisor-{street}"))
    html = html_of(client.get("/rankings/", {"month": "2026-11"}))
    assert 'id="rank-covert"' not in html  # no finding that month: no section
    lon, lat = h.point_in(h.GRID)
    for title in ("垃圾乱堆未清运", "占道经营"):
        covert.record_finding(
            actor=supervisor,
            client_id=uuid4(),
            category="市容环境",
            title=title,
            lon=lon,
            lat=lat,
            found_at=datetime(2026, 11, 2, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai")),
        )
    cache.clear()
    html = html_of(client.get("/rankings/", {"month": "2026-11"}))
    section = html[html.index('id="rank-covert"') :]
    rows = re.findall(
        r"<tr>\s*<td class=\"num\">(\d+)</td>\s*<td class=\"name\">([^<]+)</td>\s*<td class=\"num\">(\d+)", section
    )
    assert len(rows) == 14 and rows[-1][2] == "2" and all(r[2] == "0" for r in rows[:-1])
    assert rows[-1][0] == "14" and {r[0] for r in rows[:-1]} == {"1"}  # the clean streets share rank 1
    assert "垃圾乱堆" not in section  # counts only, never what was found
    assert 'id="rank-covert"' not in html_of(client.get("/rankings/", {"month": "2026-10"}))
