"""The mediator's pages: the list, one dispute with its actions, the printable 调解协议书; parties masked."""

import pytest

from gridgov.mediation import services
from tests.cases import helpers as h
from tests.mediation.conftest import GRID_MEDIATOR, ON, OTHER_MEDIATOR, actor, open_walk_in

pytestmark = pytest.mark.django_db


def signed_in(client, username):
    from django.contrib.auth import get_user_model

    client.force_login(get_user_model().objects.get(username=username))
    return client


def test_list_dispute_and_agreement_pages(teams, client):
    d = open_walk_in(1)
    page = signed_in(client, GRID_MEDIATOR)
    listed = page.get("/mediation/").content.decode()
    assert d.number in listed
    r = page.post(f"/mediation/{d.number}/", {"action": "session", "at": "2026-03-11T09:30", "place": "社区调解室"})
    assert r.status_code == 302
    r = page.post(f"/mediation/{d.number}/", {"action": "extension", "applicant": "on"})
    assert r.status_code == 400 and 'id="error"' in r.content.decode()  # one consent is not enough
    r = page.post(f"/mediation/{d.number}/", {"action": "agreement", "terms": "修缮漏点", "signed_on": "2026-03-12"})
    assert r.status_code == 302
    html = page.get(f"/mediation/{d.number}/").content.decode()
    assert "社区调解室" in html and "138****5678" in html and "张**" in html
    assert "13812345678" not in html and "张三丰" not in html
    doc = page.get(f"/mediation/{d.number}/agreement/").content.decode()
    assert "矩阵调〔2026〕第001号" in doc and "修缮漏点" in doc and "13812345678" not in doc


def test_pages_of_other_areas_are_not_found(teams, client):
    d = open_walk_in(1)
    services.record_agreement(actor=actor(GRID_MEDIATOR), number=d.number, terms="和解", signed_on=ON.date())
    page = signed_in(client, OTHER_MEDIATOR)
    assert page.get(f"/mediation/{d.number}/").status_code == 404
    assert page.get(f"/mediation/{d.number}/agreement/").status_code == 404
    assert d.number not in page.get("/mediation/").content.decode()
    leader = signed_in(client, f"leader-{h.COMMUNITY}")
    assert leader.get(f"/mediation/{d.number}/").status_code == 200
    assert leader.post(f"/mediation/{d.number}/", {"action": "close", "note": "x"}).status_code == 403


def test_the_mediators_home_lists_their_disputes(teams, client):
    d = open_walk_in(1)
    html = signed_in(client, GRID_MEDIATOR).get("/home/").content.decode()
    start = html.index('id="mediator-mediation"')
    section = html[start : html.index("</section>", start)]
    assert d.number in section and f"/mediation/{d.number}/" in section
    assert d.number not in signed_in(client, OTHER_MEDIATOR).get("/home/").content.decode()


def test_admin_shows_parties_masked(teams, client):
    from gridgov.mediation.models import Dispute

    d = open_walk_in(1)
    admin = signed_in(client, "admin")
    html = admin.get(f"/admin/mediation/dispute/{Dispute.objects.get(number=d.number).pk}/change/").content.decode()
    assert "138****5678" in html and "13812345678" not in html


def test_a_walk_in_is_taken_in_on_the_page(teams, client):
    from gridgov.mediation.models import Dispute

    page = signed_in(client, f"worker-{h.GRID}")
    form = {
        "class": "3",
        "domain": "wages",
        "title": "装修工人欠薪",
        "grid": h.GRID,
        "applicant_name": "王五",
        "applicant_phone": "13900001111",
        "respondent_name": "赵六",
    }
    r = page.post("/mediation/", form)
    d = Dispute.objects.get(title="装修工人欠薪")
    assert r.status_code == 302 and r["Location"] == f"/mediation/{d.number}/"
    assert (d.team, d.source) == (teams["wages"], "walk_in")
    assert page.post("/mediation/", {**form, "domain": ""}).status_code == 400
    assert page.post("/mediation/", {**form, "grid": h.SIBLING_GRID}).status_code == 404
