"""Categories and the dispatch catalogue in the admin: out as CSV/Excel, back in through the routing services."""

import pytest

from gridgov.core.models import AuditEvent
from gridgov.core.rows import RowErrors
from gridgov.routing.models import Category, DispatchRule
from gridgov.routing.services import import_categories, import_dispatch_rules
from tests.core.admin_io_util import as_dicts, csv_upload, error_rows, post_import, reupload, table, xlsx_upload

pytestmark = pytest.mark.django_db

CATEGORIES = "/admin/routing/category/"
RULES = "/admin/routing/dispatchrule/"
CATEGORY_FIELDS = (
    "code",
    "name",
    "tree",
    "parent__code",
    "depth",
    "is_leaf",
    "complexity",
    "sign_hours",
    "resolve_days",
    "urgent",
    "resolve_hours",
    "unit_kind",
    "keywords",
    "active",
)
RULE_FIELDS = ("category__code", "grid_level", "district", "unit", "assisting", "note")


def categories():
    return list(Category.objects.order_by("code").values_list(*CATEGORY_FIELDS))


def rules():
    return list(DispatchRule.objects.order_by("category__code", "grid_level", "district").values_list(*RULE_FIELDS))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_category_export_is_the_filtered_list(loaded, root, fmt):
    rows = as_dicts(table(root.get(f"{CATEGORIES}export/{fmt}/", {"tree__exact": "event", "urgent__exact": "1"})))
    expected = Category.objects.filter(tree="event", urgent=True).order_by("code")
    assert len(expected) >= 1 and len(rows) == len(expected)
    for row, c in zip(rows, expected, strict=True):
        assert row["编码"] == c.code and row["名称"] == c.name and row["分类体系"] == "数字城管：事件"
        assert row["上级编码"] == (c.parent.code if c.parent_id else "")
        assert (row["紧急（自然小时）"], row["紧急办结时限（自然小时）"]) == ("是", str(c.resolve_hours))
        assert row["默认复杂程度"] == str(c.get_complexity_display())


def test_the_catalogue_export_is_the_searched_list(loaded, root):
    rows = as_dicts(table(root.get(f"{RULES}export/csv/", {"q": "S0103"})))
    rule = DispatchRule.objects.get(category__code="S0103", district="410102")
    assert rows == [
        {
            "分类编码": "S0103",
            "分类名称": "非法建设",
            "网格层级": "",
            "区县编码": "410102",
            "单位编码": "D410102001",
            "单位名称": "中原区城管执法局",
            "协办单位编码": rule.assisting,
            "备注": rule.note,
        }
    ]


@pytest.mark.parametrize(("url", "fmt"), [(CATEGORIES, "xlsx"), (CATEGORIES, "csv"), (RULES, "xlsx"), (RULES, "csv")])
def test_a_round_trip_changes_nothing(loaded, root, url, fmt):
    before, events = (categories(), rules()), AuditEvent.objects.count()
    export = root.get(f"{url}export/{fmt}/")
    assert len(table(export)) - 1 == (Category if url == CATEGORIES else DispatchRule).objects.count()
    response = post_import(root, url, reupload(export))
    assert response.status_code == 302, error_rows(response)[:5]
    assert (categories(), rules()) == before
    summary = AuditEvent.objects.order_by("id")[events:]  # only the import itself is recorded
    assert [(e.action, e.data["created"], e.data["updated"]) for e in summary] == [
        ("routing.import_categories" if url == CATEGORIES else "routing.import_dispatch_catalogue", 0, 0)
    ]


def test_new_classes_and_rules_go_through_the_services(loaded, root):
    upload = csv_upload(
        [
            [
                "编码",
                "名称",
                "分类体系",
                "上级编码",
                "默认复杂程度",
                "签收时限（工作小时）",
                "办结时限（工作日）",
                "紧急（自然小时）",
                "紧急办结时限（自然小时）",
                "默认责任单位",
                "关键词",
            ],
            ["E050402", "夜市占道（扩展）", "event", "E050401", "simple", "1", "1", "否", "", "网格本级", "夜市"],
            [
                "E050401",
                "夜市",
                "数字城管：事件",
                "E0504",
                "一般",
                "",
                "",
                "",
                "",
                "grid",
                "",
            ],  # the parent after the child
        ]
    )
    response = post_import(root, CATEGORIES, upload)
    assert response.status_code == 302, error_rows(response)
    child, parent = Category.objects.get(code="E050402"), Category.objects.get(code="E050401")
    assert (child.parent, child.depth, child.is_leaf, child.complexity, child.unit_kind) == (
        parent,
        4,
        True,
        "simple",
        "grid",
    )
    assert (parent.depth, parent.is_leaf, parent.resolve_days) == (3, False, 5)
    assert not Category.objects.get(code="E0504").is_leaf
    assert AuditEvent.objects.get(action="routing.import_categories").actor == root.user

    upload = xlsx_upload(
        [
            ["分类编码", "网格层级", "区县编码", "单位编码", "协办单位编码", "备注"],
            ["E050402", 3, "410102", "", "", "网格处置"],
            ["E050401", "", "410102", "001", "002；@1", "城管牵头"],
        ]
    )
    response = post_import(root, RULES, upload)
    assert response.status_code == 302, error_rows(response)
    assert DispatchRule.objects.get(category__code="E050401").assisting == "D410102002,@1"
    assert DispatchRule.objects.get(category__code="E050401").unit == "D410102001"
    assert DispatchRule.objects.get(category__code="E050402").grid_level == 3
    assert AuditEvent.objects.get(action="routing.import_dispatch_catalogue").actor == root.user


def test_bad_category_rows_write_nothing_and_are_named(loaded, root):
    before, events = categories(), AuditEvent.objects.count()
    upload = csv_upload(
        [
            ["code", "name", "tree", "parent", "sign_hours", "urgent", "resolve_hours"],
            ["X01", "好的", "social", "", "2", "0", ""],
            ["X02", "无上级", "social", "X99", "2", "0", ""],
            ["X03", "零时限", "social", "", "0", "0", ""],
            ["X04", "紧急无时限", "social", "", "2", "是", ""],
            ["X05", "", "nowhere", "", "2", "0", ""],
            ["X01", "重复", "social", "", "2", "0", ""],
            ["E01", "换到别的体系", "social", "C01", "2", "0", ""],
        ]
    )
    problems = error_rows(post_import(root, CATEGORIES, upload))
    assert sorted({row for row, _, _ in problems}, key=int) == ["3", "4", "5", "6", "7", "8"]
    text = {row: " ".join(m for r, _, m in problems if r == row) for row, _, _ in problems}
    assert "X99" in text["3"] and "2" in text["7"] and "C01" in text["8"]
    assert categories() == before and AuditEvent.objects.count() == events


def test_a_circle_of_parents_is_refused(loaded):
    with pytest.raises(RowErrors) as caught:
        import_categories(rows=[{"code": "E01", "parent": "E0101"}])
    assert "E0101" in caught.value.errors[0].message


def test_bad_rule_rows_write_nothing_and_are_named(loaded, root):
    before = rules()
    upload = csv_upload(
        [
            ["分类编码", "网格层级", "区县编码", "单位编码", "协办单位编码"],
            ["E0102", "3", "410102", "", ""],  # the existing rule: fine
            ["NOPE", "", "410102", "D410102001", ""],
            ["E0102", "7", "410102", "", ""],
            ["E0102", "", "410102", "D410102999", ""],
            ["E0102", "2", "410102", "410102999", ""],
            ["E0102", "", "", "001", ""],
            ["E0102", "3", "410102", "@2", ""],
        ]
    )
    problems = error_rows(post_import(root, RULES, upload))
    assert [row for row, _, _ in problems] == ["3", "4", "5", "6", "7", "8"]
    assert "NOPE" in problems[0][2] and "7" in problems[1][2] and "D410102999" in problems[2][2]
    assert "410102999" in problems[3][2] and "2" in problems[5][2]
    assert rules() == before


def test_a_rule_import_keeps_rules_it_does_not_name(loaded):
    count = DispatchRule.objects.count()
    result = import_dispatch_rules(
        rows=[{"category": "E0102", "grid_level": "3", "district": "410102", "unit": "@2", "note": "改由社区"}]
    )
    assert result == {"created": 0, "updated": 1, "unchanged": 0}
    assert DispatchRule.objects.count() == count


def test_routing_admin_is_for_staff_only(loaded, client, django_user_model):
    before = categories()
    upload = csv_upload([["code", "name"], ["E01", "改名"]])
    for url in (CATEGORIES, RULES):
        assert client.get(f"{url}export/csv/").status_code == 302
        assert client.post(f"{url}import/", {"file": upload}).status_code == 302
    client.force_login(django_user_model.objects.create_user("io-staff", password="x", is_staff=True))
    assert client.post(f"{CATEGORIES}import/", {"file": upload}).status_code == 403
    assert categories() == before
