"""Grid division from the registry (网格划分): the demo community's proposal, the command, and accepting it."""

import json

import pytest
import shapely
from django.core.management import call_command

from gridgov.core.errors import Conflict, Forbidden, NotFound
from gridgov.core.models import AuditEvent
from gridgov.grids.models import Grid, GridBoundary
from gridgov.grids.selectors import current_geometries
from gridgov.people.actors import Actor
from gridgov.registry.division import accept_division, propose_division
from gridgov.registry.models import Household, Resident
from gridgov.sim.residents import build_demo_registry

pytestmark = pytest.mark.django_db

COMMUNITY = "410102014001"  # in 柳湖街道


@pytest.fixture
def demo_city(demo_city):
    """The demo city with this community's households at their full count (the test session's demo has none)."""
    build_demo_registry(seed=0, full_street=COMMUNITY, sample=0)
    return demo_city


def test_demo_community_keeps_its_grids_within_the_rule(demo_city):
    proposal = propose_division(community=COMMUNITY)
    active = Household.objects.filter(active=True, grid__code__startswith=COMMUNITY).count()
    assert proposal.households + proposal.without_point == active > 0
    assert proposal.within_rule
    counts = [len(g.households) for g in proposal.grids]
    assert all(proposal.low <= c <= proposal.high for c in counts), counts
    assert sum(counts) == proposal.households
    ids = [h for g in proposal.grids for h in g.households]
    assert len(ids) == len(set(ids))
    outline = current_geometries([COMMUNITY])[COMMUNITY]
    for g in proposal.grids:
        assert g.polygon.geom_type == "Polygon"
        assert shapely.area(shapely.difference(g.polygon, outline)) <= 1e-6 * shapely.area(g.polygon)
    # the demo's grids hold 300–500 households each already: every one is kept, nobody changes grid
    assert all(g.kept for g in proposal.grids)
    assert proposal.changed_households == 0 and proposal.retired == []


def test_command_json(demo_city, capsys):
    call_command("grids", "propose", "--community", COMMUNITY, "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["community"] == COMMUNITY
    assert data["rule"] == {"min": 300, "max": 500}
    assert data["households"] == sum(g["households"] for g in data["grids"])
    assert all(0 < g["compactness"] <= 1 and g["area_m2"] > 0 for g in data["grids"])
    assert data["changed_households"] == 0 and data["seconds"] >= 0


def test_unknown_community_is_refused(demo_city):
    with pytest.raises(NotFound):
        propose_division(community="410102014999")
    with pytest.raises(NotFound):  # a grid code, not a community's
        propose_division(community=f"{COMMUNITY}001")


def _squeeze(community: str) -> str:
    """Retire one grid of the community's by folding its households into its neighbour: the neighbour's
    count is then beyond the rule and the proposal must redraw it."""
    codes = sorted(
        Grid.objects.filter(code__startswith=community, level=3, valid_to__isnull=True).values_list("code", flat=True)
    )
    a, b = codes[0], codes[1]
    geoms = current_geometries([a, b])
    merged = shapely.union_all([geoms[a], geoms[b]])
    assert merged.geom_type == "Polygon"
    from gridgov.grids.services import GridInput, import_grids, retire_grid

    import_grids(items=[GridInput(row=1, code=a, name="合并网格", geometry=merged)])
    Household.objects.filter(grid__code=b).update(grid=Grid.objects.get(code=a))
    retire_grid(code=b)
    return a


def test_only_grids_outside_the_rule_are_redrawn(demo_city):
    merged = _squeeze(COMMUNITY)
    proposal = propose_division(community=COMMUNITY)
    assert proposal.within_rule
    untouched = [g for g in proposal.grids if g.code != merged and g.kept]
    others = Grid.objects.filter(code__startswith=COMMUNITY, level=3, valid_to__isnull=True).exclude(code=merged)
    assert {g.code for g in untouched} == set(others.values_list("code", flat=True))
    redrawn = [g for g in proposal.grids if not g.kept]
    assert (
        len(redrawn) == 2
        and sum(len(g.households) for g in redrawn) == Household.objects.filter(grid__code=merged, active=True).count()
    )
    # one of the two continues the merged grid: only the other's households change grid
    assert merged in {g.code for g in redrawn}
    assert proposal.changed_households == min(len(g.households) for g in redrawn)


def test_accept_writes_grids_with_boundary_history_and_audit(demo_city, account):
    merged = _squeeze(COMMUNITY)
    proposal = propose_division(community=COMMUNITY)
    with pytest.raises(Forbidden):
        accept_division(actor=Actor.anonymous(), community=COMMUNITY)
    admin = Actor.of(account("admin"))
    with pytest.raises(Conflict):
        accept_division(actor=admin, community=COMMUNITY, fingerprint="0" * 16)
    done = accept_division(actor=admin, community=COMMUNITY, fingerprint=proposal.fingerprint)
    assert done["created"] == 1
    new = next(g for g in proposal.grids if g.continues is None)
    grid = Grid.objects.get(code=new.code)
    assert grid.households == len(new.households) and grid.parent.code == COMMUNITY
    # the merged grid got its new polygon as a new boundary version, the old one closed
    history = list(GridBoundary.objects.filter(grid__code=merged).order_by("valid_from"))
    assert len(history) >= 2 and history[-1].valid_to is None and history[-2].valid_to is not None
    # households and their residents now sit in the grid the proposal gave them
    assert set(Household.objects.filter(grid=grid).values_list("pk", flat=True)) == set(new.households)
    assert not Resident.objects.filter(household_id__in=new.households, active=True).exclude(grid=grid).exists()
    event = AuditEvent.objects.filter(action="registry.division.accept").latest("pk")
    assert event.object_id == COMMUNITY and event.data["fingerprint"] == proposal.fingerprint
    # and the community is now as proposed: a second proposal keeps every grid
    again = propose_division(community=COMMUNITY)
    assert all(g.kept for g in again.grids) and again.changed_households == 0


def test_page_shows_the_proposal_beside_the_current_grids(demo_city, account, client):
    merged = _squeeze(COMMUNITY)
    client.force_login(account("admin"))
    response = client.get("/console/grids/divide/", {"community": COMMUNITY}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 200
    page = response.content.decode()
    assert "网格划分" in page and "接受方案" in page and 'id="map-proposed"' in page
    maps = response.context["maps"]
    assert {f["properties"]["code"] for f in maps["current"]["features"]} == set(
        Grid.objects.filter(code__startswith=COMMUNITY, level=3, valid_to__isnull=True).values_list("code", flat=True)
    )
    assert len(maps["proposed"]["features"]) == len(maps["current"]["features"]) + 1
    proposal = response.context["proposal"]
    response = client.post(
        "/console/grids/divide/", {"community": COMMUNITY, "seed": "0", "fingerprint": proposal.fingerprint}
    )
    assert response.status_code == 302
    assert Grid.objects.filter(code__startswith=COMMUNITY, level=3, valid_to__isnull=True).count() == len(
        proposal.grids
    )
    assert GridBoundary.objects.filter(grid__code=merged).count() >= 2


def test_page_is_for_admins_and_the_community_staff(demo_city, client, django_user_model):
    outsider = django_user_model.objects.create_user("division-outsider", password="x-Outsider-1")
    client.force_login(outsider)
    response = client.get("/console/grids/divide/", {"community": COMMUNITY})
    assert response.status_code == 403 and "proposal" not in response.context
    response = client.post("/console/grids/divide/", {"community": COMMUNITY, "seed": "0"})
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(action="registry.division.accept").exists()


def test_command_accepts_as_the_system(demo_city, capsys):
    _squeeze(COMMUNITY)
    call_command("grids", "propose", "--community", COMMUNITY)
    text = capsys.readouterr().out
    assert COMMUNITY in text and "new" in text and "households change grid" in text
    call_command("grids", "propose", "--community", COMMUNITY, "--accept", "--json")
    data = json.loads(capsys.readouterr().out)
    assert data["created"] == 1 and data["households"] > 0
    event = AuditEvent.objects.filter(action="registry.division.accept").latest("pk")
    assert event.data["as"] == "cli" and event.object_id == COMMUNITY
