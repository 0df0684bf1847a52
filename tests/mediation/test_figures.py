"""The seeds' mediation figures (selectors.figures): disputes received in a span, by class and by the level
of the team that took them (三类三级), counted by hand from the routing tests' known cases."""

import pytest

from gridgov.mediation import selectors
from tests.cases import helpers as h
from tests.mediation.conftest import ON, open_walk_in, other_community_grid

pytestmark = pytest.mark.django_db


def test_disputes_are_counted_by_class_and_level(teams):
    open_walk_in(1)  # the grid's mediators: grid level
    open_walk_in(1, grid=h.SIBLING_GRID)  # no grid team there: up to the community
    open_walk_in(2)  # the community's 四方联调
    open_walk_in(2, grid=other_community_grid())  # up to the street's
    open_walk_in(3, domain="wages", title="工地欠薪")  # the street's wages committee
    open_walk_in(3, domain="traffic", title="剐蹭赔偿")  # the district's traffic committee

    street = selectors.figures(area=h.STREET, start=ON.date(), end=ON.date())
    assert street["received"] == 6
    assert street["by_class_and_level"] == {
        "1": {"grid": 1, "community": 1, "street": 0, "district": 0},
        "2": {"grid": 0, "community": 1, "street": 1, "district": 0},
        "3": {"grid": 0, "community": 0, "street": 1, "district": 1},
    }
    assert street["by_status"]["open"] == 6 and street["agreements"] == 0
    # the matrix community holds four of them (both class-1, its own class-2, and both class-3 were filed in
    # the matrix grid); the other community's class-2 is not under it
    assert selectors.figures(area=h.COMMUNITY, start=ON.date(), end=ON.date())["received"] == 5
    # a span that ends the day before counts nothing
    before = ON.date().replace(day=ON.day - 1)
    assert selectors.figures(area=h.STREET, start=before, end=before)["received"] == 0
