"""Vote rules (quorum: half, two thirds for the representatives; passing: more than half of those present),
the dates of rounds, and the two publications in order and dated after each other."""

from datetime import timedelta

import pytest
from django.utils import timezone

from gridgov.core.errors import BadInput, Conflict
from gridgov.deliberation import services
from gridgov.deliberation.models import Status
from gridgov.deliberation.procedures import HALF, TWO_THIRDS, passes, quorate
from tests.deliberation.conftest import snapshot, step

pytestmark = pytest.mark.django_db


def test_rules_at_their_edges():
    assert quorate(10, 5, HALF) and not quorate(10, 4, HALF)  # 半数以上: half is enough
    assert quorate(9, 6, TWO_THIRDS) and not quorate(9, 5, TWO_THIRDS)  # 三分之二以上
    assert quorate(10, 7, TWO_THIRDS) and not quorate(10, 6, TWO_THIRDS)
    assert passes(7, 4) and not passes(8, 4)  # 过半数: exactly half is not enough


@pytest.mark.parametrize(
    ("expected", "present", "votes_for", "passed"),
    [
        (9, 6, 4, True),  # two thirds present, more than half for
        (9, 5, 5, False),  # all present for, but below the two-thirds quorum
        (9, 6, 3, False),  # exactly half of those present is not more than half
        (9, 9, 5, True),
    ],
)
def test_representatives_vote(leader, matter, clock, expected, present, votes_for, passed):
    for key in ("solicit", "propose", "discuss"):
        step(leader, matter, key)
    held = step(leader, matter, "decide", expected=expected, present=present, votes_for=votes_for, votes_against=0)
    matter.refresh_from_db()
    assert held.passed is passed
    assert matter.stage == ("publish_decision" if passed else "decide")


def test_party_proposal_needs_half_present(leader, matter):
    step(leader, matter, "solicit")
    assert not step(leader, matter, "propose", expected=9, present=4, votes_for=4, votes_against=0).passed
    assert step(leader, matter, "propose", expected=8, present=4, votes_for=3, votes_against=0).passed


@pytest.mark.parametrize(
    "bad",
    [
        {"present": 10},  # more present than expected
        {"votes_for": 6, "votes_against": 2},  # more votes than present
        {"votes_against": -1},
        {"expected": 0, "present": 0},
        {"minutes": "  "},
    ],
)
def test_bad_rounds_are_refused_and_write_nothing(leader, matter, bad):
    step(leader, matter, "solicit")
    before = snapshot(matter)
    with pytest.raises(BadInput):
        step(leader, matter, "propose", **bad)
    assert snapshot(matter) == before


def test_round_dates(leader, matter, clock):
    step(leader, matter, "solicit")
    today = timezone.localdate()
    with pytest.raises(BadInput, match="future"):
        step(leader, matter, "propose", held_on=today + timedelta(days=1))
    with pytest.raises(BadInput, match="cannot be before"):
        step(leader, matter, "propose", held_on=today - timedelta(days=1))  # before the matter was opened
    clock.shift(timedelta(days=5))
    step(leader, matter, "propose", held_on=today + timedelta(days=3))
    with pytest.raises(BadInput, match="cannot be before"):  # a later stage is not held before an earlier one
        step(leader, matter, "discuss", held_on=today + timedelta(days=2))


def _decided(leader, matter, clock):
    for key in ("solicit", "propose", "discuss", "decide"):
        clock.shift(timedelta(days=1))
        step(leader, matter, key)


def test_result_only_after_the_decision_and_dated_after_it(leader, matter, clock):
    _decided(leader, matter, clock)
    before = snapshot(matter)
    with pytest.raises(Conflict, match="cannot be skipped"):
        step(leader, matter, "publish_result")
    assert snapshot(matter) == before
    decision = step(leader, matter, "publish_decision")
    matter.refresh_from_db()
    assert matter.status == Status.DECIDED
    before = snapshot(matter)
    with pytest.raises(BadInput, match="after the decision"):  # the same moment
        step(leader, matter, "publish_result")
    with pytest.raises(BadInput, match="after the decision"):
        step(leader, matter, "publish_result", published_at=decision.published_at - timedelta(hours=1))
    with pytest.raises(BadInput, match="future"):
        step(leader, matter, "publish_result", published_at=timezone.now() + timedelta(days=1))
    assert snapshot(matter) == before
    clock.shift(timedelta(days=30))
    result = step(leader, matter, "publish_result")
    matter.refresh_from_db()
    assert result.published_at > decision.published_at and matter.status == Status.DONE
    assert result.place  # the grid board by default


def test_decision_not_dated_before_the_deciding_meeting(leader, matter, clock):
    _decided(leader, matter, clock)
    with pytest.raises(BadInput, match="before the meeting"):
        step(leader, matter, "publish_decision", published_at=timezone.now() - timedelta(days=2))


def test_withdraw_only_before_the_decision_is_public(leader, matter, clock):
    _decided(leader, matter, clock)
    step(leader, matter, "publish_decision")
    with pytest.raises(Conflict):
        services.withdraw_matter(actor=leader, matter=matter, reason="不再需要")
