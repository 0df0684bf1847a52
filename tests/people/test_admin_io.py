"""People and units in the admin: roster and unit lists out (CSV, Excel) and back in through the services."""

import pytest
from django.contrib.auth import get_user_model

from gridgov.core.models import AuditEvent
from gridgov.grids.models import Grid
from gridgov.people.models import Post, Role, Unit
from gridgov.people.services import import_people
from tests.core.admin_io_util import audit_count, csv_upload, error_rows, post_import, reupload, table, xlsx_upload

pytestmark = pytest.mark.django_db

POSTS = "/admin/people/post/"
UNITS = "/admin/people/unit/"
HEADER = ["用户名", "姓名", "电话", "角色", "范围编码", "单位", "职务", "公开", "有效"]


def roster_state() -> list[tuple]:
    """Everything a roster import may change."""
    users = sorted(get_user_model().objects.values_list("username", "first_name", "password"))
    posts = sorted(Post.objects.values_list("user__username", "role", "scope", "title", "phone", "public", "active"))
    return users + posts


def expected_row(post: Post) -> list[str]:
    scope_name = (
        Grid.objects.filter(code=post.scope).values_list("name", flat=True).first()
        or Unit.objects.filter(code=post.scope).values_list("name", flat=True).first()
    )
    yes_no = {True: "是", False: "否"}
    return [
        post.user.username,
        post.user.first_name,
        post.phone,
        str(Role(post.role).label),
        post.scope,
        scope_name or "",
        post.title,
        yes_no[post.public],
        yes_no[post.active],
    ]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_roster_export_is_the_filtered_list(demo_city, root, fmt):
    street = "410102001"
    rows = table(root.get(f"{POSTS}export/{fmt}/", {"role__exact": "grid_worker", "q": street}))
    assert rows[0] == HEADER
    posts = Post.objects.filter(role="grid_worker", scope__contains=street).select_related("user").order_by("scope")
    assert len(posts) > 5
    assert sorted(rows[1:]) == sorted(expected_row(p) for p in posts)


def test_the_whole_roster_round_trips_without_a_change(demo_city, root):
    before, events = roster_state(), AuditEvent.objects.count()
    export = root.get(f"{POSTS}export/xlsx/")
    assert len(table(export)) - 1 == Post.objects.count()
    response = post_import(root, POSTS, reupload(export))
    assert response.status_code == 302, error_rows(response)[:5]
    assert roster_state() == before
    # one summary event, no appointment re-recorded
    assert list(AuditEvent.objects.order_by("id").values_list("action", flat=True)[events:]) == ["people.import"]
    message = [str(m) for m in root.get(POSTS).context["messages"]]
    assert any("新建 0" in m and "更新 0" in m and f"未变 {Post.objects.count()}" in m for m in message), message


def test_a_csv_roster_creates_accounts_and_posts_through_the_services(demo_city, root):
    upload = csv_upload(
        [
            ["用户名", "姓名", "电话", "角色", "范围编码", "单位", "职务"],
            ["zhang-san", "张三", "13800000001", "网格员", "410102001002001", "", "专职网格员"],
            ["zhang-san", "张三", "13800000001", "mediator", "410102001", "", "人民调解员"],  # a second post
            ["li-si", "李四", "0371-1234", "部门承办人", "", "中原区城管执法局", "承办人"],  # unit by name
            ["leader-410102001", "", "13900000000", "grid_leader", "410102001", "", "一级网格长"],  # an existing post
        ]
    )
    response = post_import(root, POSTS, upload)
    assert response.status_code == 302, error_rows(response)
    zhang = get_user_model().objects.get(username="zhang-san")
    assert zhang.first_name == "张三" and not zhang.has_usable_password()
    assert sorted(zhang.posts.values_list("role", "scope")) == [
        ("grid_worker", "410102001002001"),
        ("mediator", "410102001"),
    ]
    li = Post.objects.get(user__username="li-si")
    assert (li.role, li.scope, li.phone) == ("department_handler", "D410102001", "0371-1234")
    assert Post.objects.get(user__username="leader-410102001").phone == "13900000000"
    appointments = AuditEvent.objects.filter(action="people.assign_post", actor=root.user)
    assert appointments.count() == 4
    summary = AuditEvent.objects.get(action="people.import")
    assert summary.actor == root.user
    assert {k: summary.data[k] for k in ("created", "updated", "unchanged", "users_created")} == {
        "created": 3,
        "updated": 1,
        "unchanged": 0,
        "users_created": 2,
    }
    messages = [str(m) for m in root.get(POSTS).context["messages"]]
    assert any("2" in m and "密码" in m for m in messages), messages


def test_a_bad_row_writes_nothing_and_is_named(demo_city, root):
    before, events = roster_state(), AuditEvent.objects.count()
    upload = xlsx_upload(
        [
            ["username", "full_name", "role", "scope"],  # English headers work too
            ["wang-wu", "王五", "grid_worker", "410102001002001"],
            ["zhao-liu", "赵六", "grid_worker", "410102999999999"],
            ["sun-qi", "孙七", "chief", "410102001"],
            ["wang-wu", "王五", "grid_worker", "410102001002001"],
            ["qian-ba", "钱八", "department_handler", "410102001"],
        ]
    )
    problems = error_rows(post_import(root, POSTS, upload))
    assert [row for row, _, _ in problems] == ["3", "4", "5", "6"]
    by_row = {row: (key, message) for row, key, message in problems}
    assert by_row["3"][0] == "zhao-liu" and "410102999999999" in by_row["3"][1]
    assert "chief" in by_row["4"][1]
    assert "wang-wu" in by_row["5"][1] and "2" in by_row["5"][1]  # names the first row with it
    assert "410102001" in by_row["6"][1]
    assert roster_state() == before and AuditEvent.objects.count() == events
    assert not get_user_model().objects.filter(username="wang-wu").exists()


def test_a_roster_row_whose_unit_contradicts_its_scope_is_refused(demo_city):
    from gridgov.core.rows import RowErrors

    with pytest.raises(RowErrors) as caught:
        import_people(rows=[{"username": "x1", "role": "grid_leader", "scope": "410102001", "unit": "不存在的街道"}])
    assert caught.value.errors[0].row == 2 and "410102001" in caught.value.errors[0].message


def test_check_only_writes_nothing_but_counts(demo_city, root):
    before = roster_state()
    upload = csv_upload([["用户名", "角色", "范围编码"], ["new-one", "网格员", "410102001002001"]])
    response = post_import(root, POSTS, upload, dry_run=True)
    assert response.status_code == 200 and response.context["errors"] == []
    assert "1" in response.context["checked"]
    assert roster_state() == before
    assert audit_count(action="people.import") == 0


def test_units_export_round_trip_and_errors(demo_city, root):
    rows = table(root.get(f"{UNITS}export/csv/", {"kind__exact": "department"}))
    assert rows[0] == ["编码", "名称", "类型", "区县编码", "公开电话", "有效"]
    units = Unit.objects.filter(kind="department")
    assert [r[0] for r in rows[1:]] == list(units.values_list("code", flat=True))
    assert {r[2] for r in rows[1:]} == {"政府职能部门"}

    before = list(Unit.objects.values_list("code", "name", "kind", "district", "phone", "active"))
    export = root.get(f"{UNITS}export/xlsx/")
    assert post_import(root, UNITS, reupload(export)).status_code == 302
    assert list(Unit.objects.values_list("code", "name", "kind", "district", "phone", "active")) == before

    upload = csv_upload(
        [
            ["code", "name", "kind"],
            ["D410102900", "中原区新设局", "department"],
            ["D4101", "坏编码", "department"],
            ["D410102901", "某公司", "公司"],
        ]
    )
    problems = error_rows(post_import(root, UNITS, upload))
    assert [(row, key) for row, key, _ in problems] == [("3", "D4101"), ("4", "D410102901")]
    assert not Unit.objects.filter(code="D410102900").exists()

    upload = csv_upload(
        [["编码", "名称", "类型", "公开电话"], ["D410102900", "中原区新设局", "政府职能部门", "0371-6"]]
    )
    assert post_import(root, UNITS, upload).status_code == 302
    assert Unit.objects.get(code="D410102900").district == "410102"
    assert AuditEvent.objects.filter(action="people.import_units").latest("id").data["created"] == 1
    assert {e.actor for e in AuditEvent.objects.filter(action="people.import_units")} == {root.user}


def test_roster_search_and_filters(demo_city, root):
    def listed(**params):
        return {(p.user.username, p.role) for p in root.get(POSTS, params).context["cl"].result_list}

    assert listed(q="worker-410102001002001") == {("worker-410102001002001", "grid_worker")}
    assert {role for _, role in listed(q="调解员")} == {"mediator"}  # a role's Chinese name finds its posts
    assert {role for _, role in listed(scope_level="unit")} == {"department_handler"}
    streets = Post.objects.filter(scope__regex=r"^\d{9}$").count()
    assert root.get(POSTS, {"scope_level": "1"}).context["cl"].result_count == streets
    assert root.get(UNITS, {"q": "城管"}).context["cl"].result_count >= 1


def test_people_admin_is_for_staff_only(demo_city, client, django_user_model):
    for url in (f"{POSTS}export/csv/", f"{POSTS}import/", f"{UNITS}export/xlsx/"):
        assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    worker = django_user_model.objects.get(username="worker-410102001002001")
    client.force_login(worker)  # a grid worker is no staff: the admin sends them to sign in
    response = client.get(f"{POSTS}export/csv/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    staff = django_user_model.objects.create_user("io-staff", password="x", is_staff=True)
    client.force_login(staff)  # staff without permissions on posts
    assert client.get(f"{POSTS}export/csv/").status_code == 403
    assert client.get(f"{POSTS}import/").status_code == 403
    assert client.post(f"{POSTS}import/", {"file": csv_upload([["用户名"], ["x"]])}).status_code == 403
