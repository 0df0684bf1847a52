"""Every admin write goes through a service: checked (a wrong value is a form error and nothing is written)
and audited. Grids, the dispatch catalogue, classes, units and posts; cases and notifications are read-only."""

import pytest
import shapely
from shapely import affinity

from gridgov.core.models import AuditEvent
from gridgov.grids.locator import Locator
from gridgov.grids.models import Grid, GridBoundary, TreeVersion
from gridgov.grids.selectors import current_geometries, load_nodes, tree_version
from gridgov.people.models import Post, Role, Unit
from gridgov.routing.models import Category, DispatchRule
from tests.config.admin_util import audit_rows, form_data

pytestmark = pytest.mark.django_db


def fresh_locate(lon: float, lat: float) -> str | None:
    """Where a point falls for a process that builds its index now (another web process)."""
    return Locator(load_nodes(), current_geometries(), version=tree_version()).locate(lon, lat)


def a_level3_grid() -> Grid:
    return Grid.objects.filter(level=3, valid_to__isnull=True).order_by("code").first()


# ---- grids ----------------------------------------------------------------------------------------


def test_renaming_a_grid_bumps_the_tree_version_and_is_audited(root):
    grid = a_level3_grid()
    url = f"/admin/grids/grid/{grid.pk}/change/"
    data = form_data(root.get(url))
    stamp = tree_version()
    data["name"] = "改名后的网格"
    r = root.post(url, data)
    assert r.status_code == 302, r.content.decode()[:3000]
    grid.refresh_from_db()
    assert grid.name == "改名后的网格"
    assert tree_version() != stamp
    assert AuditEvent.objects.filter(action="grids.import", data__source=f"admin edit {grid.code}").exists()
    assert GridBoundary.objects.filter(grid=grid).count() == 1, "a rename leaves the polygon alone"


def test_redrawing_a_grid_keeps_history_and_every_locator_sees_it(root):
    grid = a_level3_grid()
    old = current_geometries([grid.code])[grid.code]
    smaller = affinity.scale(old, 0.5, 0.5, origin="centroid")
    point = old.difference(smaller).representative_point()
    assert fresh_locate(point.x, point.y) == grid.code
    url = f"/admin/grids/grid/{grid.pk}/change/"
    data = form_data(root.get(url))
    stamp = TreeVersion.objects.get(pk=1).stamp
    data["boundary"] = shapely.to_geojson(smaller)
    r = root.post(url, data)
    assert r.status_code == 302, r.content.decode()[:3000]
    boundaries = list(GridBoundary.objects.filter(grid=grid).order_by("valid_from", "pk"))
    assert len(boundaries) == 2 and boundaries[0].valid_to is not None and boundaries[1].valid_to is None
    assert TreeVersion.objects.get(pk=1).stamp != stamp
    assert shapely.equals_exact(current_geometries([grid.code])[grid.code], shapely.orient_polygons(smaller), 1e-9)
    assert fresh_locate(point.x, point.y) != grid.code
    inner = smaller.representative_point()
    assert fresh_locate(inner.x, inner.y) == grid.code


def test_an_untouched_map_keeps_the_polygon(root):
    grid = a_level3_grid()
    url = f"/admin/grids/grid/{grid.pk}/change/"
    r = root.post(url, form_data(root.get(url)))
    assert r.status_code == 302
    assert GridBoundary.objects.filter(grid=grid).count() == 1


def test_an_invalid_polygon_is_a_form_error_and_nothing_changes(root):
    grid = a_level3_grid()
    url = f"/admin/grids/grid/{grid.pk}/change/"
    data = form_data(root.get(url))
    stamp, name = tree_version(), grid.name
    x0, y0, x1, y1 = current_geometries([grid.code])[grid.code].bounds
    bowtie = {"type": "Polygon", "coordinates": [[[x0, y0], [x1, y1], [x1, y0], [x0, y1], [x0, y0]]]}
    data.update(boundary=str(bowtie).replace("'", '"'), name="不该保存")
    r = root.post(url, data)
    assert r.status_code == 200
    assert "invalid polygon" in r.content.decode() or "无效" in r.content.decode()
    grid.refresh_from_db()
    assert (grid.name, tree_version(), GridBoundary.objects.filter(grid=grid).count()) == (name, stamp, 1)


def test_a_retired_grid_is_shown_not_edited(root):
    from gridgov.grids.services import retire_grid

    grid = Grid.objects.filter(level=4).first() or a_level3_grid()
    retire_grid(code=grid.code)
    r = root.get(f"/admin/grids/grid/{grid.pk}/change/")
    assert r.status_code == 200 and not r.context["has_change_permission"]


# ---- the dispatch catalogue -------------------------------------------------------------------------


def rule_form(category: Category, **values) -> dict:
    return {
        "category": category.pk,
        "grid_level": "",
        "district": "410102",
        "unit": "",
        "assisting": "",
        "note": "",
        **values,
    }


def test_a_rule_naming_a_unit_that_does_not_exist_is_refused(root):
    category = Category.objects.get(code="E0502")
    before = (DispatchRule.objects.count(), AuditEvent.objects.count())
    r = root.post("/admin/routing/dispatchrule/add/", rule_form(category, grid_level="3", unit="D410102999"))
    assert r.status_code == 200
    assert "D410102999" in str(r.context["adminform"].form.errors)
    r = root.post(
        "/admin/routing/dispatchrule/add/",
        rule_form(category, grid_level="3", unit="D410102011", assisting="410102999999"),
    )
    assert r.status_code == 200 and "410102999999" in str(r.context["adminform"].form.errors)
    assert (DispatchRule.objects.count(), AuditEvent.objects.count()) == before


def test_a_good_rule_is_saved_through_the_service_and_audited(root):
    category = Category.objects.get(code="E0502")
    r = root.post(
        "/admin/routing/dispatchrule/add/",
        rule_form(category, grid_level="3", unit="D410102011", assisting="@2", note="社区先行救助"),
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    rule = DispatchRule.objects.get(category=category, grid_level=3, district="410102")
    assert (rule.unit, rule.assisting) == ("D410102011", "@2")
    [event] = audit_rows("routing.save_dispatch_rule", rule.pk)
    assert event.actor == root.user and event.data["after"]["unit"] == "D410102011"
    r = root.post(f"/admin/routing/dispatchrule/{rule.pk}/delete/", {"post": "yes"})
    assert r.status_code == 302 and not DispatchRule.objects.filter(pk=rule.pk).exists()
    assert audit_rows("routing.delete_dispatch_rule", rule.pk)


def test_the_list_editable_catalogue_checks_units_too(root):
    rule = DispatchRule.objects.get(category__code="E0505", district="410102", grid_level__isnull=True)
    data = {
        "form-TOTAL_FORMS": "1",
        "form-INITIAL_FORMS": "1",
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        "form-0-id": rule.pk,
        "form-0-grid_level": "",
        "form-0-district": "410102",
        "form-0-unit": "D410102998",
        "form-0-assisting": "",
        "form-0-note": "",
        "_save": "保存",
    }
    r = root.post("/admin/routing/dispatchrule/?q=E0505", data)
    assert r.status_code == 200
    rule.refresh_from_db()
    assert rule.unit != "D410102998"
    data["form-0-unit"] = "D410102001"
    r = root.post("/admin/routing/dispatchrule/?q=E0505", data)
    assert r.status_code == 302
    rule.refresh_from_db()
    assert rule.unit == "D410102001" and audit_rows("routing.save_dispatch_rule", rule.pk)


def test_a_class_is_saved_through_the_import_checks(root):
    category = Category.objects.get(code="E0502")
    url = f"/admin/routing/category/{category.pk}/change/"
    data = form_data(root.get(url))
    data.update(urgent="on", resolve_hours="")  # urgent needs its clock hours
    r = root.post(url, data)
    assert r.status_code == 200 and not Category.objects.get(pk=category.pk).urgent
    data.update(resolve_hours="8")
    r = root.post(url, data)
    assert r.status_code == 302, r.content.decode()[:3000]
    category.refresh_from_db()
    assert (category.urgent, category.resolve_hours) == (True, 8)
    assert AuditEvent.objects.filter(action="routing.import_categories", data__source="admin edit E0502").exists()
    assert root.get(f"/admin/routing/category/{category.pk}/delete/").status_code == 403


# ---- people -------------------------------------------------------------------------------------------


def test_a_post_edited_in_the_admin_goes_through_people_services(root):
    post = Post.objects.filter(role=Role.GRID_WORKER, active=True).order_by("pk").first()
    url = f"/admin/people/post/{post.pk}/change/"
    data = form_data(root.get(url))
    data["title"] = "专职网格员（组长）"
    r = root.post(url, data)
    assert r.status_code == 302, r.content.decode()[:3000]
    post.refresh_from_db()
    assert post.title == "专职网格员（组长）"
    [event] = audit_rows("people.edit_post", post.pk)
    assert event.actor == root.user and event.data["after"]["title"] == "专职网格员（组长）"


def test_a_post_over_a_scope_that_does_not_exist_is_refused(root):
    post = Post.objects.filter(role=Role.GRID_WORKER, active=True).order_by("pk").first()
    url = f"/admin/people/post/{post.pk}/change/"
    data = form_data(root.get(url))
    data["scope"] = "410102999999999"
    count = AuditEvent.objects.count()
    r = root.post(url, data)
    assert r.status_code == 200 and "410102999999999" in str(r.context["adminform"].form.errors)
    post.refresh_from_db()
    assert post.scope != "410102999999999" and AuditEvent.objects.count() == count


def test_posts_are_added_and_removed_through_the_services(root, django_user_model):
    user = django_user_model.objects.create_user("cfg-new-worker", first_name="新网格员")
    grid = a_level3_grid()
    r = root.post(
        "/admin/people/post/add/",
        {
            "user": user.pk,
            "role": "grid_worker",
            "scope": grid.code,
            "title": "网格员",
            "phone": "",
            "public": "on",
            "active": "on",
        },
    )
    assert r.status_code == 302, r.content.decode()[:3000]
    post = Post.objects.get(user=user)
    assert audit_rows("people.assign_post", post.pk)
    r = root.post("/admin/people/post/", {"action": "delete_selected", "_selected_action": [post.pk], "post": "yes"})
    assert r.status_code == 302 and not Post.objects.filter(pk=post.pk).exists()
    assert audit_rows("people.remove_post", post.pk)


def test_a_unit_is_saved_through_the_import_checks_and_never_deleted(root):
    unit = Unit.objects.get(code="D410102013")
    url = f"/admin/people/unit/{unit.pk}/change/"
    data = form_data(root.get(url))
    data["phone"] = "0371-67188000"
    r = root.post(url, data)
    assert r.status_code == 302, r.content.decode()[:3000]
    unit.refresh_from_db()
    assert unit.phone == "0371-67188000"
    assert AuditEvent.objects.filter(action="people.import_units", data__source="admin edit D410102013").exists()
    assert root.get(f"/admin/people/unit/{unit.pk}/delete/").status_code == 403


# ---- read-only admins ------------------------------------------------------------------------------------


def test_cases_notifications_and_the_audit_log_are_read_only(root):
    from django.contrib import admin

    from gridgov.cases.models import Case
    from gridgov.core.models import AuditEvent as Audit
    from gridgov.notifications.models import Notification

    request = root.get("/admin/").wsgi_request
    request.user = root.user
    for model in (Case, Notification, Audit):
        model_admin = admin.site._registry[model]
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
        assert not model_admin.has_delete_permission(request)


def test_accounts_are_switched_off_not_deleted(root):
    post = Post.objects.filter(role=Role.GRID_WORKER).select_related("user").first()
    assert root.get(f"/admin/auth/user/{post.user.pk}/delete/").status_code == 403
    assert Post.objects.filter(pk=post.pk).exists()
