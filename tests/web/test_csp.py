"""The Content-Security-Policy holds on every page (issue 10, finding 6), in Chromium.

Every page of the site, public and staff (each staff page as the role that uses it, the admin included),
is opened with a listener for `securitypolicyviolation` installed before any script of the page runs;
the maps are hovered (Leaflet tooltips) and the dashboard's chart too (ECharts' tooltip). Any violation
event, or any "Refused to …" console message, fails the test. The header itself is checked as well: no
'unsafe-inline', no 'unsafe-eval', and the violations go to our report endpoint, which logs them.
"""

from __future__ import annotations

import json
import logging
from urllib.parse import unquote

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from gridgov.grids.models import Grid
from gridgov.people.models import Post
from tests.cases.helpers import GRID, STREET, UNIT, bring
from tests.web.conftest import CLICKABLE

pytestmark = pytest.mark.browser

# Installed in every page before its own scripts: each violation as one line.
LISTEN = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push([e.violatedDirective, e.blockedURI, e.sourceFile + ":" + e.lineNumber, e.sample].join(" | "));
});
"""
MAP_SHAPES = "#map .leaflet-overlay-pane path.grid-shape"
DASH_SHAPES = "#dash-map path.grid-shape"
FIELDWORK_SHAPES = "#fieldwork-map path.grid-shape"
DISPATCHER = f"dispatcher-{STREET}"


def role_context(browser, live_server, username: str | None):
    """One browser context for a role (None: a resident), signed in by the server's own login, with the
    violation listener; `page.refused` collects console messages about the policy."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN", service_workers="block")
    if username:
        client = Client()
        client.force_login(get_user_model().objects.get(username=username))
        context.add_cookies([{"name": "sessionid", "value": client.cookies["sessionid"].value, "url": live_server.url}])
    context.add_init_script(LISTEN)
    page = context.new_page()
    page.errors, page.refused, page.pending = [], [], set()
    page.on("request", lambda r: page.pending.add(r.url))
    page.on("requestfinished", lambda r: page.pending.discard(r.url))
    page.on("requestfailed", lambda r: page.pending.discard(r.url))
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    page.on(
        "console",
        lambda m: (
            page.refused.append(m.text) if "Content Security Policy" in m.text or "Refused to" in m.text else None
        ),
    )
    return page


def hover_shape(page, shapes: str) -> None:
    """Hover a grid whose centre lands on it: Leaflet opens its tooltip (the name)."""
    page.wait_for_function("(s) => document.querySelectorAll(s).length > 0", arg=shapes)
    page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim')")
    target = page.evaluate(CLICKABLE, shapes)
    assert target, f"no grid of {shapes} can be hovered"
    page.mouse.move(target["x"], target["y"])
    page.wait_for_selector(".leaflet-tooltip", state="attached")


def open_case_popup(page) -> None:
    """Click a case's dot on the console's map: Leaflet opens its popup (number and title)."""
    page.wait_for_selector("#console-map path.case-dot", state="attached")
    page.wait_for_function("() => !document.querySelector('.leaflet-zoom-anim')")
    page.locator("#console-map path.case-dot").first.dispatch_event("click")
    page.wait_for_selector("#console-map .leaflet-popup", state="attached")


def hover_chart(page) -> None:
    page.wait_for_selector("#trend-chart[data-drawn]", state="attached")
    box = page.locator("#trend-chart").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_timeout(200)  # ECharts shows its tooltip on the next frame


def settle(page, url: str) -> None:
    """Open `url` and wait until its scripts have fetched what they draw (no request for half a second)."""
    response = page.goto(url)
    # the page itself, shown: not an error, nor a redirect to the sign-in page
    assert response.ok and unquote(page.url) == unquote(url), f"{url}: {response.status} at {page.url}"
    try:
        page.wait_for_load_state("networkidle", timeout=60_000)
    except Exception as exc:  # say which page, and what it was still loading
        raise AssertionError(f"{url} never settled; still loading: {sorted(page.pending)}") from exc


def visit(page, url: str, act=None) -> list[str]:
    """Open `url`, wait for its scripts and fetches, do `act`, and list what the policy refused."""
    settle(page, url)
    if act:
        act(page)
    page.wait_for_timeout(50)
    found = [f"{url}: {v}" for v in page.evaluate("window.__csp || []")]
    found += [f"{url}: console: {m}" for m in page.refused] + [f"{url}: error: {e}" for e in page.errors]
    page.refused.clear()
    page.errors.clear()
    return found


def site_pages(live_server) -> dict[str | None, list[tuple[str, object]]]:
    """Every page of the site, by the account that opens it: (path, what to do there)."""
    grid_case = bring("in_progress_grid")  # led by the worker of GRID; its platform is STREET's
    unit_case = bring("in_progress_unit")  # led by UNIT's handler
    grid = Grid.objects.get(code=GRID)
    post_id = Post.objects.filter(user__username=f"handler-{UNIT}").values_list("pk", flat=True).first()
    return {
        None: [
            ("/", lambda p: hover_shape(p, MAP_SHAPES)),
            ("/report/", None),
            ("/track/", None),
            (f"/track/?number={grid_case.number}&code={grid_case.tracking_code}", None),
            ("/rankings/", None),
            ("/login/", None),
            (f"/board/{GRID}/", None),
            ("/admin/login/", None),
        ],
        DISPATCHER: [
            ("/console/", open_case_popup),
            ("/console/hotline/", None),
            (f"/console/cases/{grid_case.number}/", None),
            ("/inbox/", None),
            ("/account/tokens/", None),
        ],
        "auditor": [("/audit/", None), ("/home/", None), ("/console/registry/", None), ("/registry/access-log/", None)],
        f"deputy-{STREET}": [("/home/", None)],
        f"supervisor-{STREET}": [("/home/", None)],
        f"mediator-{STREET}": [("/home/", None)],
        f"handler-{UNIT}": [("/dept/", None), (f"/dept/cases/{unit_case.number}/", None)],
        f"worker-{GRID}": [
            ("/m/", None),
            ("/m/report/", None),
            (f"/m/cases/{grid_case.number}/", None),
            ("/m/visits/", None),
            ("/console/registry/", None),
            ("/console/fieldwork/", lambda p: hover_shape(p, FIELDWORK_SHAPES)),
        ],
        "leader": [("/dashboard/", lambda p: (hover_chart(p), hover_shape(p, DASH_SHAPES)))],
        "admin": [
            ("/admin/", None),
            ("/admin/cases/case/", None),
            ("/admin/people/post/", None),
            ("/admin/routing/category/import/", None),
            (f"/admin/grids/grid/{grid.pk}/change/", None),  # the boundary editor (Leaflet-Geoman)
            (f"/admin/people/post/{post_id}/change/", None),
        ],
    }


def test_no_page_breaks_the_policy(browser, live_server, demo_city, caplog):
    pages = site_pages(live_server)
    violations: list[str] = []
    with caplog.at_level(logging.WARNING, logger="gridgov.csp"):
        for username, paths in pages.items():
            page = role_context(browser, live_server, username)
            try:
                for path, act in paths:
                    violations += visit(page, live_server.url + path, act)
            finally:
                page.context.close()
    assert violations == [], "\n".join(violations)
    assert [r.getMessage() for r in caplog.records if r.name == "gridgov.csp"] == []


def test_the_policy_forbids_inline_code_and_reports_to_us(client, db):
    policy = client.get("/login/")["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert "unsafe" not in policy
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert directives["report-uri"] == "/csp-report/"


def test_a_configured_base_map_is_allowed_its_tiles(client, db, settings):
    settings.GRIDGOV_BASEMAP, settings.GRIDGOV_TIANDITU_KEY = "tianditu", "k123"
    img = [d for d in client.get("/login/")["Content-Security-Policy"].split(";") if d.strip().startswith("img-src")]
    assert img[0].split()[1:] == ["'self'", "data:", "blob:"] + [f"https://t{i}.tianditu.gov.cn" for i in range(8)]
    settings.GRIDGOV_BASEMAP = "none"
    assert "tianditu" not in client.get("/login/")["Content-Security-Policy"]


def test_a_violation_report_is_logged(client, db, caplog):
    report = {
        "csp-report": {
            "document-uri": "http://testserver/",
            "violated-directive": "script-src-elem",
            "blocked-uri": "inline",
            "script-sample": "window.__xss=1",
        }
    }
    with caplog.at_level(logging.WARNING, logger="gridgov.csp"):
        answer = client.post("/csp-report/", json.dumps(report), content_type="application/csp-report")
    assert answer.status_code == 204
    assert [r.levelno for r in caplog.records if r.name == "gridgov.csp"] == [logging.WARNING]
    assert "script-src-elem" in caplog.text and "window.__xss=1" in caplog.text
    caplog.clear()
    big = client.post("/csp-report/", "x" * 20_000, content_type="application/csp-report")
    assert big.status_code == 413
    assert client.post("/csp-report/", "not json", content_type="application/csp-report").status_code == 400
    assert client.get("/csp-report/").status_code == 405
    assert not [r for r in caplog.records if r.name == "gridgov.csp"]
