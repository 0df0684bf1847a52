"""Script in any name or text never runs (issue 10, finding 6 and its test), in Chromium.

Payloads go into every name and free text that pages show, through the real services: grid names (a
street and a 三级网格), a unit's name, a category's name, people's names and a post's title, and the
cases' titles, descriptions, addresses, reporter names, notes, reasons and results. Then every page that
shows them is opened as the role that uses it, the maps hovered (Leaflet tooltips) and the console's case
popup opened. On each: `window.__xss` stays unset, no dialog opens, no element of a payload exists in the
page (`img[src=x]`, `svg[onload]`, a script with our marker), the policy refused nothing — an injected
handler would show up as a refused inline script even though the policy keeps it from running — and
the payload is visible as text where the page shows that field.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from gridgov.cases import services
from gridgov.cases.models import Case
from gridgov.grids.models import Grid
from gridgov.grids.services import edit_grid
from gridgov.people.actors import Actor
from gridgov.people.services import import_people, import_units
from gridgov.routing.models import Category
from gridgov.routing.services import import_categories
from tests.cases.helpers import GRID, STREET, UNIT, point_in
from tests.web.test_csp import DASH_SHAPES, MAP_SHAPES, hover_shape, open_case_popup, role_context, settle

pytestmark = pytest.mark.browser

IMG = '<img src=x onerror="window.__xss=1">'
SVG = '"><svg onload=window.__xss=1>'
SCRIPT = "</script><script>window.__xss=1</script>"
LINK = "javascript:window.__xss=1"


def short(label: str) -> str:
    """A payload for a name (100 characters at most)."""
    return f"{label}{IMG}{SVG}"


def long(label: str) -> str:
    """A payload for a free text: every form at once."""
    return f"{label}{IMG}{SVG}{SCRIPT}{LINK}"


STREET_NAME, GRID_NAME, UNIT_NAME, CATEGORY_NAME = short("街道"), short("网格"), short("单位"), short("分类")
WORKER_NAME, HANDLER_NAME, POST_TITLE = short("员"), short("办"), SVG[:40]
TITLE, DESCRIPTION, ADDRESS, REPORTER = long("标题"), long("描述"), long("地址"), f"报{SVG}"
NOTE, REASON, RESULT = long("备注"), long("理由"), long("结果")
WORKER, HANDLER, DISPATCHER = f"worker-{GRID}", f"handler-{UNIT}", f"dispatcher-{STREET}"

# What a page must not hold or have done: the payloads' own elements, and their marker.
INJECTED = """() => ({
  xss: window.__xss === undefined ? null : String(window.__xss),
  nodes: document.querySelectorAll('img[src="x"], svg[onload], [onerror], [onload], a[href^="javascript:"]').length,
  scripts: [...document.scripts].filter((s) => s.type !== "application/json"
                                       && s.textContent.includes("window.__xss=1")).length,
  refused: window.__csp || [],
})"""


def poison() -> dict[str, str]:
    """Every name and text field holding a payload, written by the services; the two cases' numbers."""
    for code, name in ((STREET, STREET_NAME), (GRID, GRID_NAME)):
        grid = Grid.objects.get(code=code, valid_to__isnull=True)
        edit_grid(code=code, name=name, kind=grid.kind, households=grid.households, population=grid.population)
    import_units(rows=[{"code": UNIT, "name": UNIT_NAME}])
    category = (
        Category.objects.filter(is_leaf=True, active=True, tree="event").order_by("code").first()
        or Category.objects.filter(is_leaf=True, active=True).order_by("code").first()
    )
    import_categories(rows=[{"code": category.code, "name": CATEGORY_NAME}])
    import_people(
        rows=[
            {"username": WORKER, "full_name": WORKER_NAME, "role": "grid_worker", "scope": GRID, "title": POST_TITLE},
            {"username": HANDLER, "full_name": HANDLER_NAME, "role": "department_handler", "scope": UNIT},
        ]
    )
    lon, lat = point_in(GRID)
    dispatcher = Actor.of(get_user_model().objects.get(username=DISPATCHER))
    numbers = {}
    for key, unit in (("grid", GRID), ("unit", UNIT)):
        intake = services.report_case(
            actor=Actor.anonymous(),
            title=TITLE,
            description=DESCRIPTION,
            lon=lon,
            lat=lat,
            category=category.code,
            reporter_name=REPORTER,
            reporter_phone="13700001234",
            address=ADDRESS,
        )
        number = intake.case.number
        services.register_case(actor=dispatcher, number=number, note=NOTE, complexity="general")  # 协调办
        services.dispatch_case(actor=dispatcher, number=number, unit=unit)
        lead = Actor.of(get_user_model().objects.get(username=WORKER if unit == GRID else HANDLER))
        services.accept_case(actor=lead, number=number)
        if unit == GRID:
            services.resolve_case(actor=lead, number=number, result=RESULT)
        else:
            services.request_extension(actor=lead, number=number, days=3, reason=REASON)
        numbers[key] = number
        numbers[f"{key}-code"] = intake.tracking_code
    return numbers


def show_grid(page) -> None:
    """On the map: the 三级网格 level, GRID chosen (its name in the panel, in its chain, in its label)."""
    page.click('button[data-level="3"]')
    shape = f'{MAP_SHAPES}[data-code="{GRID}"]'
    page.wait_for_selector(shape, state="attached")
    page.locator(shape).dispatch_event("click")
    page.wait_for_function("(code) => document.getElementById('d-code').textContent === code", arg=GRID)


def pick_category(page) -> None:
    """The report form's category picker offers the category by its name, as typed."""
    page.fill("#category", "分类")
    page.wait_for_function(
        "(name) => [...document.querySelectorAll('#category-options option')].some((o) => o.value.startsWith(name))",
        arg=CATEGORY_NAME,
    )


def test_no_payload_runs_anywhere(browser, live_server, demo_city):
    n = poison()
    assert Case.objects.get(number=n["grid"]).title == TITLE  # stored as typed: escaping is the pages' job
    grid_case, unit_case = n["grid"], n["unit"]
    # (path, what to do there, the payloads the page must show as text)
    pages = {
        None: [
            ("/", lambda p: hover_shape(p, MAP_SHAPES), [STREET_NAME]),
            ("/", show_grid, [GRID_NAME, STREET_NAME]),
            ("/report/", pick_category, []),
            (f"/track/?number={grid_case}&code={n['grid-code']}", None, [TITLE, RESULT]),
            ("/rankings/", None, []),
            (f"/board/{GRID}/", None, [GRID_NAME, WORKER_NAME]),
        ],
        DISPATCHER: [
            ("/console/", open_case_popup, [TITLE]),
            (f"/console/cases/{grid_case}/", None, [TITLE, DESCRIPTION, ADDRESS, RESULT, GRID_NAME]),
            (f"/console/cases/{unit_case}/", None, [TITLE, REASON, UNIT_NAME, HANDLER_NAME]),
            ("/inbox/", None, []),
        ],
        HANDLER: [("/dept/", None, [TITLE]), (f"/dept/cases/{unit_case}/", None, [TITLE, DESCRIPTION, REASON])],
        WORKER: [
            ("/m/", None, [GRID_NAME]),
            ("/m/report/", pick_category, []),
            (f"/m/cases/{grid_case}/", None, [TITLE, DESCRIPTION, RESULT]),
        ],
        "leader": [
            ("/dashboard/", lambda p: hover_shape(p, DASH_SHAPES), [STREET_NAME]),
            (f"/dashboard/?region={STREET}", None, [STREET_NAME]),
        ],
        "admin": [
            ("/admin/cases/case/", None, [TITLE]),
            (f"/admin/grids/grid/{Grid.objects.get(code=GRID, valid_to__isnull=True).pk}/change/", None, [GRID_NAME]),
            ("/admin/people/unit/", None, [UNIT_NAME]),
            ("/admin/routing/category/?q=分类", None, [CATEGORY_NAME]),
        ],
    }
    problems: list[str] = []
    for username, paths in pages.items():
        page = role_context(browser, live_server, username)
        dialogs: list[str] = []
        page.on("dialog", lambda d, dialogs=dialogs: (dialogs.append(d.message), d.dismiss()))
        try:
            for path, act, shown in paths:
                settle(page, live_server.url + path)
                if act:
                    act(page)
                found = page.evaluate(INJECTED)
                text = page.inner_text("body")
                missing = [s[:8] for s in shown if s not in text]
                if found["xss"] or found["nodes"] or found["scripts"] or found["refused"] or dialogs or missing:
                    problems.append(f"{path} as {username}: {found} dialogs={dialogs} not shown as text: {missing}")
                dialogs.clear()
        finally:
            page.context.close()
    assert problems == [], "\n".join(problems)
