"""The seeds' points figures (selectors.figures): points issued and redeemed under an area in a span, by hand."""

import pytest

from gridgov.points import selectors, services
from gridgov.points.models import Account
from tests.cases import helpers as h
from tests.visits.conftest import ON

pytestmark = pytest.mark.django_db


def test_points_issued_and_redeemed_are_counted_by_hand(people):
    wang, li, leader, soap = people["wang"], people["li"], people["leader"], people["soap"]
    services.credit(actor=leader, resident=wang, kind="volunteer_hour", ref="h1", units=5)  # 50
    services.credit(actor=leader, resident=li, kind="volunteer_hour", ref="h2", units=2)  # 20
    services.credit(actor=leader, resident=wang, kind="volunteer_hour", ref="h1", units=5)  # a retry: nothing
    code = Account.objects.get(resident=wang).code
    services.redeem(actor=leader, supermarket=people["shop"], code=code, lines=[(soap.pk, 2)], client_key="r1")  # 30

    figures = selectors.figures(area=h.COMMUNITY, start=ON, end=ON)
    assert (figures["issued"], figures["redeemed"], figures["corrected"]) == (70, 30, 0)
    assert (figures["residents_credited"], figures["redemptions"]) == (2, 1)
    assert figures["issued_by_source"] == {"volunteer_hour": 70}
    assert selectors.figures(area=h.STREET, start=ON, end=ON)["issued"] == 70  # the street holds the community
    assert selectors.figures(area=h.OTHER_STREET, start=ON, end=ON)["issued"] == 0
    assert selectors.figures(area=h.COMMUNITY, start=ON.replace(day=11), end=ON.replace(day=12))["issued"] == 0
