"""The party layer's reads (party/selectors.py), figures computed by hand on the fixture of conftest.py."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from gridgov.core.errors import Forbidden, NotFound
from gridgov.party import selectors, services
from gridgov.people.actors import Actor
from tests.cases import helpers as h
from tests.party.conftest import ON, OTHER_LEADER, WORKER, a_call, grid


def test_liaison_coverage_by_hand(party):
    leader, m, homes = party["leader"], party["members"], party["homes"]
    services.link_households(actor=leader, member=m["zhang"], households=homes[:3])  # 3 of GRID's 6
    services.link_households(actor=leader, member=m["zhao"], households=homes[6:7])  # 1 of SIBLING's 4
    ended = services.link_households(actor=leader, member=m["zhao"], households=homes[7:8])[0]
    services.unlink_household(actor=leader, link=ended)  # an ended link covers nothing
    cov = selectors.liaison_coverage(leader, grid=h.COMMUNITY)
    assert (cov["households"], cov["linked"], cov["coverage"]) == (10, 4, 0.4)
    assert cov["grids"] == [
        {"grid": h.GRID, "households": 6, "linked": 3, "coverage": 0.5},
        {"grid": h.SIBLING_GRID, "households": 4, "linked": 1, "coverage": 0.25},
    ]
    worker = Actor.of(h.user(WORKER))  # a grid worker reads their own grid
    assert selectors.liaison_coverage(worker, grid=h.GRID)["coverage"] == 0.5
    with pytest.raises(NotFound):
        selectors.liaison_coverage(worker, grid=h.SIBLING_GRID)


def test_hours_per_member_and_grid_by_hand(party, clock):
    leader = party["leader"]
    zhang, wang = Actor.of(party["users"]["zhang"]), Actor.of(party["users"]["wang"])
    services.register_member(actor=wang, member=party["members"]["wang"])
    first, second = a_call(party), a_call(party, code=h.SIBLING_GRID)
    a1 = services.answer_call(actor=zhang, call=first).answer
    a2 = services.answer_call(actor=wang, call=first).answer
    a3 = services.answer_call(actor=zhang, call=second).answer
    clock.shift(timedelta(hours=6))
    services.record_hours(actor=leader, answer=a1, hours="2.5")
    services.record_hours(actor=leader, answer=a2, hours=3)
    services.record_hours(actor=leader, answer=a3, hours="1.5")
    later = a_call(party, hours_ahead=24 * 30)  # next month: answered, no hours yet, outside the period
    services.answer_call(actor=zhang, call=later)
    member = party["members"]["zhang"]
    assert selectors.member_hours(member, start=ON, end=ON) == Decimal("4.0")
    assert selectors.member_hours(member, start=ON + timedelta(days=1), end=ON + timedelta(days=60)) == 0
    rows = selectors.hours_by_grid(leader, grid=h.COMMUNITY, start=ON.replace(day=1), end=ON)
    assert rows == [
        {"grid": h.GRID, "calls": 1, "answers": 2, "hours": Decimal("5.5")},
        {"grid": h.SIBLING_GRID, "calls": 1, "answers": 1, "hours": Decimal("1.5")},
    ]
    with pytest.raises(NotFound):
        selectors.hours_by_grid(Actor.of(h.user(OTHER_LEADER)), grid=h.COMMUNITY, start=ON, end=ON)
    with pytest.raises(Forbidden):
        selectors.hours_by_grid(zhang, grid=h.COMMUNITY, start=ON, end=ON)


def test_open_calls_a_member_sees(party):
    zhang, wang = Actor.of(party["users"]["zhang"]), Actor.of(party["users"]["wang"])
    mine, sibling = a_call(party), a_call(party, code=h.SIBLING_GRID)
    closed = a_call(party)
    services.close_call(actor=party["leader"], call=closed)
    other = services.open_call(
        actor=Actor.of(h.user(OTHER_LEADER)),
        grid=grid("410102001003001"),
        title="别处",
        starts_at=timezone.now() + timedelta(hours=1),
        people_needed=1,
    )
    seen = {c["id"]: c for c in selectors.open_calls_for(zhang)}
    assert set(seen) == {mine.pk, sibling.pk}  # the whole community, open only, not another community's
    assert seen[mine.pk]["may_answer"] and not seen[mine.pk]["answered"]
    services.answer_call(actor=zhang, call=mine)
    assert {c["id"]: c["answered"] for c in selectors.open_calls_for(zhang)} == {mine.pk: True, sibling.pk: False}
    # an in-service member sees the calls of their home community, and may answer once registered
    assert not any(c["may_answer"] for c in selectors.open_calls_for(wang))
    services.register_member(actor=wang, member=party["members"]["wang"])
    assert all(c["may_answer"] for c in selectors.open_calls_for(wang))
    assert other.pk not in {c["id"] for c in selectors.open_calls_for(wang)}


def test_home_section_masks_and_counts(party):
    zhang = Actor.of(party["users"]["zhang"])
    services.link_households(actor=party["leader"], member=party["members"]["zhang"], households=party["homes"][:2])
    section = selectors.home_section(zhang, on=ON)
    assert section["member"]["phone"] == "139****5678"
    assert [x["household"] for x in section["households"]] == [party["homes"][0].pk, party["homes"][1].pk]
    assert section["hours"] == {"month": 0, "all": 0}
    assert selectors.home_section(Actor.of(h.user(WORKER))) is None
