"""我的: the page shows this phone's reports, the points and deliberations of the residents registered with
it — never another phone's — with the phone and names masked."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gridgov.deliberation import services as deliberation
from gridgov.grids.models import Grid
from gridgov.points import services as points
from tests.cases import helpers as h
from tests.portal.conftest import sign_in

pytestmark = pytest.mark.django_db


def test_the_page_shows_only_this_phones_reports_and_points(people, sms, client):
    mine = h.report().case.number  # filed with 王奶奶's phone
    theirs = h.report(reporter_phone="13900002222").case.number  # 李爷爷's
    longer = h.report(reporter_phone="8613700001234").case.number  # ends in her digits, is not her phone
    points.credit(actor=people["leader"], resident=people["wang"], kind="volunteer_hour", ref="w1", units=2)
    points.credit(actor=people["leader"], resident=people["li"], kind="volunteer_hour", ref="l1", units=3)
    sign_in(client)
    page = client.get("/my/").content.decode()
    assert mine in page and theirs not in page and longer not in page
    assert f'href="/track/?number={mine}"' in page
    assert "王**" in page and "王秀兰" not in page and "李**" not in page
    assert '<strong class="balance">20</strong>' in page and ">30<" not in page


def test_a_phone_nobody_registered_sees_its_reports_only(people, sms, client):
    number = h.report(reporter_phone="13811112222").case.number
    sign_in(client, "13811112222")
    page = client.get("/my/").content.decode()
    assert number in page and 'id="no-resident"' in page and "积分" not in page.split('id="no-resident"')[0][-200:]


def test_the_api_answers_the_signed_in_resident_only(people, sms, client):
    number = h.report().case.number
    assert client.get("/api/v1/my").status_code == 401
    sign_in(client)
    body = client.get("/api/v1/my").json()
    assert body["phone"] == "137****1234" and [c["number"] for c in body["cases"]] == [number]
    assert [r["points"]["name"] for r in body["residents"]] == ["王**"]
    client.post("/my/signout/")
    assert client.get("/api/v1/my").status_code == 401


def test_my_deliberations_show_my_opinions_and_my_communitys_open_matters(people, sms, client):
    leader = people["leader"]
    matter = deliberation.open_matter(actor=leader, grid=Grid.objects.get(code=h.COMMUNITY), title="院内增设车位")
    deliberation.open_opinions(actor=leader, matter=matter, until=timezone.now() + timedelta(days=3))
    deliberation.record_opinion(matter=matter, text="支持", name="王秀兰", phone="13700001234", client="10.0.0.1")
    sign_in(client)
    page = client.get("/my/").content.decode()
    mine = page.split('aria-label="我的议事"')[1]
    assert "我提过意见的事项" in mine and mine.count("院内增设车位") == 2  # my opinion, and open in my community
    client.post("/my/signout/")
    sign_in(client, "13900002222")  # 李爷爷, same community, gave no opinion
    theirs = client.get("/my/").content.decode().split('aria-label="我的议事"')[1]
    assert "我提过意见的事项" not in theirs and theirs.count("院内增设车位") == 1
