"""Campaigns on the demo city's 林山寨街道 (410102001), with the clock held at a known moment (ON, 10:00)."""

from datetime import date, datetime, time, timedelta
from uuid import uuid4

import pytest
import time_machine
from django.utils import timezone

from gridgov.campaigns import services
from gridgov.cases import services as cases
from gridgov.grids.models import Grid
from tests.cases import helpers as h

TZ = timezone.get_default_timezone()
ON = date(2026, 3, 10)  # a Tuesday
STREET = h.STREET  # 林山寨街道: has its own dispatcher and supervisor
OTHER_STREET = h.OTHER_STREET
GRID = h.GRID
SIBLING = h.SIBLING_GRID
WORKER = f"worker-{GRID}"
DISPATCHER = f"dispatcher-{STREET}"
ITEMS = [
    {"text": "垃圾是否日产日清"},
    {"text": "楼道是否堆放杂物", "needs_note": True},
    {"text": "消防通道是否畅通", "needs_photo": True},
]


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), TZ)


@pytest.fixture(autouse=True)
def english():
    """Messages are matched in English here; test_api checks the Chinese ones."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def clock(demo_city):
    with time_machine.travel(at(ON).timestamp(), tick=False) as traveller:
        yield traveller


def make_campaign(username: str = DISPATCHER, grid: str = STREET, *, start: bool = True, due: date | None = None):
    actor = h.actor(username)
    saved = services.create_campaign(
        actor=actor,
        client_id=uuid4(),
        title="人居环境整治专项排查",
        kind="living_environment",
        grid=Grid.objects.get(code=grid),
        start_date=ON - timedelta(days=9),
        due_date=due or ON + timedelta(days=5),
        items=ITEMS,
    )
    if start:
        services.start_campaign(actor=actor, campaign=saved.obj)
        saved.obj.refresh_from_db()
    return saved.obj


@pytest.fixture
def campaign(clock):
    return make_campaign()


def tick(campaign, grid: str, position: int, username: str | None = None, **kw):
    target = campaign.targets.select_related("grid", "campaign").get(grid__code=grid)
    item = campaign.items.get(position=position)
    if item.needs_note:
        kw.setdefault("note", "已查看")
    return services.record_result(
        actor=h.actor(username or f"worker-{grid}"),
        client_id=kw.pop("client_id", uuid4()),
        target=target,
        item=item,
        outcome=kw.pop("outcome", "ok"),
        **kw,
    )


def close_case(number: str) -> None:
    """Walk a reported case to closed through the real services (tests/cases/helpers.PATHS)."""
    chain, name = [], "closed"
    while name is not None:
        chain.append(name)
        name = h.PATHS[name][0]
    made = h.Made(number=number, tracking_code="", master="")
    for step in reversed(chain[:-1]):
        for action, who, body in h.PATHS[step][1]:
            username, extra = h.who_for(who, made.case(), made)
            cases.perform(action, actor=h.actor(username), number=number, **body, **extra)
    assert made.case().status == "closed"
