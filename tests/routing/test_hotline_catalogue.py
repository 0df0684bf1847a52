"""The demo's dispatch catalogue sends each 12345 class to the department that handles it, not to 城管."""

import pytest

from gridgov.people.models import Unit
from gridgov.routing.models import Category, Tree
from gridgov.routing.selectors import responsible_unit

pytestmark = pytest.mark.django_db

GRID = "410102001001001"  # any level-3 grid: department rules do not depend on it
CITY_MANAGEMENT = "D410102001"  # 城管执法局


def leaf(second: str, third: str) -> Category:
    return Category.objects.get(tree=Tree.HOTLINE, is_leaf=True, name=third, parent__name=second)


def unit_name(category: Category) -> str:
    route = responsible_unit(category=category, grid_code=GRID, district="410102")
    assert route.source == "catalogue", category
    return Unit.objects.get(code=route.unit).name


@pytest.mark.parametrize(
    ("second", "third", "department"),
    [
        ("城市建设和市政管理", "公共汽车", "交通运输局"),
        ("城市建设和市政管理", "地铁城铁", "交通运输局"),
        ("住房保障与房地产", "房产证登记、办理", "不动产登记中心"),
        ("住房保障与房地产", "物业服务", "住房和城乡建设局"),
        ("城市建设和市政管理", "小区管理", "住房和城乡建设局"),
        ("城镇职工社会保险", "职工养老保险", "人力资源和社会保障局"),
        ("城镇职工社会保险", "职工医疗保险", "医疗保障局"),
        ("教育行政管理", "校园安全", "教育局"),
        ("医政监管", "医疗机构管理", "卫生健康委员会"),
        ("食品药品监管", "食品安全", "市场监督管理局"),
        ("环境污染", "噪音污染", "生态环境分局"),
        ("城市建设和市政管理", "城管执法", "城管执法局"),  # 占道经营 and the like: city management's own business
        ("城市建设和市政管理", "燃气供应", "郑州华润燃气股份有限公司"),
        ("城市建设和市政管理", "冬季采暖", "郑州热力集团有限公司"),
        ("住房保障与房地产", "住房公积金", "住房公积金管理中心"),
        ("金融财税", "税收征管", "税务局"),
        ("社会治安", "消防安全", "消防救援大队"),
    ],
)
def test_representative_12345_leaves_go_to_their_department(second, third, department):
    assert unit_name(leaf(second, third)).removeprefix("中原区") == department


def test_few_12345_leaves_go_to_city_management():
    leaves = list(Category.objects.filter(tree=Tree.HOTLINE, is_leaf=True))
    assert len(leaves) == 517
    to_cm = [
        c for c in leaves if responsible_unit(category=c, grid_code=GRID, district="410102").unit == CITY_MANAGEMENT
    ]
    assert 0 < len(to_cm) <= 0.03 * len(leaves), [c.name for c in to_cm]
