import pytest

from gridgov.routing.models import Category, Complexity, Tree
from gridgov.routing.selectors import COMPLEXITY_FACTOR, Limits, category, leaf_categories, limits, search_categories

pytestmark = pytest.mark.django_db


def test_leaf_categories_by_tree(loaded):
    assert leaf_categories(Tree.HOTLINE).count() == 517
    assert leaf_categories().count() == sum(t["leaves"] for t in loaded["categories"]["trees"].values())
    Category.objects.filter(code="E0102").update(active=False)
    assert not leaf_categories(Tree.URBAN_EVENT).filter(code="E0102").exists()


def test_category_by_code(loaded):
    assert category("E0401").name == "路面塌陷"
    assert category("nope") is None and category("") is None


def test_search_puts_names_before_keywords_and_respects_the_limit(loaded):
    found = search_categories("暴露垃圾", 5)
    assert found[0].code == "E0102"
    assert all(c.code in {r.code for r in search_categories("垃圾", 100)} for c in found)
    assert [c.code for c in search_categories("井盖", 3)] == ["C0101", "C0102", "C0103"]
    assert search_categories("消火栓", 5)[0].code == "C0113"  # a keyword
    assert len(search_categories("其他", 7)) == 7
    assert search_categories("  ", 5) == [] and search_categories("井盖", 0) == []
    assert {c.tree for c in search_categories("安全生产", 50, tree=Tree.SOCIAL)} == {Tree.SOCIAL}


def test_limits_scale_with_complexity(loaded):
    cat = Category(code="T", name="t", tree=Tree.SOCIAL, sign_hours=3, resolve_days=5)
    days = {c: limits(cat, c).resolve_days for c in Complexity.values}
    assert days == {"simple": 3, "general": 5, "complex": 15, "legacy": 20, "major": 30}
    assert limits(cat, "simple").sign_hours == 3  # signing is not scaled
    one = Category(code="T1", name="t", tree=Tree.SOCIAL, resolve_days=1)
    assert limits(one, Complexity.SIMPLE).resolve_days == 1  # never below a day
    assert set(COMPLEXITY_FACTOR) == set(Complexity.values)


def test_limits_default_to_the_category_complexity(loaded):
    assert limits(category("S0103")) == limits(category("S0103"), Complexity.COMPLEX)
    assert limits(category("S010302")).resolve_days == 4 * category("S010302").resolve_days  # legacy


def test_urgent_classes_keep_their_clock_hours(loaded):
    gas = category("E0403")
    assert limits(gas) == Limits(sign_hours=1, resolve_days=1, resolve_hours=4, urgent=True)
    assert limits(gas, Complexity.MAJOR).resolve_hours == 4
    assert limits(category("E0102")).resolve_hours is None


def test_uncategorised_cases_get_the_default_limits():
    assert limits(None) == Limits(sign_hours=2, resolve_days=5, resolve_hours=None, urgent=False)
    assert limits(None, Complexity.COMPLEX).resolve_days == 15


def test_an_unknown_complexity_is_an_error():
    with pytest.raises(ValueError, match="unknown complexity"):
        limits(None, "hard")
