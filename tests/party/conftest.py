"""A small party layer on the matrix community of the demo city (tests/cases/helpers.py: 410102001002, its grids
…001 and …002), made through the services with the clock held at ON 10:00 local: two grids of households, a
group, members (one with an account and a 联户党员 post), and the actors that manage and read them."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.utils import timezone

from gridgov.grids.models import Grid
from gridgov.party import services
from gridgov.people.actors import Actor
from gridgov.people.models import Post, PostKind, Role
from gridgov.people.services import create_user
from gridgov.registry import services as registry
from gridgov.registry.models import AddressLevel, Household
from tests.cases import helpers as h

SYSTEM = Actor.system("party test")
LEADER = f"leader-{h.COMMUNITY}"  # 二级网格长 of the matrix community: manages its party work
OTHER_LEADER = "leader-410102001003"  # another community of the same street
WORKER = f"worker-{h.GRID}"  # reads
TZ = timezone.get_default_timezone()
ON = date(2026, 3, 10)  # a Tuesday
PHONE = "13912345678"


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), TZ)


def grid(code: str) -> Grid:
    return Grid.objects.get(code=code, valid_to__isnull=True)


def make_households(grid_code: str, compound: str, n: int) -> list[Household]:
    lon, lat = h.point_in(grid_code)
    top = registry.create_address(actor=SYSTEM, level=AddressLevel.COMPOUND, name=compound, lon=lon, lat=lat)
    building = registry.create_address(actor=SYSTEM, level=AddressLevel.BUILDING, name="1号楼", parent=top)
    entrance = registry.create_address(actor=SYSTEM, level=AddressLevel.ENTRANCE, name="1单元", parent=building)
    out = []
    for k in range(n):
        flat = registry.create_address(actor=SYSTEM, level=AddressLevel.DWELLING, name=f"{101 + k}", parent=entrance)
        out.append(registry.record_household(actor=SYSTEM, address=flat, size=2))
    assert {x.grid.code for x in out} == {grid_code}
    return out


def member_account(username: str, scope: str):
    """An account with a 联户党员 post (role deputy) over `scope`: how a party member signs in."""
    user = create_user(username=username, password=None, full_name="党员" + username[-1])
    Post.objects.create(user=user, role=Role.DEPUTY, scope=scope, kind=PostKind.PARTY_LIAISON, title="联户党员")
    return user


@pytest.fixture
def clock(demo_city):
    with time_machine.travel(at(ON).timestamp(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def party(clock):
    """Households: 6 in GRID (A–F), 4 in SIBLING_GRID (G–J). A group in GRID; members: 张 (liaison, with an
    account `pm-zhang`, phone PHONE), 李 (community member), 王 (in-service, account `pm-wang`, not registered),
    赵 (liaison in the sibling grid)."""
    assert not Household.objects.filter(grid__code__startswith=h.COMMUNITY).exists(), "the fixture counts by hand"
    homes = make_households(h.GRID, "党建花园", 6) + make_households(h.SIBLING_GRID, "红旗小区", 4)
    leader = Actor.of(h.user(LEADER))
    group = services.create_group(actor=leader, grid=grid(h.GRID), name="第一网格党小组")
    zhang_user = member_account("pm-zhang", h.GRID)
    wang_user = member_account("pm-wang", h.GRID)
    zhang = services.add_member(
        actor=leader, name="张建国", grid=grid(h.GRID), kind="liaison", phone=PHONE, group=group, user=zhang_user
    )
    li = services.add_member(actor=leader, name="李秀英", grid=grid(h.GRID), group=group)
    wang = services.add_member(
        actor=leader, name="王强", grid=grid(h.GRID), kind="in_service", employer="市供水公司", user=wang_user
    )
    zhao = services.add_member(actor=leader, name="赵敏", grid=grid(h.SIBLING_GRID), kind="liaison")
    return {
        "homes": homes,
        "group": group,
        "leader": leader,
        "members": {"zhang": zhang, "li": li, "wang": wang, "zhao": zhao},
        "users": {"zhang": zhang_user, "wang": wang_user},
    }


def a_call(party, *, code: str = h.GRID, people: int = 3, hours_ahead: int = 2):
    return services.open_call(
        actor=party["leader"],
        grid=grid(code),
        title="清理楼道杂物",
        task="清理1号楼楼道堆放的杂物",
        place="党建花园1号楼",
        starts_at=timezone.now() + timedelta(hours=hours_ahead),
        people_needed=people,
    )
