import json

import pytest
from django.core.management import call_command

from gridgov.routing.models import DispatchRule

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_(client, django_user_model):
    user = django_user_model.objects.create_superuser("routing-admin", "a@example.org", "pw-routing-admin")
    client.force_login(user)
    return client


def test_admin_lists_and_searches(loaded, admin_client_):
    r = admin_client_.get("/admin/routing/category/", {"q": "井盖", "tree__exact": "component"})
    assert r.status_code == 200 and "上水井盖" in r.content.decode()
    r = admin_client_.get("/admin/routing/dispatchrule/", {"q": "S0103"})
    body = r.content.decode()
    assert r.status_code == 200 and "中原区城管执法局" in body
    r = admin_client_.get(
        "/admin/autocomplete/",
        {"app_label": "routing", "model_name": "dispatchrule", "field_name": "category", "term": "燃气"},
    )
    assert r.status_code == 200 and any(x["text"].startswith("E0403") for x in r.json()["results"])


def test_admin_exports_csv(loaded, admin_client_):
    ids = list(DispatchRule.objects.filter(category__code__in=["S0103", "E0102"]).values_list("pk", flat=True))
    r = admin_client_.post("/admin/routing/dispatchrule/", {"action": "export_csv", "_selected_action": ids})
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    text = r.content.decode("utf-8")
    # CRLF, as RFC 4180 says: then a CR inside a cell is quoted and cannot start a row of its own
    assert text.startswith("\ufeff分类编码,分类名称,网格层级,区县编码,单位编码,单位名称,协办单位编码,备注\r\n")
    assert 'S0103,非法建设,,410102,D410102001,中原区城管执法局,"D410102003,D410102002"' in text
    r = admin_client_.post("/admin/routing/category/", {"action": "export_csv", "_selected_action": [1]})
    assert r.status_code in (200, 302)


def test_admin_edits_the_catalogue_in_the_list(loaded, admin_client_):
    rule = DispatchRule.objects.get(category__code="E0505", district="410102")
    page = admin_client_.get("/admin/routing/dispatchrule/", {"q": "E0505"})
    form = page.context["cl"].formset
    data = {
        f"form-{k}": v
        for k, v in {"TOTAL_FORMS": "1", "INITIAL_FORMS": "1", "MIN_NUM_FORMS": "0", "MAX_NUM_FORMS": "1000"}.items()
    }
    assert form.total_form_count() == 1
    data.update(
        {
            "form-0-id": rule.pk,
            "form-0-grid_level": "",
            "form-0-district": "410102",
            "form-0-unit": "D410102001",
            "form-0-assisting": "D410102024",
            "form-0-note": "改由城管牵头",
            "_save": "Save",
        }
    )
    r = admin_client_.post("/admin/routing/dispatchrule/?q=E0505", data)
    assert r.status_code == 302, r.content.decode()[:2000]
    rule.refresh_from_db()
    assert (rule.unit, rule.assisting) == ("D410102001", "D410102024")


def test_command_json_shape(db, capsys):
    call_command("routing", "load", "--json")
    capsys.readouterr()
    call_command("routing", "load", "--json")
    counts = json.loads(capsys.readouterr().out)
    assert counts["categories"]["created"] == 0 and counts["categories"]["updated"] == 0
    assert counts["categories"]["trees"]["hotline"]["leaves"] == 517
    assert set(counts) == {"categories", "units", "catalogue", "modes"}
    assert counts["modes"] == 0  # the handling modes' rules are there already: a load adds only missing ones


def test_adding_a_class_in_the_admin_keeps_leaves_right(loaded, admin_client_):
    from gridgov.routing.models import Category

    parent = Category.objects.get(code="E0504")
    r = admin_client_.post(
        "/admin/routing/category/add/",
        {
            "code": "E050401",
            "name": "占道经营（夜市）",
            "tree": "event",
            "parent": parent.pk,
            "complexity": "simple",
            "sign_hours": 1,
            "resolve_days": 1,
            "unit_kind": "grid",
            "keywords": "",
            "active": "on",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    assert not Category.objects.get(code="E0504").is_leaf
    child = Category.objects.get(code="E050401")
    assert (child.is_leaf, child.depth) == (True, 3)
