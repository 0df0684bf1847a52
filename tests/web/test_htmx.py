"""Partial updates with htmx on the staff pages (/console/ and /dept/): htmx from the npm package
served by WhiteNoise, the same view answering a page or its list, and the browser swapping the list
without reloading the page."""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from gridgov.cases import selectors, services
from gridgov.cases.models import Case
from gridgov.people.actors import Actor
from tests.cases.helpers import point_in

GRID = "410102001002001"
DISPATCHER = "dispatcher-410102001"
LEAD = "D410102001"
ROOT = Path(__file__).resolve().parents[2]
HTMX_VERSION = json.loads((ROOT / "package.json").read_text())["dependencies"]["htmx.org"]
HX = {"HTTP_HX_REQUEST": "true"}


def _user(username):
    return get_user_model().objects.get(username=username)


def _login(client, username=DISPATCHER):
    client.force_login(_user(username))
    return client


def _report(title="路灯不亮") -> Case:
    lon, lat = point_in(GRID)
    return services.report_case(actor=Actor.anonymous(), title=title, lon=lon, lat=lat).case


def _dispatched(title="井盖缺失", *, overdue=False) -> Case:
    case = _report(title)
    dispatcher = Actor.of(_user(DISPATCHER))
    services.register_case(actor=dispatcher, number=case.number)
    services.dispatch_case(actor=dispatcher, number=case.number, unit=LEAD)
    if overdue:
        Case.objects.filter(pk=case.pk).update(resolve_by=timezone.now() - timedelta(hours=1))
    return Case.objects.get(pk=case.pk)


def _numbers(html: str) -> list[str]:
    return re.findall(r'<tr data-number="(\d+)"', html)


@pytest.fixture
def cases(demo_city):
    return {"reported": _report(), "running": _dispatched(), "late": _dispatched("占道经营", overdue=True)}


# ---- htmx itself: pinned, from node_modules, never a CDN ---------------------------------------------


def test_htmx_is_pinned_and_served_from_node_modules(client, demo_city):
    assert re.fullmatch(r"2\.\d+\.\d+", HTMX_VERSION), "an exact 2.x version, no range"
    lock = json.loads((ROOT / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/htmx.org"]["version"] == HTMX_VERSION
    assert lock["packages"][""]["dependencies"]["htmx.org"] == HTMX_VERSION
    assert ("vendor/htmx", settings.NODE_MODULES / "htmx.org" / "dist") in settings.STATICFILES_DIRS

    html = _login(client).get("/console/").content.decode()
    scripts = re.findall(r'<script\b[^>]*\bsrc="([^"]+)"', html)
    assert "/static/vendor/htmx/htmx.min.js" in scripts
    assert all(s.startswith("/static/") for s in scripts), scripts  # no CDN, no other host
    r = client.get("/static/vendor/htmx/htmx.min.js")
    assert r.status_code == 200
    body = b"".join(r.streaming_content) if r.streaming else r.content
    assert f'version:"{HTMX_VERSION}"'.encode() in body or f"version:'{HTMX_VERSION}'".encode() in body


def test_htmx_is_configured_for_a_strict_csp_and_no_stored_pages(client, demo_city):
    html = _login(client).get("/console/").content.decode()
    meta = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", html)
    config = json.loads(meta.group(1))
    assert config["allowEval"] is False and config["includeIndicatorStyles"] is False
    assert config["historyCacheSize"] == 0 and config["refreshOnHistoryMiss"] is True
    assert config["historyRestoreAsHxRequest"] is False


def test_htmx_requests_carry_the_csrf_token(demo_city, cases):
    """The token in <body hx-headers> is one Django accepts: an action posted with only that header
    (as htmx would post it) passes the CSRF check; without it, it is refused."""
    client = _login(Client(enforce_csrf_checks=True))
    html = client.get("/console/").content.decode()
    headers = json.loads(re.search(r"<body hx-headers='([^']+)'>", html).group(1))
    token = headers["X-CSRFToken"]
    url = f"/console/cases/{cases['reported'].number}/"
    refused = client.post(url, {"action": "register", "complexity": "general"})
    assert refused.status_code == 403 and Case.objects.get(pk=cases["reported"].pk).status == "reported"
    done = client.post(url, {"action": "register", "complexity": "general"}, HTTP_X_CSRFTOKEN=token)
    assert done.status_code == 302
    assert Case.objects.get(pk=cases["reported"].pk).status == "registered"


# ---- the console's queue: one view, the page or its list ---------------------------------------------


def test_queue_answers_the_list_alone_to_htmx(client, cases):
    _login(client)
    full = client.get("/console/", {"status": "dispatched"})
    part = client.get("/console/", {"status": "dispatched"}, **HX)
    assert full.status_code == part.status_code == 200
    page, html = full.content.decode(), part.content.decode()

    assert "<html" in page and 'id="queue-filters"' in page and 'id="console-map"' in page
    assert 'id="queue-table"' in page and 'id="queue-results"' in page
    # the list only: no page around it, no form, no map, no header
    assert html.lstrip().startswith('<div id="queue-results"')
    for absent in ("<html", "<head", "<body", 'id="queue-filters"', 'id="console-map"', "site-header", "htmx.min.js"):
        assert absent not in html, absent
    assert 'id="queue-table"' in html and 'id="console-points"' in html
    # and it is the same list as the page's
    assert _numbers(html) == _numbers(page) and set(_numbers(html)) == {cases["running"].number, cases["late"].number}
    for r in (full, part):
        assert "HX-Request" in r["Vary"], "caches must keep the page and the list apart"


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"status": "reported"},
        {"status": "dispatched"},
        {"overdue": "1"},
        {"status": "dispatched", "overdue": "1"},
        {"grid": GRID[:12]},
        {"grid": "410102002"},
        {"light": "green"},
        {"channel": "hotline"},
        {"category": "99"},
        {"status": "nonsense"},
    ],
)
def test_filters_apply_the_same_way_to_the_page_and_the_list(client, cases, params):
    _login(client)
    page = _numbers(client.get("/console/", params).content.decode())
    part = _numbers(client.get("/console/", params, **HX).content.decode())
    assert page == part
    expected = selectors.case_list(
        Actor.of(_user(DISPATCHER)),
        overdue_only=params.get("overdue") == "1",
        **{k: v for k, v in params.items() if k not in {"overdue"} and v != "nonsense"},
    )
    assert page == list(expected.values_list("number", flat=True)[:50])


def test_overdue_filter(client, cases):
    _login(client)
    html = client.get("/console/", {"overdue": "1"}).content.decode()
    assert _numbers(html) == [cases["late"].number]
    assert 'id="q-overdue" name="overdue" value="1" checked' in html
    assert 'id="q-overdue" name="overdue" value="1" checked' not in client.get("/console/").content.decode()


def test_overdue_means_late_to_resolve_or_late_to_sign_while_running(cases):
    actor, now = Actor.of(_user(DISPATCHER)), timezone.now()
    overdue = lambda: set(selectors.case_list(actor, overdue_only=True).values_list("number", flat=True))  # noqa: E731
    assert overdue() == {cases["late"].number}
    # late to sign: dispatched, not signed for, past sign_by (resolve_by still ahead)
    Case.objects.filter(pk=cases["running"].pk).update(sign_by=now - timedelta(minutes=5))
    assert overdue() == {cases["late"].number, cases["running"].number}
    # once signed for, the signing deadline no longer counts
    Case.objects.filter(pk=cases["running"].pk).update(accepted_at=now - timedelta(minutes=1), status="in_progress")
    assert overdue() == {cases["late"].number}
    # a suspended case's clock is stopped: not overdue
    Case.objects.filter(pk=cases["late"].pk).update(status="suspended")
    assert overdue() == set()


def test_filter_and_pager_move_the_address_but_the_refresh_does_not(client, cases):
    _login(client)
    filtered = client.get(
        "/console/",
        {"status": "dispatched", "grid": "", "light": "", "overdue": "1"},
        HTTP_HX_TRIGGER="queue-filters",
        **HX,
    )
    assert filtered["HX-Push-Url"] == "/console/?status=dispatched&overdue=1", "empty filters left out"
    html = filtered.content.decode()
    assert re.search(r'<p id="queue-live" hx-swap-oob="innerHTML">\s*1\b', html), "the new count is announced"
    assert 'hx-get="/console/?status=dispatched&amp;overdue=1"' in html, "the refresh asks for these filters"
    assert 'hx-trigger="every 60s"' in html

    polled = client.get("/console/", {"status": "dispatched", "overdue": "1"}, HTTP_HX_TRIGGER="queue-results", **HX)
    assert polled.status_code == 200 and "HX-Push-Url" not in polled
    assert 'id="queue-live"' not in polled.content.decode(), "no announcement every minute"
    assert _numbers(polled.content.decode()) == [cases["late"].number]


def test_pager_keeps_the_filters_and_swaps_the_list(client, cases, monkeypatch):
    import gridgov.web.console_queue as console_queue

    monkeypatch.setattr(console_queue, "PAGE_SIZE", 1)
    _login(client)
    r = client.get("/console/", {"status": "dispatched", "page": "2"}, HTTP_HX_TRIGGER="queue-prev", **HX)
    assert r["HX-Push-Url"] == "/console/?status=dispatched&page=2"
    html = r.content.decode()
    assert len(_numbers(html)) == 1
    prev = re.search(r'<a href="([^"]+)" rel="prev" id="queue-prev"\s+hx-get="([^"]+)"([^>]*)>', html)
    assert prev and prev.group(1) == prev.group(2) == "/console/?status=dispatched&amp;page=1"
    assert 'hx-target="#queue-results"' in prev.group(3) and 'hx-push-url="true"' in prev.group(3)
    assert 'hx-get="/console/?status=dispatched&amp;page=2" hx-trigger="every 60s"' in html, "refresh this page"


def test_history_restore_gets_the_whole_page(client, cases):
    r = _login(client).get("/console/", {"status": "reported"}, HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HX)
    assert "<html" in r.content.decode() and 'id="queue-filters"' in r.content.decode()


def test_htmx_after_the_session_ended_is_sent_to_sign_in(client, demo_city):
    r = client.get("/console/", {"status": "reported"}, **HX)
    assert r.status_code == 401 and r["HX-Redirect"].startswith("/login/?next=")
    assert "status%3Dreported" in r["HX-Redirect"] and r.content == b""
    plain = client.get("/console/")
    assert plain.status_code == 302 and "/login/" in plain["Location"]
    # a signed-in user without a console post is refused, not given a list
    r = _login(client, "worker-410102001002001").get("/console/", **HX)
    assert r.status_code == 403


def test_filter_form_works_without_javascript_and_is_labelled(client, cases):
    html = _login(client).get("/console/").content.decode()
    form = re.search(r'<form [^>]*id="queue-filters".*?</form>', html, re.S).group(0)
    assert re.match(r'<form method="get" action="/console/"', form)
    assert 'hx-get="/console/"' in form and 'hx-push-url="true"' in form and 'hx-target="#queue-results"' in form
    assert '<button type="submit"' in form
    for field in re.findall(r'<(?:input|select)\b[^>]*\bid="([^"]+)"', form):
        assert f'<label for="{field}">' in form, f"{field} has no label"
    assert {"status", "category", "grid", "channel", "light", "overdue"} <= set(re.findall(r'name="(\w+)"', form))
    assert "<script>" not in html and " style=" not in html


# ---- the department queue: its groups refresh themselves -------------------------------------------


def test_dept_queue_answers_its_groups_alone_to_htmx(client, cases):
    _login(client, f"handler-{LEAD}")
    page = client.get("/dept/").content.decode()
    part = client.get("/dept/", HTTP_HX_TRIGGER="dept-groups", **HX)
    html = part.content.decode()
    assert part.status_code == 200 and "HX-Request" in part["Vary"]
    assert "<html" in page and 'id="my-units"' in page and 'id="dept-groups"' in page
    assert html.lstrip().startswith('<div id="dept-groups" hx-get="/dept/" hx-trigger="every 60s"')
    assert "<html" not in html and 'id="my-units"' not in html
    for case in (cases["running"], cases["late"]):
        assert f'data-number="{case.number}"' in html and f'data-number="{case.number}"' in page
    assert 'id="group-to_sign"' in html and "HX-Push-Url" not in part


# ---- in the browser ----------------------------------------------------------------------------------


def _sign_in(page, base):
    from gridgov.sim.models import DemoAccount

    account = DemoAccount.objects.get(username=DISPATCHER)
    page.goto(f"{base}/login/?next=/console/")
    page.fill("#id_username", account.username)
    page.fill("#id_password", account.password)
    page.click("button[type=submit]")
    page.wait_for_selector("#queue-table")


def _rows(page) -> set[str]:
    return set(page.eval_on_selector_all("#queue-table tbody tr", "rows => rows.map(r => r.dataset.number)"))


@pytest.mark.browser
def test_console_filters_swap_the_list_without_reloading(page, live_server, cases, artifacts):
    base = live_server.url
    foreign = []
    page.on("request", lambda r: None if r.url.startswith(base) else foreign.append(r.url))
    _sign_in(page, base)
    page.wait_for_selector("#console-map path.case-dot")
    reported, running, late = cases["reported"].number, cases["running"].number, cases["late"].number
    assert _rows(page) == {reported, running, late}

    # htmx is the pinned package, from this server
    src = page.eval_on_selector('script[src*="htmx"]', "s => s.src")
    assert src.startswith(f"{base}/static/vendor/htmx/")
    assert page.evaluate("window.htmx && window.htmx.version") == HTMX_VERSION

    page.evaluate("window.__stayed = 'same page'")
    page.select_option("#q-status", "dispatched")
    page.wait_for_url(re.compile(r"/console/\?status=dispatched$"))
    page.wait_for_function("() => !document.querySelector('#queue-table tr[data-number=\"%s\"]')" % reported)
    assert _rows(page) == {running, late}
    assert page.evaluate("window.__stayed") == "same page", "the list was swapped, the page not reloaded"
    assert page.input_value("#q-status") == "dispatched"
    # the map follows the list (its dots are redrawn once htmx has settled the new list)
    page.wait_for_function("() => document.querySelectorAll('#console-map path.case-dot').length === 2")
    assert page.locator("#queue-live").inner_text().startswith("2")

    # by keyboard: tick "overdue only" with the space bar
    page.focus("#q-overdue")
    page.keyboard.press("Space")
    page.wait_for_url(re.compile(r"status=dispatched&overdue=1$"))
    page.wait_for_function("() => document.querySelectorAll('#queue-table tbody tr').length === 1")
    assert _rows(page) == {late}
    assert page.evaluate("window.__stayed") == "same page"
    assert page.evaluate("document.activeElement.id") == "q-overdue", "focus stays in the form"
    page.screenshot(path=artifacts / "console-queue-htmx-filtered.png", full_page=True)

    # back: the whole page again, for the earlier address (no page snapshots kept in the browser)
    page.go_back()
    page.wait_for_url(re.compile(r"/console/\?status=dispatched$"))
    page.wait_for_function("() => document.querySelectorAll('#queue-table tbody tr').length === 2")
    assert not page.is_checked("#q-overdue") and page.input_value("#q-status") == "dispatched"
    assert page.evaluate("sessionStorage.getItem('htmx-history-cache')") is None
    assert foreign == [] and page.errors == []


@pytest.mark.browser
def test_console_list_refreshes_its_lights_every_minute(page, live_server, cases):
    base = live_server.url
    page.clock.install()
    _sign_in(page, base)
    page.goto(f"{base}/console/?status=dispatched")
    page.wait_for_selector("#queue-table")
    running = cases["running"].number
    row = f'#queue-table tr[data-number="{running}"] td.q-light .light'
    assert "light-green" in page.get_attribute(row, "class")
    page.evaluate("window.__stayed = 'same page'")
    page.focus(f"#q-case-{running}")

    Case.objects.filter(pk=cases["running"].pk).update(light="red")  # as the deadline sweep would
    polls = []
    page.on("request", lambda r: polls.append(r.url) if r.headers.get("hx-trigger") == "queue-results" else None)
    page.clock.run_for("00:30")
    page.wait_for_timeout(300)
    assert polls == [] and "light-green" in page.get_attribute(row, "class"), "not before the minute"

    page.clock.run_for("00:31")
    page.wait_for_function("(sel) => document.querySelector(sel).classList.contains('light-red')", arg=row)
    assert polls == [f"{base}/console/?status=dispatched"]
    assert page.url == f"{base}/console/?status=dispatched", "the refresh does not move the address"
    assert page.evaluate("window.__stayed") == "same page"
    assert page.evaluate("document.activeElement.id") == f"q-case-{running}", "focus survives the refresh"
    # the map's dot turns red too (recoloured in place, once htmx has settled the new list)
    page.wait_for_function("""() => [...document.querySelectorAll('#console-map path.case-dot')]
                                      .map(p => p.getAttribute('fill')).sort().join() === '#1a7f37,#b42318'""")
    assert page.errors == []
