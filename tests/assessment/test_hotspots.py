"""热点 and 未诉先办 (assessment/hotspots.py): a simulated cluster found with its heat in parts, turned into one
proactive case sent to its grid, on the API, the page and in the monthly report."""

import io
from datetime import date, datetime, timedelta

import openpyxl
import pytest
from django.utils import timezone

from gridgov.assessment import hotspots
from gridgov.assessment.report import monthly_workbook
from gridgov.cases import services
from gridgov.cases.models import Case
from gridgov.core.errors import Conflict, Forbidden
from tests.cases import helpers as h

pytestmark = pytest.mark.django_db
TZ = timezone.get_default_timezone()
START, END = date(2026, 3, 1), date(2026, 3, 30)
LAMP, NOISE = "C0101", "E0402"
PLATFORM = h.dispatcher_for(h.STREET)


def at(day: int) -> datetime:
    return datetime(2026, 3, day, 10, 0, tzinfo=TZ)


@pytest.fixture
def cluster(demo_city):
    """Five reports of one kind in one grid (one early, four late: growing), three voices and a follower;
    two of another kind there (below the three it takes), and two of the first kind elsewhere."""
    made = [
        h.report(at=at(3), category=LAMP, reporter_name="王五", reporter_phone="13700001234"),
        h.report(at=at(27), category=LAMP, reporter_name="王五", reporter_phone="13700001234"),
        h.report(at=at(22), category=LAMP, reporter_name="李四", reporter_phone="13700005678"),
        h.report(at=at(25), category=LAMP, reporter_name="", reporter_phone=""),
        h.report(at=at(26), category=LAMP, reporter_name="", reporter_phone=""),
    ]
    services.merge_case(actor=h.actor(PLATFORM), number=made[-1].case.number, into=made[0].case.number, at=at(28))
    for day in (5, 6):
        h.report(at=at(day), category=NOISE)
    for day in (7, 8):
        h.report(grid=h.SIBLING_GRID, at=at(day), category=LAMP)
    return [m.case.number for m in made]


def test_a_cluster_is_found_with_its_heat_in_parts(cluster):
    spots = hotspots.find_hotspots(h.STREET, START, END)
    assert [s.key for s in spots] == [f"{h.GRID}:{LAMP}"]
    spot = spots[0]
    assert spot.reports == 5  # the merged repeat still counts: someone called
    assert spot.reporters == 4  # 王五 twice is one voice; each anonymous report one
    assert spot.support == 1  # the follower merged into the first
    assert spot.growth == 3  # 1 in the first half, 4 in the second
    assert spot.heat == 5 + 4 + 1 + 3
    assert spot.numbers[0] == cluster[1]  # latest first
    # narrower windows see less: nothing before the cluster began
    assert hotspots.find_hotspots(h.STREET, date(2026, 3, 1), date(2026, 3, 10)) == []


def test_the_api_gives_hot_spots_to_staff_of_the_area_only(cluster, api):
    params = {"region": h.STREET, "start": START.isoformat(), "end": END.isoformat()}
    r = api(PLATFORM).get("/stats/hotspots", params=params)
    assert r.status_code == 200, r.content
    item = r.json()["items"][0]
    assert item["heat"] == 13 and item["grid"]["code"] == h.GRID and item["category"]["code"] == LAMP
    assert api(h.dispatcher_for(h.OTHER_STREET)).get("/stats/hotspots", params=params).status_code in (403, 404)
    assert api().get("/stats/hotspots", params=params).status_code == 401


def test_a_hot_spot_becomes_one_proactive_case_sent_to_its_grid(cluster, api):
    body = {"region": h.STREET, "key": f"{h.GRID}:{LAMP}", "start": START.isoformat(), "end": END.isoformat()}
    worker, _leader = h.grid_staff(h.GRID)
    assert api(worker).post("/stats/hotspots/act", body).status_code == 403
    r = api(PLATFORM).post("/stats/hotspots/act", body)
    assert r.status_code == 201, r.content
    case = Case.objects.get(number=r.json()["number"])
    assert case.channel == "patrol" and case.category.code == LAMP and case.grid.code == h.GRID
    assert case.status == "dispatched" and case.lead_unit == h.GRID
    assert "未诉先办" in case.title and "热度13" in case.description
    again = api(PLATFORM).post("/stats/hotspots/act", body)
    assert again.status_code == 409
    assert Case.objects.filter(title=case.title).count() == 1
    unknown = api(PLATFORM).post("/stats/hotspots/act", {**body, "key": f"{h.GRID}:NOPE"})
    assert unknown.status_code == 404


def test_the_service_refuses_people_outside_the_grid(cluster):
    with pytest.raises(Forbidden):
        hotspots.act_on_hotspot(
            actor=h.actor(h.dispatcher_for(h.OTHER_STREET)),
            region=h.STREET,
            key=f"{h.GRID}:{LAMP}",
            start=START,
            end=END,
        )
    hotspots.act_on_hotspot(actor=h.actor(PLATFORM), region=h.STREET, key=f"{h.GRID}:{LAMP}", start=START, end=END)
    with pytest.raises(Conflict):
        hotspots.act_on_hotspot(actor=h.actor(PLATFORM), region=h.STREET, key=f"{h.GRID}:{LAMP}", start=START, end=END)


def test_the_page_lists_them_and_acts_at_one_click(cluster, client):
    client.force_login(h.user(PLATFORM))
    url = f"/dashboard/hotspots/?region={h.STREET}&start={START}&end={END}"
    html = client.get(url).content.decode()
    assert f'data-key="{h.GRID}:{LAMP}"' in html and "未诉先办" in html and "热度" in html
    r = client.post(url, {"key": f"{h.GRID}:{LAMP}"}, follow=True)
    assert r.status_code == 200 and "已生成未诉先办案件" in r.content.decode()
    assert Case.objects.filter(channel="patrol", title__contains="未诉先办").count() == 1


def test_the_monthly_report_has_the_hot_spot_sheet_with_the_weekly_brief(cluster):
    book = openpyxl.load_workbook(io.BytesIO(monthly_workbook(region=h.STREET, month="2026-03")))
    rows = [[c.value for c in row] for row in book["热点"].iter_rows(min_row=2)]
    month = [r for r in rows if r[0] == "本月"]
    assert month and month[0][1] == h.GRID and month[0][4] == 13
    # the last week of March (25–31) holds three of the lamp reports: a hot spot of its own
    week = [r for r in rows if r[0] == "最近一周"]
    assert [r[5] for r in week] == [3]
    assert hotspots.weeks_brief_range(END) == (END - timedelta(days=6), END)
