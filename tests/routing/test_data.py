"""The shipped data files, read without a database."""

import csv
from collections import Counter

from gridgov.routing.models import Complexity, Tree, UnitKind
from gridgov.routing.services import DATA, category_rows
from gridgov.routing.services import loaders as services


def rows_of(tree):
    return [r for r in category_rows() if r.tree == tree]


def test_the_12345_tree_has_15_103_517_classes():
    rows = rows_of(Tree.HOTLINE)
    by_depth = Counter(r.depth for r in rows)
    assert by_depth == {1: 15, 2: 118, 3: 517}  # 118 nodes: 其他 recurs under every class, 安全生产 under two
    assert len({r.name for r in rows if r.depth == 2}) == 103
    assert all(len(r.code) == {1: 3, 2: 5, 3: 8}[r.depth] and r.code.startswith("H") for r in rows)
    first = next(r for r in rows if r.depth == 3)
    assert (first.code, first.name) == ("H0101001", "事故处理")  # numbered in file order: 城乡建设/安全生产/事故处理


def test_the_12345_taxonomy_is_the_competition_file_unchanged():
    with open(DATA / "teddy2020_taxonomy.csv", encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0]) == ["一级分类", "二级分类", "三级分类"]
    assert len(rows) == len({tuple(r.values()) for r in rows}) == 517


def test_urban_trees_have_the_standard_major_classes():
    def tops(tree):
        return [(r.code, r.name) for r in rows_of(tree) if r.depth == 1]

    assert tops(Tree.URBAN_COMPONENT) == [
        ("C01", "公用设施"),
        ("C02", "道路交通"),
        ("C03", "市容环境"),
        ("C04", "园林绿化"),
        ("C05", "房屋土地"),
        ("C06", "其他设施"),
    ]
    assert tops(Tree.URBAN_EVENT) == [
        ("E01", "市容环境"),
        ("E02", "宣传广告"),
        ("E03", "施工管理"),
        ("E04", "突发事件"),
        ("E05", "街面秩序"),
    ]
    names = {r.name for r in category_rows()}
    assert {
        "上水井盖",
        "污水井盖",
        "雨水井盖",
        "电力井盖",
        "路灯",
        "私搭乱建",
        "暴露垃圾",
        "积存垃圾渣土",
        "道路不洁",
        "路面塌陷",
        "自来水管破裂",
        "燃气管道破裂",
        "下水道堵塞或破损",
        "道路积水",
        "无照经营游商",
        "店外经营",
        "机动车乱停放",
    } <= names


def test_social_classes_are_the_seeds_ledger_and_social_information():
    rows = rows_of(Tree.SOCIAL)
    ledger = [r.name for r in rows if r.parent == "S01"]
    assert ledger == [
        "非法生产",
        "非法经营",
        "非法建设",
        "信访稳定",
        "安全生产",
        "征地拆迁",
        "基层组织建设",
        "党风廉政建设",
    ]
    assert [r.name for r in rows if r.parent == "S02"] == ["社会事务"]


def test_every_class_has_positive_consistent_limits():
    rows = category_rows()
    assert len({r.code for r in rows}) == len(rows)
    for r in rows:
        assert r.sign_hours >= 1 and r.resolve_days >= 1, r
        assert r.complexity in Complexity.values and r.unit_kind in UnitKind.values, r
        assert r.urgent == (r.resolve_hours is not None), r
        if r.urgent:
            assert r.resolve_hours >= 1
    urgent = {r.name for r in rows if r.urgent}
    assert {"路面塌陷", "燃气管道破裂", "自来水管破裂"} <= urgent


def test_catalogue_refers_to_shipped_categories_and_units():
    names = {r.code: r.name for r in category_rows()}
    units = {u["number"]: u["name"] for u in services._read(services.UNITS)}
    assert len(units) == len(services._read(services.UNITS))
    special = {"": "（本网格）", "@1": "（所在街道/一级网格）", "@2": "（所在社区/二级网格）"}
    keys = set()
    for row in services._read(services.CATALOGUE):
        assert names[row["category"]] == row["category_name"], row
        assert (units | special)[row["unit"]] == row["unit_name"], row
        assert all(t in units or t in ("@1", "@2") for t in row["assisting"].split(";") if t), row
        key = (row["category"], row["grid_level"])
        assert key not in keys, row
        keys.add(key)


def test_units_file_numbers_departments_below_enterprises():
    for u in services._read(services.UNITS):
        assert (u["kind"] == "department") == (int(u["number"]) < 100), u
