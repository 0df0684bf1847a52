"""Mediation teams over the API (/api/v1/mediation/teams) and the page /mediation/teams/: who sees which teams,
who sets them up and adds members (admins and the area's mediators), and the errors (400/403/404/409)."""

import pytest

from gridgov.core.models import AuditEvent
from gridgov.mediation.models import MediationTeam, TeamMember
from tests.cases import helpers as h
from tests.mediation.conftest import GRID_MEDIATOR, OTHER_MEDIATOR, STREET_MEDIATOR

pytestmark = pytest.mark.django_db


def test_mediators_see_the_teams_over_and_above_their_area(teams, api):
    street = api(STREET_MEDIATOR).get("/mediation/teams").json()
    codes = {(t["code"], t["kind"], t["domain"]) for t in street["items"]}
    # the street's own teams, its communities' and grids', and the district's traffic committee that serves it
    assert (h.DISTRICT, "professional", "traffic") in codes and (h.GRID, "grid", "") in codes
    assert street["count"] == len(teams)
    grid_team = next(t for t in street["items"] if t["id"] == teams["grid"].pk)
    assert [m["username"] for m in grid_team["members"]] == [GRID_MEDIATOR]
    other = api(OTHER_MEDIATOR).get("/mediation/teams").json()
    assert {t["id"] for t in other["items"]} == {teams["traffic"].pk}  # only the district's committee
    assert api().get("/mediation/teams").status_code == 401


def test_the_areas_mediator_sets_a_team_up_and_adds_members(teams, api):
    body = {"name": "邻里调解小组", "code": h.SIBLING_GRID, "kind": "grid", "short_name": "邻里"}
    r = api(STREET_MEDIATOR).post("/mediation/teams", body)
    assert r.status_code == 201, r.content
    team = r.json()
    assert (team["level"], team["members"]) == ("grid", [])
    assert api(STREET_MEDIATOR).post("/mediation/teams", body).status_code == 409  # the grid has one already
    r = api(STREET_MEDIATOR).post(
        f"/mediation/teams/{team['id']}/members", {"username": GRID_MEDIATOR, "role": "mediator"}
    )
    assert r.status_code == 200 and [m["role"] for m in r.json()["members"]] == ["mediator"]
    assert AuditEvent.objects.filter(action="mediation.member", object_id=str(team["id"])).exists()
    missing = api(STREET_MEDIATOR).post(
        f"/mediation/teams/{team['id']}/members", {"username": "nobody", "role": "judge"}
    )
    assert missing.status_code == 400
    # another street's mediator: cannot set a team up here, and does not find this team
    foreign = {**body, "code": h.GRID, "short_name": "外街"}
    assert api(OTHER_MEDIATOR).post("/mediation/teams", foreign).status_code == 403
    r = api(OTHER_MEDIATOR).post(
        f"/mediation/teams/{team['id']}/members", {"username": OTHER_MEDIATOR, "role": "mediator"}
    )
    assert r.status_code == 404
    bad = api(STREET_MEDIATOR).post("/mediation/teams", {**body, "code": h.COMMUNITY, "kind": "professional"})
    assert bad.status_code == 400  # a professional committee needs its domain
    assert MediationTeam.objects.filter(name="邻里调解小组").count() == 1


def test_the_teams_page_lists_sets_up_and_adds(teams, client):
    client.force_login(h.user(STREET_MEDIATOR))
    page = client.get("/mediation/teams/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'data-team="{teams["wages"].pk}"' in html and 'id="team-form"' in html
    made = client.post(
        "/mediation/teams/",
        {
            "name": "物业纠纷调委会",
            "code": h.STREET,
            "kind": "professional",
            "domain": "property",
            "short_name": "物调",
        },
    )
    assert made.status_code == 302
    team = MediationTeam.objects.get(short_name="物调")
    added = client.post("/mediation/teams/", {"team": team.pk, "username": GRID_MEDIATOR, "role": "expert"})
    assert added.status_code == 302 and TeamMember.objects.filter(team=team, role="expert").count() == 1
    clash = client.post("/mediation/teams/", {"name": "另一个", "code": h.STREET, "kind": "grid", "short_name": "物调"})
    assert clash.status_code == 409 and 'id="error"' in clash.content.decode()
    assert 'id="teams-link"' in client.get("/mediation/").content.decode()
    # a grid leader reads the teams but has no forms
    client.force_login(h.user(f"leader-{h.COMMUNITY}"))
    html = client.get("/mediation/teams/").content.decode()
    assert f'data-team="{teams["joint"].pk}"' in html and 'id="team-form"' not in html
