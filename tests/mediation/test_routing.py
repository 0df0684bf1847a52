"""三类三级: a dispute goes to the team of its class at its level, and up one level when there is none."""

import pytest

from gridgov.mediation.models import Source, Status
from tests.cases import helpers as h
from tests.mediation.conftest import ON, open_walk_in, other_community_grid

pytestmark = pytest.mark.django_db


def test_class_1_goes_to_the_grid_mediators(teams):
    d = open_walk_in(1)
    assert (d.team, d.level, d.status, d.source) == (teams["grid"], "grid", Status.OPEN, Source.WALK_IN)
    assert d.number.startswith("TJ20260310") and len(d.number) == 14


def test_class_1_without_grid_mediators_goes_up_to_the_community(teams):
    d = open_walk_in(1, grid=h.SIBLING_GRID)
    assert (d.team, d.level) == (teams["community_grid"], "community")
    assert d.routing == [
        {"code": h.SIBLING_GRID, "kind": "grid", "team": None},
        {"code": h.COMMUNITY, "kind": "grid", "team": teams["community_grid"].pk},
    ]


def test_class_2_goes_to_the_communitys_joint_team(teams):
    assert (open_walk_in(2).team, open_walk_in(2, grid=h.SIBLING_GRID).team) == (teams["joint"], teams["joint"])


def test_class_2_goes_up_to_the_street_when_the_community_has_no_joint_team(teams):
    d = open_walk_in(2, grid=other_community_grid())
    assert (d.team, d.level) == (teams["street_joint"], "street")
    assert [s["team"] for s in d.routing] == [None, teams["street_joint"].pk]  # the community's, then the street's


def test_class_3_goes_to_the_committee_of_its_domain(teams):
    wages = open_walk_in(3, domain="wages", title="工地欠薪")
    traffic = open_walk_in(3, domain="traffic", title="剐蹭赔偿")
    assert (wages.team, wages.level) == (teams["wages"], "street")
    assert (traffic.team, traffic.level) == (teams["traffic"], "district")
    assert [s["code"] for s in traffic.routing] == [h.STREET, h.DISTRICT]


def test_no_team_at_any_level_is_said_on_the_record(teams):
    d = open_walk_in(3, domain="medical", title="医疗纠纷")
    assert d.team is None and d.level == ""
    assert [s["team"] for s in d.routing] == [None, None]


@pytest.mark.parametrize(("dispute_class", "domain"), [(3, ""), (1, "wages"), (2, "nonsense"), (4, "")])
def test_class_and_domain_must_agree(teams, dispute_class, domain):
    from gridgov.core.errors import BadInput

    with pytest.raises(BadInput):
        open_walk_in(dispute_class, domain=domain)


def test_the_routing_record_reads_in_words(teams):
    from django.utils import translation

    from gridgov.mediation.rules import routing_text

    d = open_walk_in(1, grid=h.SIBLING_GRID)
    with translation.override("en"):
        assert routing_text(d.routing) == (
            f"no grid mediators at grid {h.SIBLING_GRID}: up one level; routed to 社区调解组"
        )
    assert open_walk_in(1).received_at == ON
