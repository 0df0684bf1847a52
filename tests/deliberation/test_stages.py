"""Deliberation stages enforced in order (issue 13): at every point of both procedures every other stage —
skipped ahead or done again — is refused with a 409 naming the stage that comes next, and writes nothing."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gridgov.core.errors import BadInput, Conflict
from gridgov.deliberation import services
from gridgov.deliberation.models import Status
from gridgov.deliberation.procedures import COMMUNITY, PROCEDURES, VILLAGE
from tests.deliberation.conftest import VILLAGE_LEADER, actor, snapshot, step

pytestmark = pytest.mark.django_db


def _walk(who, matter, clock):
    proc = PROCEDURES[matter.procedure]
    keys = [s.key for s in proc.stages]
    for i, key in enumerate(keys):
        assert matter.stage == key
        for other in keys:
            if other == key:
                continue
            before = snapshot(matter)
            with pytest.raises(Conflict) as refused:
                step(who, matter, other)
            assert snapshot(matter) == before, f"{other} at {key} wrote something"
            # the message names the stage that comes next
            assert str(proc.stage(key).name) in refused.value.message
            if keys.index(other) > i:
                assert "cannot be skipped" in refused.value.message
        clock.shift(timedelta(days=1))
        step(who, matter, key)
        matter.refresh_from_db()
    assert matter.stage == "" and matter.status == Status.DONE
    for key in keys:  # nothing is done twice once the procedure is through
        with pytest.raises(Conflict):
            step(who, matter, key)


def test_community_stages_in_order(leader, matter, clock):
    assert matter.procedure == COMMUNITY.key
    assert [s.key for s in COMMUNITY.stages] == [
        "solicit",
        "propose",
        "discuss",
        "decide",
        "publish_decision",
        "publish_result",
    ]
    _walk(leader, matter, clock)
    assert matter.rounds.count() == 3 and matter.publications.count() == 2


def test_village_stages_in_order(village_matter, clock):
    assert village_matter.procedure == VILLAGE.key
    assert [s.key for s in VILLAGE.stages] == [
        "propose",
        "discuss",
        "review",
        "decide",
        "publish_decision",
        "publish_result",
    ]
    _walk(actor(VILLAGE_LEADER), village_matter, clock)
    assert village_matter.rounds.count() == 4


def test_village_has_no_opinion_period(village_matter):
    before = snapshot(village_matter)
    with pytest.raises(Conflict, match="四议两公开"):
        services.open_opinions(
            actor=actor(VILLAGE_LEADER), matter=village_matter, until=timezone.now() + timedelta(days=1)
        )
    assert snapshot(village_matter) == before


def test_closing_opinions_needs_an_open_period(leader, matter):
    with pytest.raises(Conflict, match="open the opinion period first"):
        services.close_opinions(actor=leader, matter=matter)
    assert matter.stage == "solicit"


def test_a_failed_vote_keeps_the_stage_and_may_be_held_again(leader, matter, clock):
    step(leader, matter, "solicit")
    failed = step(leader, matter, "propose", votes_for=3, votes_against=4)
    matter.refresh_from_db()
    assert not failed.passed and matter.stage == "propose"
    with pytest.raises(Conflict, match="cannot be skipped"):
        step(leader, matter, "discuss")
    clock.shift(timedelta(days=2))
    again = step(leader, matter, "propose")
    matter.refresh_from_db()
    assert again.passed and again.attempt == 2 and matter.stage == "discuss"


def test_withdrawn_matter_takes_no_more_steps(leader, matter):
    services.withdraw_matter(actor=leader, matter=matter, reason="居民意见分歧较大,暂缓")
    before = snapshot(matter)
    with pytest.raises(Conflict, match="withdrawn"):
        step(leader, matter, "solicit")
    assert snapshot(matter) == before


def test_publication_is_no_round(leader, matter):
    with pytest.raises(BadInput):
        services.record_round(actor=leader, matter=matter, stage="publish_decision", **_vote())
    with pytest.raises(BadInput):
        services.record_round(actor=leader, matter=matter, stage="nonsense", **_vote())


def _vote():
    from tests.deliberation.conftest import vote

    return vote()
