"""Residents of the matrix community (tests/cases/helpers.py: 410102001002) and a 爱心超市 there, made through
the services, with the clock held at a known moment (tests/visits/conftest.ON, 10:00 local)."""

import pytest

from gridgov.people.actors import Actor
from gridgov.points import services
from gridgov.registry import residents
from tests.cases import helpers as h
from tests.visits.conftest import SYSTEM, clock, make_households  # noqa: F401 — the held clock

LEADER = f"leader-{h.COMMUNITY}"  # 二级网格长 of the matrix community: cashier and awarder
WORKER = f"worker-{h.GRID}"
REPORTER_PHONE = "13700001234"  # the phone tests/cases/helpers.report files cases with


def staff(username: str) -> Actor:
    return Actor.of(h.user(username))


def other_worker() -> str:
    """A grid worker of another street: outside the matrix community."""
    from gridgov.people.models import Post

    return Post.objects.filter(role="grid_worker", scope__startswith=h.OTHER_STREET).first().user.get_username()


@pytest.fixture
def people(clock):  # noqa: F811
    """王奶奶 (phone as the cases' reporter), 李爷爷 and 赵叔 in the matrix grid; a supermarket with rice
    (80 points, 5 in stock) and soap (15 points, 2 in stock)."""
    a, b, c = make_households(h.GRID, "积分花园", 3)
    wang = residents.record_resident(actor=SYSTEM, household=a, name="王秀兰", phone=REPORTER_PHONE)
    li = residents.record_resident(actor=SYSTEM, household=b, name="李建国", phone="13900002222")
    zhao = residents.record_resident(actor=SYSTEM, household=c, name="赵大海")
    leader = staff(LEADER)
    from gridgov.grids.models import Grid

    shop = services.open_supermarket(actor=leader, community=Grid.objects.get(code=h.COMMUNITY), name="积分爱心超市")
    rice = services.stock_item(actor=leader, supermarket=shop, name="大米 5kg", points=80, add=5)
    soap = services.stock_item(actor=leader, supermarket=shop, name="香皂", points=15, add=2)
    return {"wang": wang, "li": li, "zhao": zhao, "shop": shop, "rice": rice, "soap": soap, "leader": leader}
