"""Scope: the grid leaders of the matter's community (and of the street above it) and admins run it; a
leader of another community does not see it (404); a reader of the area is refused (403); nobody signed
out records anything."""

import pytest

from gridgov.core.errors import Forbidden, NotFound
from gridgov.deliberation import selectors, services
from gridgov.people.actors import Actor
from tests.deliberation.conftest import COMMUNITY, OTHER_LEADER, STREET_LEADER, actor, grid, snapshot, step

pytestmark = pytest.mark.django_db


def test_street_leader_and_admin_may_run_it(matter):
    step(actor(STREET_LEADER), matter, "solicit")
    step(actor("admin"), matter, "propose")
    matter.refresh_from_db()
    assert matter.stage == "discuss"


@pytest.mark.parametrize(
    ("who", "error"),
    [(OTHER_LEADER, NotFound), ("worker-410102001002001", NotFound), ("leader", Forbidden)],
)
def test_others_are_refused(matter, who, error):
    before = snapshot(matter)
    with pytest.raises(error):
        step(actor(who), matter, "solicit")
    with pytest.raises(error):
        services.open_matter(actor=actor(who), grid=grid(COMMUNITY), title="越权")
    assert snapshot(matter) == before


def test_anonymous_records_nothing(matter):
    with pytest.raises(Forbidden):
        step(Actor.anonymous(), matter, "solicit")


def test_reads_are_scoped(matter):
    assert matter in selectors.matters(actor("leader"))  # the district's leader reads
    assert matter not in selectors.matters(actor(OTHER_LEADER))
    with pytest.raises(NotFound):
        selectors.matter_for(actor(OTHER_LEADER), matter.pk)


def test_matters_are_opened_in_a_community_or_village(leader):
    from gridgov.core.errors import BadInput

    with pytest.raises(BadInput, match="level-2"):
        services.open_matter(actor=leader, grid=grid(f"{COMMUNITY}001"), title="小事")
