"""The party pages: the console (/console/party/) and the member's part of 我的工作台 (/home/), phones masked."""

from datetime import timedelta

from django.utils import timezone

from gridgov.party import services
from gridgov.party.models import WhistleAnswer, WhistleCall
from gridgov.people.actors import Actor
from tests.cases import helpers as h
from tests.party.conftest import LEADER, OTHER_LEADER, PHONE, a_call, grid


def test_the_console_shows_members_masked(party, client):
    services.link_households(actor=party["leader"], member=party["members"]["zhang"], households=party["homes"][:3])
    client.force_login(h.user(LEADER))
    r = client.get("/console/party/", {"grid": h.COMMUNITY})
    assert r.status_code == 200
    text = r.content.decode()
    assert "139****5678" in text and PHONE not in text
    assert "张建国" in text and 'id="open-call-form"' in text
    assert r.context["coverage"]["linked"] == 3


def test_the_console_refuses_outside_scope_and_roles(party, client):
    client.force_login(h.user(OTHER_LEADER))
    assert client.get("/console/party/", {"grid": h.COMMUNITY}).status_code == 404
    client.force_login(party["users"]["zhang"])  # a deputy (联户党员) only: not the console
    r = client.get("/console/party/")
    assert r.status_code == 403 and "网格" in r.content.decode()


def test_open_a_call_and_record_hours_from_the_console(party, client, clock):
    client.force_login(h.user(LEADER))
    starts = (timezone.localtime() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    form = {"area": h.COMMUNITY, "grid": h.GRID, "title": "扫雪", "starts_at": starts, "people_needed": "2"}
    r = client.post("/console/party/calls/", form)
    assert r.status_code == 302, r.content.decode()[:500]
    call = WhistleCall.objects.get(title="扫雪")
    answer = services.answer_call(actor=Actor.of(party["users"]["zhang"]), call=call).answer
    clock.shift(timedelta(hours=3))
    r = client.post(f"/console/party/answers/{answer.pk}/hours/", {"area": h.COMMUNITY, "hours": "30"})
    assert r.status_code == 400 and 'id="party-error"' in r.content.decode()
    r = client.post(f"/console/party/answers/{answer.pk}/hours/", {"area": h.COMMUNITY, "hours": "3"})
    assert r.status_code == 302
    assert WhistleAnswer.objects.get(pk=answer.pk).hours == 3


def test_a_member_answers_from_home(party, client):
    services.link_households(actor=party["leader"], member=party["members"]["zhang"], households=party["homes"][:2])
    call = a_call(party)
    client.force_login(party["users"]["zhang"])
    r = client.get("/home/")
    assert r.status_code == 200
    text = r.content.decode()
    assert 'id="party-households"' in text and "党建花园1号楼1单元101" in text
    assert "139****5678" in text and PHONE not in text
    assert f'action="/party/calls/{call.pk}/answer/"' in text
    r = client.post(f"/party/calls/{call.pk}/answer/")
    assert r.status_code == 302 and r["Location"].startswith("/home/")
    assert client.post(f"/party/calls/{call.pk}/answer/").status_code == 302  # again: the same answer
    assert WhistleAnswer.objects.filter(call=call).count() == 1
    assert "answered" in client.get("/home/").content.decode()
    client.force_login(h.user(LEADER))
    assert client.post(f"/party/calls/{call.pk}/answer/").status_code == 403


def test_a_member_without_a_post_lands_on_home_not_the_map(party, client):
    """在职党员 with an account but no post (no role): signing in leads to 我的工作台 with their calls."""
    from gridgov.people.services import create_user
    from gridgov.web.signin import home_page_for

    user = create_user(username="pm-chen", password=None, full_name="陈党员")
    assert home_page_for(Actor.of(user)) == "/"  # nobody yet: the map
    services.add_member(
        actor=party["leader"], name="陈明", grid=grid(h.GRID), kind="in_service", employer="区供电公司", user=user
    )
    assert home_page_for(Actor.of(user)) == "/home/"
    client.force_login(user)
    assert client.get("/home/").status_code == 200
