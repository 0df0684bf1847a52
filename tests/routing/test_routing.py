"""The routing decision (派单): the most specific catalogue rule, else the grid itself."""

import pytest
from django.core.exceptions import ValidationError

from gridgov.routing.models import Category, DispatchRule, Tree
from gridgov.routing.selectors import Route, category, responsible_unit

pytestmark = pytest.mark.django_db

GRID = "410102001001001"  # a 三级网格 of 林山寨街道
COMMUNITY = GRID[:12]
STREET = GRID[:9]


@pytest.fixture
def tree(db):
    """A private tree X1 → X101 → X10101 (and a sibling leaf X102), with no rules yet."""
    top = Category.objects.create(code="X1", name="测试大类", tree=Tree.SOCIAL, depth=1, is_leaf=False)
    mid = Category.objects.create(code="X101", name="测试中类", tree=Tree.SOCIAL, parent=top, depth=2, is_leaf=False)
    leaf = Category.objects.create(code="X10101", name="测试小类", tree=Tree.SOCIAL, parent=mid, depth=3)
    other = Category.objects.create(code="X102", name="测试兄弟", tree=Tree.SOCIAL, parent=top, depth=2)
    return {"top": top, "mid": mid, "leaf": leaf, "other": other}


def rule(cat, unit, level=None, district="410102", assisting=""):
    return DispatchRule.objects.create(
        category=cat, grid_level=level, district=district, unit=unit, assisting=assisting
    )


def route(cat, grid=GRID, district="410102"):
    return responsible_unit(category=cat, grid_code=grid, district=district)


def test_nothing_matching_leaves_the_case_in_its_grid(tree):
    assert route(tree["leaf"]) == Route(unit=GRID, assisting=[], source="default")
    assert route(None) == Route(unit=GRID, assisting=[], source="default")
    rule(tree["leaf"], "D410102001", district="410103")  # another district's rule does not apply
    rule(tree["leaf"], "D410102002", level=2)  # nor one for another level
    assert route(tree["leaf"]).source == "default"


def test_the_deepest_category_with_a_rule_wins(tree):
    rule(tree["top"], "D410102001")
    assert route(tree["leaf"]).unit == "D410102001"  # nearest ancestor with a rule: the top class
    rule(tree["mid"], "D410102002", level=3)
    assert route(tree["leaf"]).unit == "D410102002"  # a deeper class beats a more exact level
    r = rule(tree["leaf"], "D410102003")
    assert route(tree["leaf"]) == Route(unit="D410102003", assisting=[], source="catalogue", rule_id=r.pk)
    assert route(tree["other"]).unit == "D410102001"  # the sibling still falls to the top class


def test_an_exact_level_beats_any_level_and_the_district_beats_everywhere(tree):
    rule(tree["leaf"], "D410102001")
    rule(tree["leaf"], "", level=3)
    rule(tree["leaf"], "D410102009", level=3, district="")
    assert route(tree["leaf"]).unit == GRID  # blank unit: the grid itself
    assert route(tree["leaf"], grid=STREET).unit == "D410102001"  # a street-level case: any-level rule
    assert route(tree["leaf"], grid="410103001001001", district="410103").unit == "D410102009"  # only the global one


def test_assisting_units_come_through_in_order_without_the_lead(tree):
    rule(tree["leaf"], "D410102001", assisting="D410102003,D410102002,D410102001,D410102003")
    assert route(tree["leaf"]).assisting == ["D410102003", "D410102002"]


def test_ancestor_tokens_name_the_street_and_community(tree):
    rule(tree["leaf"], "@1", assisting="@2,D410102004")
    assert route(tree["leaf"]).unit == STREET
    assert route(tree["leaf"]).assisting == [COMMUNITY, "D410102004"]
    # a case filed at the street itself: @1 and @2 are the street, not a void
    assert route(tree["leaf"], grid=STREET) == Route(
        unit=STREET, assisting=["D410102004"], source="catalogue", rule_id=route(tree["leaf"]).rule_id
    )


@pytest.mark.parametrize(
    "unit,ok",
    [
        ("", True),
        ("D410102001", True),
        ("@1", True),
        ("410102001", True),
        ("X1", False),
        ("D4101", False),
        ("@7", False),
    ],
)
def test_rule_units_are_validated(tree, unit, ok):
    r = DispatchRule(category=tree["leaf"], district="410102", unit=unit, assisting="D410102001,@2")
    if ok:
        r.full_clean()
    else:
        with pytest.raises(ValidationError):
            r.full_clean()


def test_one_rule_per_category_level_and_district(tree):
    from django.db import IntegrityError, transaction

    rule(tree["leaf"], "D410102001")
    rule(tree["leaf"], "D410102001", level=3)
    for level in (None, 3):
        with pytest.raises(IntegrityError), transaction.atomic():
            rule(tree["leaf"], "D410102002", level=level)


# The shipped catalogue.


def test_illegal_construction_is_joint_enforcement(loaded):
    r = route(category("S0103"))
    assert r.source == "catalogue"
    assert (r.unit, r.assisting) == ("D410102001", ["D410102003", "D410102002"])  # 城管执法 + 规划, 住建
    assert route(category("S010302")).unit == "D410102001"  # a subclass inherits its branch's rule


def test_small_problems_stay_in_the_grid(loaded):
    assert route(category("E0102")).unit == GRID  # 暴露垃圾 at a 三级网格
    assert route(category("E0102"), grid=STREET).unit == "D410102001"  # at a street platform: 城管
    assert route(category("S0104")).unit == COMMUNITY  # 信访稳定: 大事不出社区
    assert route(category("C0114")).assisting == ["D410102102", "D410102103", "D410102104", "D410102106"]


def test_utilities_handle_their_own_components(loaded):
    assert route(category("C0111")).unit == "D410102104"  # 燃气井盖 → 燃气公司
    assert route(category("E0402")).unit == "D410102102"  # 自来水管破裂 → 供水公司
    assert route(category("H0101001")).unit == "D410102009"  # 12345 城乡建设/安全生产/… → 应急管理


def test_routing_reads_little(loaded, django_assert_max_num_queries):
    leaf = category("H0101001")
    with django_assert_max_num_queries(4):
        route(leaf)
