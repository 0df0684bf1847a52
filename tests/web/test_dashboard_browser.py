"""The leader's dashboard and the public rankings in a real browser (Chromium through Playwright)
against a live server, over two simulated days of cases."""

import re
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from urllib.parse import parse_qs, quote, urlparse
from zoneinfo import ZoneInfo

import pytest
import shapely
from django.core.cache import cache

from gridgov.grids.models import Grid
from tests.web.conftest import CLICKABLE

pytestmark = pytest.mark.browser

DISTRICT, STREET, GRID = "410102", "410102001", "410102001002001"
NOW = datetime(2026, 11, 2, 16, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
START, END = "2026-10-31", "2026-11-02"
SEED = 7
NO_DATA = "#4a5a6e"
SHAPES = "#dash-map path.grid-shape"

# Painted pixels of a chart's canvas (0: nothing drawn).
PAINTED = """(id) => {
  const c = document.querySelector('#' + id + ' canvas');
  if (!c || !c.width || !c.height) return 0;
  const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  let n = 0;
  for (let i = 3; i < d.length; i += 4) if (d[i]) n++;
  return n;
}"""
SHAPE_STATE = f"""() => Array.from(document.querySelectorAll('{SHAPES}')).map(p => (
  {{code: p.dataset.code, value: p.dataset.value, indicator: p.dataset.indicator, fill: p.getAttribute('fill')}}))"""


def rounded(value) -> str:
    """What the page must show for an exact fraction: a percentage to one place, half up."""
    return "—" if value is None else f"{Decimal(value * 100).quantize(Decimal('0.1'), rounding=ROUND_HALF_UP)}%"


@pytest.fixture
def history(live_server, demo_city):
    from gridgov.sim.history import simulate_history

    cache.clear()
    result = simulate_history(days=2, seed=SEED, now=NOW)  # commits: the rollups follow each step
    assert result["cases"] > 20
    return result


def sign_in(page, live_server, username: str, next_url: str) -> None:
    from gridgov.sim.models import DemoAccount

    account = DemoAccount.objects.get(username=username)
    page.goto(f"{live_server.url}/login/?next={quote(next_url)}")
    page.fill("#id_username", account.username)
    page.fill("#id_password", account.password)
    page.click("button[type=submit]")


def wait_loaded(page, shapes: int, refreshed: int = 1) -> None:
    """The sub-grids drawn and coloured, and the figures fetched `refreshed` times."""
    page.wait_for_function(
        "([s, n]) => document.querySelectorAll(s + '[data-value]').length === n", arg=[SHAPES, shapes]
    )
    page.wait_for_function("(n) => Number(document.body.dataset.refreshed || 0) >= n", arg=refreshed)


def api(page, live_server, path: str, **params) -> dict:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    response = page.request.get(f"{live_server.url}/api/v1/stats/{path}?{query}")
    assert response.ok, response.text()
    return response.json()


def children(code: str) -> list[Grid]:
    return list(Grid.objects.filter(parent__code=code, valid_to__isnull=True).order_by("code"))


def check_figures(page, figures: dict) -> None:
    expected = {
        "closure_rate": figures["closure_rate"],
        "on_time_rate": figures["on_time_rate"],
        "satisfaction_rate": figures["satisfaction_rate"],
        "level_grid": figures["resolved_at_level"]["grid"],
    }
    for key, value in expected.items():
        assert page.inner_text(f"#kpi-{key} .kpi-value") == rounded(value), key
    assert page.inner_text("#kpi-received .kpi-value") == str(figures["received"])
    assert page.inner_text("#kpi-closed .kpi-value") == str(figures["closed"])


def check_charts(page, series: list[dict], categories: list[dict]) -> None:
    for chart in ("trend-chart", "category-chart"):
        page.wait_for_selector(f"#{chart}[data-drawn]", state="attached")  # animation over
        assert page.evaluate(PAINTED, chart) > 2000, chart
    option = page.evaluate("""() => {
      const o = echarts.getInstanceByDom(document.getElementById('trend-chart')).getOption();
      return {x: o.xAxis[0].data, received: o.series[0].data, closed: o.series[1].data};
    }""")
    assert option == {
        "x": [d["day"][5:] for d in series],
        "received": [d["received"] for d in series],
        "closed": [d["closed"] for d in series],
    }
    bars = page.evaluate("""() => echarts.getInstanceByDom(document.getElementById('category-chart'))
                              .getOption().series[0].data""")
    assert bars == [c["received"] for c in categories[:10]][::-1]


def test_dashboard_map_charts_figures_and_drill_down(page, live_server, history, artifacts):
    sign_in(page, live_server, "leader", f"/dashboard/?start={START}&end={END}")
    streets = children(DISTRICT)
    wait_loaded(page, len(streets))
    assert page.inner_text("h1") == "中原区 · 指挥大屏"  # Chinese although the browser asks for English

    # headline figures: the API's exact fractions, rounded for display
    figures = api(page, live_server, "indicators", region=DISTRICT, start=START, end=END)
    assert figures["received"] == history["cases"] and figures["closed"] > 0
    assert all(figures[k] is not None for k in ("closure_rate", "on_time_rate", "satisfaction_rate"))
    check_figures(page, figures)
    overview = api(page, live_server, "overview", region=DISTRICT, start=START, end=END)
    for light, n in overview["lights"].items():
        assert page.inner_text(f"#light-{light}") == str(n)
    assert page.locator("#hot-spots li a").all_inner_texts() == [h["name"] for h in overview["hot_spots"]]

    # the map: every street coloured by its closure rate, grey only where there is nothing to divide
    values = {
        i["code"]: i["value"]
        for i in api(page, live_server, "map", region=DISTRICT, start=START, end=END, indicator="closure_rate")["items"]
    }
    shapes = page.evaluate(SHAPE_STATE)
    assert sorted(s["code"] for s in shapes) == sorted(g.code for g in streets) == sorted(values)
    for s in shapes:
        value = values[s["code"]]
        assert s["indicator"] == "closure_rate"
        assert s["value"] == ("" if value is None else repr(value)) or float(s["value"]) == value
        assert (s["fill"] == NO_DATA) == (value is None), s
    assert len({s["fill"] for s in shapes if s["value"]}) >= 2, "different rates, different colours"
    assert page.locator("#legend li").count() >= 3 and page.inner_text("#legend li >> nth=0") == "办结率"

    # charts: drawn on canvas from the series and the categories
    series = api(page, live_server, "series", region=DISTRICT, start=START, end=END)["items"]
    assert [d["day"] for d in series] == ["2026-10-31", "2026-11-01", "2026-11-02"]
    assert sum(d["received"] for d in series) == figures["received"]
    check_charts(page, series, overview["categories"])

    # the ranking of the streets, as scoring ranks them
    from gridgov.assessment import scoring

    ranking = scoring.ranking("street-100", "2026-11", DISTRICT)["items"]
    assert page.locator("#ranking tbody tr td:nth-child(2)").all_inner_texts() == [r["name"] for r in ranking]
    page.screenshot(path=artifacts / "dashboard-1920.png")

    # another indicator: the map recolours without reloading the page
    page.select_option("#indicator", "received")
    page.wait_for_function(
        "(s) => [...document.querySelectorAll(s)].every(p => p.dataset.indicator === 'received')", arg=SHAPES
    )
    received = {
        i["code"]: i["value"]
        for i in api(page, live_server, "map", region=DISTRICT, start=START, end=END, indicator="received")["items"]
    }
    assert {s["code"]: int(s["value"]) for s in page.evaluate(SHAPE_STATE)} == received
    assert page.inner_text("#legend li >> nth=0") == "受理数" and "indicator=received" in page.url
    classes = page.locator("#legend li").all_inner_texts()[1:-1]  # between the title and "no data"
    assert classes and all(re.fullmatch(r"\d+( – \d+)?", c) for c in classes), classes  # whole cases

    # drill-down: click a street, get its own dashboard with its communities
    target = page.evaluate(CLICKABLE, SHAPES)
    assert target, "no street can be clicked at its centre"
    page.mouse.click(target["x"], target["y"])
    page.wait_for_url(re.compile(rf"region={target['code']}"))
    street = Grid.objects.get(code=target["code"], valid_to__isnull=True)
    communities = children(street.code)
    wait_loaded(page, len(communities))
    query = parse_qs(urlparse(page.url).query)
    assert query["start"] == [START] and query["end"] == [END] and query["indicator"] == ["received"]
    assert page.inner_text("h1") == f"{street.name} · 指挥大屏"
    assert page.locator("#crumbs li").all_inner_texts() == ["中原区", street.name]
    assert sorted(s["code"] for s in page.evaluate(SHAPE_STATE)) == [c.code for c in communities]
    page.wait_for_selector("#trend-chart[data-drawn]", state="attached")
    check_figures(page, api(page, live_server, "indicators", region=street.code, start=START, end=END))
    names = [r["name"] for r in scoring.ranking("community-100", "2026-11", street.code)["items"]]
    assert page.locator("#ranking tbody tr td:nth-child(2)").all_inner_texts() == names
    page.screenshot(path=artifacts / "dashboard-1920-street.png")

    # the public rankings, at the same width
    page.goto(f"{live_server.url}/rankings/?month=2026-11")
    assert page.locator('table[data-scheme="street-100"] tbody tr').count() == len(streets)
    assert (
        page.locator('table[data-scheme="worker-1000"] tbody tr').count()
        == len(scoring.ranking("worker-1000", "2026-11")["items"])
        > 0
    )
    page.screenshot(path=artifacts / "rankings-1920.png")
    assert page.errors == []


def test_dashboard_refreshes_itself(browser, live_server, history, artifacts):
    from django.contrib.auth import get_user_model

    from gridgov.assessment.services import refresh_cases
    from gridgov.cases import services
    from gridgov.grids.selectors import current_geometries
    from gridgov.people.actors import Actor

    context = browser.new_context(viewport={"width": 1920, "height": 1080})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.clock.install()  # the page's minute timer, under the test's control
        sign_in(page, live_server, f"dispatcher-{STREET}", "/dashboard/")  # this month, the dispatcher's street
        wait_loaded(page, len(children(STREET)))
        before = int(page.inner_text("#kpi-received .kpi-value"))
        assert re.fullmatch(r"更新于 \d\d:\d\d", page.inner_text("#updated"))

        point = shapely.point_on_surface(current_geometries([GRID])[GRID])
        made = services.report_case(actor=Actor.anonymous(), title="井盖缺失", lon=point.x, lat=point.y)
        platform = made.case.platform
        cleared = f'#clearance li[data-platform="{platform}"] .n'
        # 问题清零 of the platform the new case goes to (no row yet when it has no registered case this month)
        clear_before = page.inner_text(cleared) if page.locator(cleared).count() else ""
        dispatcher = Actor.of(get_user_model().objects.get(username=f"dispatcher-{platform}"))
        services.register_case(actor=dispatcher, number=made.case.number, complexity="general")
        # its rollup now, whether or not the after-commit task has run yet (the page is under test here)
        refresh_cases(numbers=[made.case.number])
        page.clock.fast_forward(30_000)
        page.wait_for_timeout(300)
        assert page.inner_text("#kpi-received .kpi-value") == str(before)  # not yet: once a minute
        page.clock.fast_forward(31_000)
        wait_loaded(page, len(children(STREET)), refreshed=2)
        page.wait_for_function(
            "(n) => document.querySelector('#kpi-received .kpi-value').textContent === n", arg=str(before + 1)
        )
        assert re.fullmatch(r"更新于 \d\d:\d\d", page.inner_text("#updated"))
        # the 清零 panel is redrawn by the same timer: one more open case on that platform
        clear_after = page.inner_text(cleared)
        assert clear_after != clear_before and "未办结" in clear_after, (clear_before, clear_after)

        # a 三级网格 has no sub-grids: the map outlines the grid itself and says so
        page.goto(f"{live_server.url}/dashboard/?region={GRID}")
        page.wait_for_function("() => Number(document.body.dataset.refreshed || 0) >= 1")
        page.wait_for_selector("#dash-map path", state="attached")
        assert page.locator("#dash-map path").count() == 1 and page.locator(SHAPES).count() == 0
        assert page.inner_text("#map-note") == "该区域没有下级网格。" and not page.is_visible("#map-hint")
        assert page.locator("#category-chart").count() == 0 and page.locator("#trend-chart canvas").count() == 1
        assert errors == []
    finally:
        context.close()


def test_dashboard_and_rankings_at_375_px(browser, live_server, history, artifacts):
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        sign_in(page, live_server, "leader", f"/dashboard/?start={START}&end={END}")
        wait_loaded(page, len(children(DISTRICT)))
        for chart in ("trend-chart", "category-chart"):
            page.wait_for_selector(f"#{chart}[data-drawn]", state="attached")
            assert page.evaluate(PAINTED, chart) > 1000, chart
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        assert page.is_visible("#dash-map") and page.is_visible("#report-link")
        page.screenshot(path=artifacts / "dashboard-375.png", full_page=True)

        page.goto(f"{live_server.url}/rankings/?month=2026-11")
        assert page.locator('table[data-scheme="street-100"] tbody tr').count() == len(children(DISTRICT))
        assert page.evaluate("document.documentElement.scrollWidth") <= 375
        for scheme in ("street-100", "community-100", "unit-3rates"):  # the change in view without scrolling
            right = page.evaluate(
                "(s) => document.querySelector(`table[data-scheme='${s}'] th:last-child`)"
                ".getBoundingClientRect().right",
                scheme,
            )
            assert right <= 375, scheme
        page.screenshot(path=artifacts / "rankings-375.png", full_page=True)
        assert errors == []
    finally:
        context.close()
