"""Pages: the staff page (step indicator, the form of the next stage, errors shown with their status), the
public page of a matter (opinion form while collected, the two publications, no minutes), the grid board,
and the demo's matters."""

import time
from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from gridgov.deliberation import services
from gridgov.deliberation.models import Matter, Opinion, Status
from tests.deliberation.conftest import COMMUNITY, LEADER, OTHER_LEADER, step

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client, leader):
    client.force_login(get_user_model().objects.get(username=LEADER))
    return client


def test_staff_page_shows_steps_and_the_next_form(staff, leader, matter, clock):
    step(leader, matter, "solicit")
    page = staff.get("/deliberation/")
    html = page.content.decode()
    assert page.status_code == 200 and matter.title in html
    assert 'data-stage="solicit"' in html and 'class="done"' in html and 'data-next="propose"' in html
    assert "党组织提议" in html and "记录会议" in html
    form = {
        "stage": "propose",
        "held_on": timezone.localdate().isoformat(),
        "minutes": "同意提交两委会商议",
        "expected": "5",
        "present": "5",
        "votes_for": "5",
    }
    assert staff.post(f"/deliberation/{matter.pk}/rounds/", form).status_code == 302
    matter.refresh_from_db()
    assert matter.stage == "discuss"
    refused = staff.post(f"/deliberation/{matter.pk}/rounds/", {**form, "stage": "decide"})
    assert refused.status_code == 409 and "两委会商议" in refused.content.decode()
    assert (
        staff.post(f"/deliberation/{matter.pk}/rounds/", {**form, "stage": "discuss", "present": "x"}).status_code
        == 400
    )


def test_staff_page_open_matter_and_scope(client, staff, matter):
    r = staff.post("/deliberation/open/", {"grid": COMMUNITY, "title": "楼道堆物清理", "description": ""})
    assert r.status_code == 302 and Matter.objects.filter(title="楼道堆物清理").exists()
    client.force_login(get_user_model().objects.get(username=OTHER_LEADER))
    assert matter.title not in client.get("/deliberation/").content.decode()
    assert client.post(f"/deliberation/{matter.pk}/opinions/close/").status_code == 404
    client.force_login(get_user_model().objects.get(username="worker-410102001002001"))
    assert client.get("/deliberation/").status_code == 403


def test_public_page_opinion_form(client, leader, matter, clock):
    url = f"/deliberation/matters/{matter.pk}/"
    assert 'id="opinion-form"' not in client.get(url).content.decode()
    services.open_opinions(actor=leader, matter=matter, until=timezone.now() + timedelta(days=2))
    assert 'id="opinion-form"' in client.get(url).content.decode()
    r = client.post(url, {"text": "建议分时段施工", "name": "赵六", "phone": "13800001111"})
    assert r.status_code == 200 and 'id="opinion-thanks"' in r.content.decode()
    assert Opinion.objects.get(matter=matter).phone_masked == "138****1111"
    bad = client.post(url, {"text": "x", "phone": "123"})
    assert bad.status_code == 400 and 'id="opinion-error"' in bad.content.decode()
    assert client.get("/deliberation/matters/999999/").status_code == 404


def test_board_shows_published_matters(client, leader, matter, clock):
    for key in ("solicit", "propose", "discuss", "decide"):
        step(leader, matter, key)
    board = f"/board/{COMMUNITY}/"
    assert matter.title not in client.get(board).content.decode()
    step(leader, matter, "publish_decision")
    clock.shift(timedelta(days=20))
    step(leader, matter, "publish_result")
    html = client.get(board).content.decode()
    assert matter.title in html and 'data-publication="decision"' in html and 'data-publication="result"' in html
    assert "已完成施工" in html
    assert matter.title in client.get(f"/board/{COMMUNITY}001/").content.decode()  # a grid of the community too
    public = client.get(f"/deliberation/matters/{matter.pk}/").content.decode()
    assert "已完成施工" in public and "张三、李四" not in public  # minutes and names stay with the staff


def test_demo_deliberation(clock):
    from gridgov.sim.deliberation import build_demo_deliberation

    started = time.monotonic()
    counts = build_demo_deliberation(seed=0)
    assert time.monotonic() - started < 5
    assert counts["matters"] == 4
    mine = Matter.objects.filter(grid__code__startswith="410102014")
    assert sorted(mine.values_list("status", flat=True)) == sorted(
        [Status.DONE, Status.OPEN, Status.OPEN, Status.DECIDED]
    )
    assert {m.procedure for m in mine} == {"community", "village"}
    assert all(m.opened_at <= timezone.now() for m in mine)
