"""The demo's party layer (sim/party.py) on one community of the fully built street, through the services."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from gridgov.party import selectors
from gridgov.party.models import LiaisonLink, PartyGroup, PartyMember, Registration, WhistleAnswer, WhistleCall
from gridgov.people.actors import Actor
from gridgov.sim.models import DemoAccount
from gridgov.sim.party import build_demo_party
from gridgov.sim.residents import build_demo_registry

NOW = datetime(2025, 6, 12, 18, 30, tzinfo=ZoneInfo("Asia/Shanghai"))
COMMUNITY = "410102014001"


@pytest.mark.django_db
def test_the_demo_party_layer(demo_city):
    build_demo_registry(seed=0, full_street=COMMUNITY, sample=0, at=NOW - timedelta(days=40))
    result = build_demo_party(seed=0, now=NOW, street=COMMUNITY)
    grids = PartyGroup.objects.count()
    assert grids == result["groups"] > 0
    assert 3 * grids <= PartyMember.objects.count() == result["members"] <= 6 * grids
    assert LiaisonLink.objects.count() == result["links"] > 0
    assert Registration.objects.count() == result["registrations"] == 2
    assert WhistleCall.objects.filter(status="closed").count() == result["calls"]
    assert WhistleAnswer.objects.filter(hours__isnull=False).count() == result["answers"] > 0
    assert not WhistleCall.objects.filter(starts_at__gt=NOW + timedelta(days=2)).exists()
    # the demo's party member signs in with a 联户党员 post and sees tomorrow's open call
    account = DemoAccount.objects.get(username=result["account"])
    user = get_user_model().objects.get(username=account.username)
    assert user.check_password(account.password)
    actor = Actor.of(user)
    assert actor.roles == {"deputy"}
    section = selectors.home_section(actor, on=NOW.date())
    assert section["member"]["phone"].count("*") == 4
    assert section["households"] and any(c["may_answer"] for c in section["calls"])
    cov = selectors.liaison_coverage(
        Actor.of(get_user_model().objects.get(username="leader-410102014")), grid=COMMUNITY
    )
    assert 0 < cov["coverage"] < 1
