"""Deputies on the matrix street (林山寨街道 410102001, tests/cases/helpers.py), set up through the services,
with the clock held at a known moment (ON, 10:00 local).

- TOWN: a town-level deputy (乡镇人大代表) posted on the matrix grid;
- the demo's `deputy-410102001` (区人大代表 on the street: district by the post's title), `deputy-city`
  (市人大代表 over the district) and two made here over the district: PROVINCIAL and NATIONAL;
- OUTSIDE: a district deputy of another street.
"""

from datetime import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.utils import timezone

from gridgov.deputies import receptions
from gridgov.people.actors import Actor
from gridgov.people.models import Post
from tests.cases import helpers as h

SYSTEM = Actor.system("deputies test")
TZ = timezone.get_default_timezone()
ON = datetime(2026, 3, 10, 10, 0, tzinfo=TZ)  # a Tuesday, 10:00
TOWN = "town-deputy"
DISTRICT = f"deputy-{h.STREET}"
CITY = "deputy-city"
PROVINCIAL = "provincial-deputy"
NATIONAL = "national-deputy"
OUTSIDE = f"deputy-{h.OTHER_STREET}"
WORKER = f"worker-{h.GRID}"
PHONE = "13812345678"


@pytest.fixture
def clock(demo_city):
    with time_machine.travel(ON.timestamp(), tick=False) as traveller:
        yield traveller


def _deputy(username: str, scope: str, level: str, title: str):
    user = get_user_model().objects.create_user(username=username, password="x-long-password-1", first_name=title)
    Post.objects.create(user=user, role="deputy", scope=scope, kind="npc_deputy", title=title)
    receptions.set_level(actor=SYSTEM, username=username, level=level)
    return user


@pytest.fixture
def deputies(clock):
    _deputy(TOWN, h.GRID, "town", "乡镇人大代表")
    _deputy(PROVINCIAL, h.DISTRICT, "provincial", "省人大代表")
    _deputy(NATIONAL, h.DISTRICT, "national", "全国人大代表")
    return {"town": TOWN, "district": DISTRICT, "city": CITY, "provincial": PROVINCIAL, "national": NATIONAL}


def need_body(**extra):
    return {"grid": h.GRID, "text": "小区路灯坏了三盏，晚上出行不便", "name": "张三丰", "phone": PHONE, **extra}
