import pytest

from gridgov.core.models import AuditEvent
from gridgov.people.models import Unit
from gridgov.routing.models import Category, DispatchRule, Tree
from gridgov.routing.services import (
    RoutingDataError,
    category_rows,
    load_categories,
    load_dispatch_catalogue,
    load_units,
)
from gridgov.routing.services import loaders as services

pytestmark = pytest.mark.django_db


def test_load_creates_every_tree(loaded):
    trees = loaded["categories"]["trees"]
    assert trees[Tree.HOTLINE] == {"branches": 15 + 118, "leaves": 517}
    assert Category.objects.filter(tree=Tree.URBAN_COMPONENT, depth=1).count() == 6
    assert Category.objects.filter(tree=Tree.URBAN_EVENT, depth=1).count() == 5
    assert Category.objects.count() == len(category_rows())
    assert loaded["units"]["created"] + loaded["units"]["unchanged"] == Unit.objects.filter(district="410102").count()
    catalogue = loaded["catalogue"]  # the session's demo city may have loaded it already
    assert DispatchRule.objects.filter(district="410102").count() == catalogue["created"] + catalogue["unchanged"] > 100


def test_loading_twice_changes_nothing(loaded):
    audits = AuditEvent.objects.filter(action__startswith="routing.").count()
    rows = (Category.objects.count(), Unit.objects.count(), DispatchRule.objects.count())
    again = {
        "categories": load_categories(),
        "units": load_units(district="410102"),
        "catalogue": load_dispatch_catalogue(district="410102"),
    }
    for part in again.values():
        assert (part["created"], part["updated"]) == (0, 0)
    assert again["categories"]["unchanged"] == Category.objects.count()
    assert (Category.objects.count(), Unit.objects.count(), DispatchRule.objects.count()) == rows
    assert Category.objects.values("code").distinct().count() == Category.objects.count()
    assert AuditEvent.objects.filter(action__startswith="routing.").count() == audits  # nothing changed


def test_a_load_that_changes_something_is_audited(loaded):
    Category.objects.filter(code="C0101").update(keywords="")
    counts = load_categories()
    event = AuditEvent.objects.filter(action="routing.load_categories").first()
    assert counts["updated"] == 1
    assert (event.object_type, event.data) == ("category_tree", counts)


def test_reload_restores_changed_rows_by_code_and_keeps_local_ones(loaded):
    Category.objects.filter(code="E0102").update(resolve_days=9, name="改过的名字")
    rule = DispatchRule.objects.get(category__code="S0103", district="410102")
    rule.unit = "D410102099"
    rule.save()
    local = DispatchRule.objects.create(
        category=Category.objects.get(code="E0104"), grid_level=3, district="410102", unit=""
    )
    assert load_categories()["updated"] == 1
    assert load_dispatch_catalogue(district="410102")["updated"] == 1
    e = Category.objects.get(code="E0102")
    assert (e.name, e.resolve_days) == ("暴露垃圾", 1)
    assert DispatchRule.objects.get(pk=rule.pk).unit == "D410102001"
    assert DispatchRule.objects.filter(pk=local.pk).exists()


def test_leaves_follow_local_children(loaded):
    parent = Category.objects.get(code="E0102")
    Category.objects.create(code="E010201", name="本地细类", tree=Tree.URBAN_EVENT, parent=parent, depth=1)
    counts = load_categories()
    assert counts["updated"] == 2  # the parent is no longer a leaf; the child's depth is fixed
    assert not Category.objects.get(code="E0102").is_leaf
    child = Category.objects.get(code="E010201")
    assert (child.is_leaf, child.depth) == (True, 3)


def test_every_loaded_leaf_has_positive_limits(loaded):
    leaves = Category.objects.filter(is_leaf=True)
    assert leaves.count() == sum(t["leaves"] for t in loaded["categories"]["trees"].values())
    assert not leaves.filter(sign_hours__lt=1).exists() and not leaves.filter(resolve_days__lt=1).exists()
    assert not leaves.filter(urgent=True, resolve_hours__isnull=True).exists()


def test_units_are_named_after_the_district_grid(loaded):
    assert Unit.objects.get(code="D410102001").name == "中原区城管执法局"  # the demo grid tree names 410102
    assert Unit.objects.get(code="D410102102").name == "郑州自来水投资控股有限公司"
    assert Unit.objects.get(code="D410102102").kind == "enterprise"
    counts = load_units(district="410103", name_prefix="二七区")
    assert counts["created"] == Unit.objects.filter(district="410103").count()
    assert Unit.objects.get(code="D410103003").name == "二七区自然资源和规划局"


def test_catalogue_codes_follow_the_district(loaded):
    load_dispatch_catalogue(district="410103")
    rule = DispatchRule.objects.get(category__code="S0103", district="410103")
    assert (rule.unit, rule.assisting) == ("D410103001", "D410103003,D410103002")


@pytest.mark.parametrize("district", ["4101", "41010A", ""])
def test_a_bad_district_is_refused(db, district):
    with pytest.raises(RoutingDataError):
        load_units(district=district)


def test_the_catalogue_needs_the_categories(loaded, monkeypatch):
    real = services._read

    def read(name):
        rows = real(name)
        if name == services.CATALOGUE:
            rows.append({**rows[0], "category": "X99"})
        return rows

    monkeypatch.setattr(services, "_read", read)
    with pytest.raises(RoutingDataError, match="load the categories first"):
        load_dispatch_catalogue(district="410102")


def test_a_malformed_limit_is_refused(monkeypatch):
    real = services._read

    def read(name):
        rows = real(name)
        if name == "social.csv":
            rows[1] = {**rows[1], "resolve_days": "0"}
        return rows

    monkeypatch.setattr(services, "_read", read)
    with pytest.raises(RoutingDataError, match=r"social\.csv:3"):  # the message itself is translated
        category_rows()
