"""Mediation teams on the matrix street (林山寨街道 410102001, tests/cases/helpers.py), set up through the
services, with the clock held at a known moment (ON, 10:00 local).

- grid mediators (一类): the matrix grid, and its community (where the sibling grid's disputes go up to);
- 四方联调 (二类): the matrix community, and the street (for the street's other communities);
- professional committees (三类): wages at the street, traffic at the district, none for medical.
"""

from datetime import datetime, time

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from gridgov.grids.models import Grid
from gridgov.mediation import services
from gridgov.mediation import teams as team_services
from gridgov.people.actors import Actor
from gridgov.people.models import Post
from tests.cases import helpers as h

SYSTEM = Actor.system("mediation test")
TZ = timezone.get_default_timezone()
ON = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)  # a Tuesday, 10:00
GRID_MEDIATOR = "gm-test"  # a mediator of the matrix grid's team, with a mediator post on that grid
STREET_MEDIATOR = f"mediator-{h.STREET}"  # the demo's street mediator: acts on disputes of the street
OTHER_MEDIATOR = "mediator-410102002"  # another street's
PARTIES = [
    {"role": "applicant", "name": "张三丰", "phone": "13812345678"},
    {"role": "respondent", "name": "李四", "phone": "0371-66668888"},
]


def other_community_grid() -> str:
    """A 三级网格 of the matrix street outside the matrix community."""
    return (
        Grid.objects.filter(code__startswith=h.STREET, level=3, valid_to__isnull=True)
        .exclude(code__startswith=h.COMMUNITY)
        .order_by("code")
        .values_list("code", flat=True)
        .first()
    )


@pytest.fixture
def clock(demo_city):
    with time_machine.travel(ON.timestamp(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def teams(clock):
    user = get_user_model().objects.create_user(username=GRID_MEDIATOR, password="x-long-password-1")
    Post.objects.create(user=user, role="mediator", scope=h.GRID, kind="mediator", title="网格调解员")
    made = {
        "grid": team_services.create_team(
            actor=SYSTEM, name="矩阵网格调解组", code=h.GRID, kind="grid", short_name="矩阵"
        ),
        "community_grid": team_services.create_team(actor=SYSTEM, name="社区调解组", code=h.COMMUNITY, kind="grid"),
        "joint": team_services.create_team(actor=SYSTEM, name="社区四方联调", code=h.COMMUNITY, kind="joint"),
        "street_joint": team_services.create_team(actor=SYSTEM, name="街道四方联调", code=h.STREET, kind="joint"),
        "wages": team_services.create_team(
            actor=SYSTEM, name="欠薪调委会", code=h.STREET, kind="professional", domain="wages", short_name="林山"
        ),
        "traffic": team_services.create_team(
            actor=SYSTEM, name="交通调委会", code=h.DISTRICT, kind="professional", domain="traffic"
        ),
    }
    team_services.add_member(actor=SYSTEM, team=made["grid"], username=GRID_MEDIATOR, role="mediator")
    team_services.add_member(actor=SYSTEM, team=made["wages"], username=GRID_MEDIATOR, role="expert")
    return made


def at(hour: int, day: int = 10, month: int = 3) -> datetime:
    return datetime.combine(datetime(2026, month, day).date(), time(hour), TZ)


def open_walk_in(dispute_class=1, grid=h.GRID, domain="", title="楼上漏水纠纷", actor=None):
    return services.open_dispute(
        actor=actor or Actor.of(get_user_model().objects.get(username=f"worker-{grid}")),
        dispute_class=dispute_class,
        domain=domain,
        title=title,
        grid_code=grid,
        parties=PARTIES,
    )


def actor(username: str) -> Actor:
    return Actor.of(get_user_model().objects.get(username=username))
