"""重复件 (cases/duplicates.py, services/repeats.py): likely duplicates ranked on hand-made cases, the public
prompt on the report form, and following an open case instead of filing a second one."""

from datetime import datetime, timedelta

import pytest
from django.utils import timezone

from gridgov.cases import services
from gridgov.cases.duplicates import THRESHOLD, bigrams, candidates, jaccard, text_score
from gridgov.cases.models import Case
from tests.cases import helpers as h

pytestmark = pytest.mark.django_db
AT = datetime(2026, 3, 10, 10, 0, tzinfo=timezone.get_default_timezone())
FAR_GRID = "410102002001001"  # another street


def made(title: str, description: str = "", *, grid: str = h.GRID, at: datetime | None = AT, **extra) -> str:
    return h.report(grid=grid, at=at, title=title, description=description, **extra).case.number


def test_text_similarity_reads_chinese_without_word_splitting():
    assert jaccard(bigrams("小区门口路灯不亮"), bigrams("小区门口路灯不亮！")) == 1.0  # punctuation ignored
    assert text_score("小区门口路灯不亮", "", "小区门口的路灯坏了不亮", "") > text_score(
        "小区门口路灯不亮", "", "噪音扰民", ""
    )
    assert text_score("路灯不亮", "", "噪音扰民", "") == 0.0
    assert text_score("", "", "", "") == 0.0


def test_candidates_rank_the_same_problem_first_and_leave_out_the_rest(demo_city):
    lon, lat = h.point_in(h.GRID)
    same = made("小区门口路灯不亮", "连续三晚路灯不亮，出行不便")
    other_problem = made("楼下饭店油烟扰民", "每天中午油烟很大")
    old = made("小区门口路灯不亮", at=AT - timedelta(days=45))  # outside the window
    far = made("小区门口路灯不亮", grid=FAR_GRID)  # another street, far away
    closed_like = made("小区门口路灯不亮了")
    Case.objects.filter(number=closed_like).update(status="closed")
    found = candidates(
        None,
        lon=lon,
        lat=lat,
        title="门口路灯不亮了",
        description="路灯好几天不亮",
        grid_code=h.GRID,
        at=AT + timedelta(hours=1),
    )
    numbers = [c.case.number for c in found]
    assert numbers[0] == same and found[0].likely and found[0].score >= THRESHOLD
    assert other_problem in numbers and not next(c for c in found if c.case.number == other_problem).likely
    assert old not in numbers and far not in numbers and closed_like not in numbers


def test_staff_see_only_their_cases_as_candidates(demo_city):
    lon, lat = h.point_in(h.GRID)
    made("小区门口路灯不亮")
    outsider = h.actor(h.dispatcher_for(h.OTHER_STREET))
    insider = h.actor(h.dispatcher_for(h.STREET))
    kwargs = {"lon": lon, "lat": lat, "title": "小区门口路灯不亮", "grid_code": h.GRID, "at": AT + timedelta(hours=1)}
    assert candidates(outsider, **kwargs) == []
    assert len(candidates(insider, **kwargs)) == 1


def test_the_public_prompt_shows_likely_ones_without_personal_data(demo_city, api, settings):
    lon, lat = h.point_in(h.GRID)
    # reported now: the API looks back from the present (WINDOW_DAYS)
    number = made("小区门口路灯不亮，电话13712345678", "连续三晚路灯不亮", at=None)
    made("楼下饭店油烟扰民", "每天中午油烟很大", at=None)
    r = api().get("/cases/duplicates", params={"lon": lon, "lat": lat, "title": "小区门口路灯不亮"})
    assert r.status_code == 200, r.content
    items = r.json()["items"]
    assert [i["number"] for i in items] == [number]
    item = items[0]
    assert "13712345678" not in item["title"] and item["status_name"] and item["distance_m"] < 1
    assert not {"reporter", "grid", "similarity", "address", "description"} & set(item)
    staff = api(h.dispatcher_for(h.STREET)).get("/cases/duplicates", params={"lon": lon, "lat": lat, "title": "路灯"})
    assert staff.status_code == 200 and {"similarity", "grid"} <= set(staff.json()["items"][0])
    assert api().get("/cases/duplicates", params={"lon": lon, "lat": lat, "title": ""}).status_code in (400, 422)


def test_following_an_open_case_files_the_report_merged_into_it(demo_city, api):
    lon, lat = h.point_in(h.GRID)
    master = made("小区门口路灯不亮")
    body = {"title": "门口路灯不亮", "description": "同一个问题", "lon": lon, "lat": lat, "follow": master}
    r = api().post("/cases", body)
    assert r.status_code == 201, r.content
    follower = Case.objects.get(number=r.json()["number"])
    assert follower.status == "merged" and follower.master.number == master
    merge = follower.events.get(action="merge")
    assert merge.actor_role == "system" and merge.data == {"into": master, "by": "reporter"}
    # the follower's tracking code shows the master's progress
    tracked = api().get(f"/cases/{follower.number}", params={"tracking_code": r.json()["tracking_code"]})
    assert tracked.status_code == 200, tracked.content


@pytest.mark.parametrize("which", ["far", "closed", "unknown"])
def test_following_anything_but_an_open_case_nearby_is_refused_and_writes_nothing(demo_city, api, which):
    lon, lat = h.point_in(h.GRID)
    target = {
        "far": lambda: made("路灯不亮", grid=FAR_GRID),
        "closed": lambda: made("路灯不亮"),
        "unknown": lambda: "20990101000001",
    }[which]()
    if which == "closed":
        Case.objects.filter(number=target).update(status="closed")
    before = Case.objects.count()
    r = api().post("/cases", {"title": "路灯不亮", "lon": lon, "lat": lat, "follow": target})
    assert r.status_code == 400 and "新问题" in r.json()["detail"]
    assert Case.objects.count() == before


def test_a_retried_follow_answers_the_first_report(demo_city):
    lon, lat = h.point_in(h.GRID)
    master = made("小区门口路灯不亮")
    kwargs = {"actor": h.actor(None), "title": "路灯不亮", "lon": lon, "lat": lat, "idempotency_key": "k-1"}
    first = services.report_following(follow=master, **kwargs)
    again = services.report_following(follow=master, **kwargs)
    assert again.case.number == first.case.number and not again.created
    assert Case.objects.get(number=first.case.number).events.filter(action="merge").count() == 1
