"""Every main page in English (?lang=en) speaks English, and Chinese by default.

The rule: with ?lang=en no Chinese character (nor Chinese punctuation) may remain on the page — its
visible text, its title, the labels screen readers read (aria-label, alt, title, placeholder) and the
words its scripts will show (the JSON "i18n" blocks) — except data: the names of grids, units,
categories and people, posts' titles, and what people wrote into cases (titles, descriptions,
results, notes, the reporter's masked name). Those are taken from the database and blanked out before
the check. Text marked lang="zh-hans" is Chinese on purpose and left out too: the language switch
names each language in that language (中文), and the report form's example search words are Chinese
because the categories are.

Chinese by default: without ?lang the same pages are <html lang="zh-hans"> and their chrome —
headings, labels, legends, buttons, table and list headers — is Chinese.
"""

from __future__ import annotations

import json
import re

import pytest
from django.contrib.auth import get_user_model

from gridgov.cases.models import Case, CaseEvent
from gridgov.core.privacy import mask_name
from gridgov.grids.models import Grid
from gridgov.people.models import Post, Unit
from gridgov.routing.models import Category
from gridgov.sim.models import DemoAccount
from tests.cases.helpers import GRID, UNIT, bring, report

pytestmark = pytest.mark.browser

# CJK ideographs and radicals, CJK punctuation (、。「」), kana, and full-width forms (（），：)
CJK = re.compile(r"[\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]")

DISPATCHER, HANDLER, WORKER = f"dispatcher-{GRID[:9]}", f"handler-{UNIT}", f"worker-{GRID}"

# what a page shows a person: its text (without the language switch), its title, the accessible
# names and hints, and the strings its scripts will show
VISIBLE = """() => {
  const out = [document.title];
  for (const el of document.querySelectorAll('body [lang^="zh"]')) el.remove();
  out.push(document.body.innerText);
  for (const el of document.querySelectorAll('[aria-label],[alt],[title],[placeholder]')) {
    for (const a of ['aria-label', 'alt', 'title', 'placeholder']) if (el.hasAttribute(a)) out.push(el.getAttribute(a));
  }
  for (const el of document.querySelectorAll('script[type="application/json"]')) {
    if (el.id.includes('i18n')) out.push(...Object.values(JSON.parse(el.textContent)));
  }
  return out.join('\\n');
}"""

# the chrome of a page: what the page itself says, not what it shows of the data
CHROME = "h1, label, legend, button, th, dt, .site-title, .m-nav a, .console-nav > a, .group-nav a"


def _data() -> list[str]:
    """The data a page may show in Chinese, longest first (so that a name inside a longer one goes with it)."""
    User = get_user_model()
    found: set[str] = set()
    found |= set(Grid.objects.values_list("name", flat=True))
    found |= set(Unit.objects.values_list("name", flat=True))
    found |= set(Category.objects.values_list("name", flat=True))
    found |= set(Post.objects.values_list("title", flat=True))
    found |= set(User.objects.values_list("first_name", flat=True)) | set(
        User.objects.values_list("last_name", flat=True)
    )
    for *fields, reporter in Case.objects.values_list("title", "description", "result", "reporter_name"):
        found |= {*fields, reporter, mask_name(reporter)}
    found |= set(CaseEvent.objects.values_list("note", flat=True))
    return sorted((s for s in found if s and CJK.search(s)), key=len, reverse=True)


def _leftovers(text: str, data: list[str]) -> list[str]:
    for value in data:
        text = text.replace(value, " ")
    return sorted({line.strip() for line in text.splitlines() if CJK.search(line)})


def _context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda exc: page.errors.append(str(exc)))
    return page


def _sign_in(page, base, username):
    account = DemoAccount.objects.get(username=username)
    page.goto(f"{base}/login/?lang=en")
    page.fill("#id_username", account.username)
    page.fill("#id_password", account.password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def _ready(page, path: str) -> None:
    """Wait for what the page's scripts draw (their words are part of the page)."""
    if path == "/":
        page.wait_for_selector("#map path.leaflet-interactive")
        page.wait_for_selector("#loading", state="hidden")
    elif path.endswith("/report/"):
        page.wait_for_selector("#report-map[data-ready]")
    elif path == "/console/" and page.locator("#console-map").count():  # not on the refusal
        page.wait_for_selector("#console-map path.case-dot")


@pytest.fixture
def cases(demo_city):
    """Cases at the steps each role's pages show most of their words for."""
    return {
        "reported": report().case.number,
        "dispatched_unit": bring("dispatched_unit").number,
        "in_progress_unit": bring("in_progress_unit").number,
        "resolved_unit": bring("resolved_unit").number,
        "dispatched_grid": bring("dispatched_grid").number,
        "closed": bring("closed"),
    }


def _pages(cases) -> dict[str | None, list[str]]:
    """Who (a demo account, None for nobody) sees which pages."""
    return {
        None: ["/", "/report/", "/track/", f"/board/{GRID}/", f"/board/{GRID[:9]}/", "/login/"],
        DISPATCHER: [
            "/console/",
            f"/console/cases/{cases['reported']}/",
            f"/console/cases/{cases['closed'].number}/",
            f"/console/cases/{cases['in_progress_unit']}/",
            "/console/hotline/",
            "/m/",
        ],  # /m/: refused, in words
        HANDLER: [
            "/dept/",
            f"/dept/cases/{cases['dispatched_unit']}/",
            f"/dept/cases/{cases['in_progress_unit']}/",
            f"/dept/cases/{cases['resolved_unit']}/",
        ],
        WORKER: [
            "/m/",
            f"/m/cases/{cases['dispatched_grid']}/",
            f"/m/cases/{cases['resolved_unit']}/",
            "/m/report/",
            "/console/",
        ],  # /console/: refused, in words
    }


def test_every_page_in_english(browser, live_server, cases):
    base = live_server.url
    data = _data()
    found: dict[str, list[str]] = {}
    visited = 0
    for who, paths in _pages(cases).items():
        page = _context(browser)
        try:
            if who:
                _sign_in(page, base, who)
            for path in paths:
                page.goto(f"{base}{path}?lang=en")
                _ready(page, path)
                assert page.get_attribute("html", "lang") == "en", path
                found[path if who is None or path not in found else f"{path} ({who})"] = _leftovers(
                    page.evaluate(VISIBLE), data
                )
                visited += 1
            if who is None:  # the resident's case page: /track/ with the number and code, rating form and all
                page.goto(f"{base}/track/?lang=en")
                page.fill("#number", cases["closed"].number)
                page.fill("#code", cases["closed"].tracking_code)
                page.click("#track-form button[type=submit]")
                page.wait_for_selector("#rate-form")
                assert page.inner_text("#status-text") == "Finished: please rate the result"
                labels = page.eval_on_selector_all("#timeline > li > .label", "ls => ls.map(l => l.textContent)")
                assert labels == [
                    "Reported",
                    "Registered",
                    "Dispatched",
                    "Signed for",
                    "Result reported",
                    "Checked",
                    "Closed",
                ]
                found["/track/ (a closed case)"] = _leftovers(page.evaluate(VISIBLE), data)
                visited += 1
            assert page.errors == [], page.errors
        finally:
            page.context.close()
    assert visited == 22
    untranslated = {path: lines for path, lines in found.items() if lines}
    assert not untranslated, json.dumps(untranslated, ensure_ascii=False, indent=1)


def test_chinese_by_default(browser, live_server, cases):
    base = live_server.url
    english: dict[str, list[str]] = {}
    for who, paths in _pages(cases).items():
        page = _context(browser)  # an English browser (Accept-Language: en-US): still Chinese first
        try:
            if who:
                account = DemoAccount.objects.get(username=who)
                page.goto(f"{base}/login/")
                page.fill("#id_username", account.username)
                page.fill("#id_password", account.password)
                page.click("button[type=submit]")
                page.wait_for_load_state()
            for path in paths:
                page.goto(f"{base}{path}")
                _ready(page, path)
                assert page.get_attribute("html", "lang") == "zh-hans", path
                texts = page.eval_on_selector_all(CHROME, "es => es.map(e => e.innerText.trim())")
                assert texts, path
                # chrome with letters but no Chinese is untranslated (codes, numbers and names are fine)
                english[path] = [t for t in texts if re.search(r"[A-Za-z]{3,}", t) and not CJK.search(t)]
        finally:
            page.context.close()
    untranslated = {path: texts for path, texts in english.items() if texts}
    assert not untranslated, json.dumps(untranslated, ensure_ascii=False, indent=1)
