"""Deliberation on the demo city: the matrix community 碧沙岗社区 (410102001002, 一征三议两公开) and the village
三王庄 (410102014207, 四议两公开: its code numbers it among the 村民委员会), with the clock held at ON 10:00
local. Each stage is taken through the real services by `step`."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone, translation

from gridgov.core.models import AuditEvent
from gridgov.deliberation import services
from gridgov.deliberation.models import Matter, Opinion, Publication, Round
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor

COMMUNITY = "410102001002"
VILLAGE = "410102014207"
LEADER = f"leader-{COMMUNITY}"
VILLAGE_LEADER = f"leader-{VILLAGE}"
STREET_LEADER = "leader-410102001"
OTHER_LEADER = "leader-410102001003"  # another community of the same street
TZ = timezone.get_default_timezone()
ON = date(2026, 3, 10)  # a Tuesday


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), TZ)


def actor(username: str) -> Actor:
    return Actor.of(get_user_model().objects.get(username=username))


def grid(code: str) -> Grid:
    return Grid.objects.get(code=code, valid_to__isnull=True)


def snapshot(matter: Matter) -> tuple:
    """Everything a refused step must leave as it was."""
    m = Matter.objects.get(pk=matter.pk)
    return (
        m.stage,
        m.status,
        m.opinions_from,
        m.opinions_until,
        Round.objects.filter(matter=m).count(),
        Publication.objects.filter(matter=m).count(),
        Opinion.objects.filter(matter=m).count(),
        AuditEvent.objects.count(),
    )


def vote(**overrides) -> dict:
    """A meeting that passes: 9 expected, 7 present, 6 for."""
    return {
        "held_on": timezone.localdate(),
        "minutes": "会议讨论了事项,与会人员发表意见。",
        "expected": 9,
        "present": 7,
        "present_names": "张三、李四、王五等7人",
        "votes_for": 6,
        "votes_against": 1,
        "votes_abstain": 0,
        **overrides,
    }


def step(who: Actor, matter: Matter, key: str, **kw):
    """Take the stage `key` of the matter, as the procedure wants it done."""
    if key == "solicit":
        services.open_opinions(actor=who, matter=matter, until=timezone.now() + timedelta(days=3))
        return services.close_opinions(actor=who, matter=matter)
    if key == "publish_decision":
        return services.publish_decision(actor=who, matter=matter, text="决议:同意实施。", **kw)
    if key == "publish_result":
        return services.publish_result(actor=who, matter=matter, text="已完成施工,验收合格。", **kw)
    return services.record_round(actor=who, matter=matter, stage=key, **vote(**kw))


@pytest.fixture(autouse=True)
def english():
    """Services' messages in English, to match them (tests/deliberation/test_api.py checks the Chinese)."""
    with translation.override("en"):
        yield


@pytest.fixture
def clock(demo_city):
    with time_machine.travel(at(ON).timestamp(), tick=False) as traveller:
        yield traveller


@pytest.fixture
def leader(clock):
    return actor(LEADER)


@pytest.fixture
def matter(leader):
    return services.open_matter(
        actor=leader, grid=grid(COMMUNITY), title="黄河路90号院增设停车位", description="院内车多位少,拟划线增设车位。"
    )


@pytest.fixture
def village_matter(clock):
    return services.open_matter(actor=actor(VILLAGE_LEADER), grid=grid(VILLAGE), title="村道硬化")
