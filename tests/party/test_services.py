"""The party layer's writes (party/services.py): links, answers, hours, registrations and their scope."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone, translation

from gridgov.core.errors import BadInput, Conflict, Forbidden, NotFound
from gridgov.core.models import AuditEvent
from gridgov.party import services
from gridgov.party.models import LiaisonLink, Registration, WhistleAnswer
from gridgov.people.actors import Actor
from tests.cases import helpers as h
from tests.party.conftest import OTHER_LEADER, WORKER, a_call, grid


@pytest.fixture(autouse=True)
def english():
    """Messages matched in English here; tests/party/test_api.py reads them in Chinese."""
    with translation.override("en"):
        yield


def as_user(user) -> Actor:
    return Actor.of(user)


def test_a_household_has_one_liaison(party):
    leader, m, homes = party["leader"], party["members"], party["homes"]
    services.link_households(actor=leader, member=m["zhang"], households=homes[:3])
    # linking the same ones again to the same member writes nothing new
    assert services.link_households(actor=leader, member=m["zhang"], households=homes[:3]) == []
    with pytest.raises(Conflict, match="张建国"):
        services.link_households(actor=leader, member=m["zhao"], households=[homes[2], homes[6]])
    assert not LiaisonLink.objects.filter(member=m["zhao"]).exists()  # nothing of the refused batch
    link = LiaisonLink.objects.get(household=homes[2], end_date__isnull=True)
    services.unlink_household(actor=leader, link=link)
    services.link_households(actor=leader, member=m["zhao"], households=[homes[2]])
    assert LiaisonLink.objects.get(household=homes[2], end_date__isnull=True).member == m["zhao"]


def test_links_stay_in_the_members_community_and_the_leaders_scope(party):
    leader, m = party["leader"], party["members"]
    other = Actor.of(h.user(OTHER_LEADER))
    with pytest.raises(Forbidden, match="outside the grids you lead"):
        services.link_households(actor=other, member=m["zhang"], households=party["homes"][:1])
    with pytest.raises(Forbidden, match="managed by grid leaders"):
        services.link_households(actor=Actor.of(h.user(WORKER)), member=m["zhang"], households=party["homes"][:1])
    assert not LiaisonLink.objects.exists()
    assert leader  # the leader may: shown in test_a_household_has_one_liaison


def test_answering_twice_is_one_answer(party):
    call = a_call(party)
    zhang = as_user(party["users"]["zhang"])
    first = services.answer_call(actor=zhang, call=call)
    events = AuditEvent.objects.count()
    again = services.answer_call(actor=zhang, call=call)
    assert first.created and not again.created
    assert again.answer.pk == first.answer.pk
    assert WhistleAnswer.objects.filter(call=call).count() == 1
    assert AuditEvent.objects.count() == events  # the repeat writes nothing


def test_who_may_answer(party):
    call = a_call(party, people=1)
    wang = as_user(party["users"]["wang"])
    with pytest.raises(Forbidden, match="register"):  # in-service and not registered yet
        services.answer_call(actor=wang, call=call)
    services.register_member(actor=wang, member=party["members"]["wang"])  # by themselves
    assert services.answer_call(actor=wang, call=call).created
    zhang = as_user(party["users"]["zhang"])
    with pytest.raises(Conflict, match="people it needs"):  # one was needed
        services.answer_call(actor=zhang, call=call)
    with pytest.raises(Forbidden, match="party members"):
        services.answer_call(actor=Actor.of(h.user(WORKER)), call=call)
    other = services.open_call(
        actor=Actor.of(h.user(OTHER_LEADER)),
        grid=grid("410102001003001"),
        title="别的社区",
        starts_at=timezone.now() + timedelta(hours=1),
        people_needed=2,
    )
    with pytest.raises(NotFound):
        services.answer_call(actor=zhang, call=other)
    services.close_call(actor=party["leader"], call=a_call(party))


def test_closed_calls_take_no_answers(party):
    call = a_call(party)
    services.close_call(actor=party["leader"], call=call)
    with pytest.raises(Conflict, match="closed"):
        services.answer_call(actor=as_user(party["users"]["zhang"]), call=call)
    with pytest.raises(Conflict):
        services.close_call(actor=party["leader"], call=call)


@pytest.mark.parametrize("hours", ["0", "-1", "24.1", "abc"])
def test_hours_out_of_bounds(party, clock, hours):
    call = a_call(party)
    answer = services.answer_call(actor=as_user(party["users"]["zhang"]), call=call).answer
    clock.shift(timedelta(hours=5))
    with pytest.raises(BadInput, match="hours"):
        services.record_hours(actor=party["leader"], answer=answer, hours=hours)


def test_hours_after_the_task_by_the_callers_leader(party, clock):
    call = a_call(party)
    answer = services.answer_call(actor=as_user(party["users"]["zhang"]), call=call).answer
    with pytest.raises(Conflict, match="after the task"):
        services.record_hours(actor=party["leader"], answer=answer, hours=2)
    clock.shift(timedelta(hours=5))
    with pytest.raises(Forbidden):
        services.record_hours(actor=Actor.of(h.user(OTHER_LEADER)), answer=answer, hours=2)
    services.record_hours(actor=party["leader"], answer=answer, hours="24")
    answer.refresh_from_db()
    assert answer.hours == Decimal("24.0") and answer.confirmed_by == party["leader"].user


def test_registration_once_and_only_in_service(party):
    m = party["members"]
    with pytest.raises(BadInput, match="in-service"):
        services.register_member(actor=party["leader"], member=m["li"])
    with pytest.raises(Forbidden):  # someone else's registration, not a leader over it
        services.register_member(actor=as_user(party["users"]["zhang"]), member=m["wang"])
    reg = services.register_member(actor=party["leader"], member=m["wang"])
    assert reg.community.code == h.COMMUNITY
    with pytest.raises(Conflict):
        services.register_member(actor=party["leader"], member=m["wang"])
    services.confirm_registration(actor=party["leader"], registration=reg)
    assert Registration.objects.get(pk=reg.pk).confirmed_by == party["leader"].user


def test_groups_members_and_calls_are_scoped(party):
    other = Actor.of(h.user(OTHER_LEADER))
    with pytest.raises(Conflict):
        services.create_group(actor=party["leader"], grid=grid(h.GRID), name="重复")
    with pytest.raises(Forbidden):
        services.create_group(actor=other, grid=grid(h.SIBLING_GRID), name="越界")
    with pytest.raises(Forbidden):
        services.add_member(actor=other, name="某", grid=grid(h.GRID))
    with pytest.raises(Forbidden):
        a_call({"leader": other})
    with pytest.raises(BadInput, match="in-service"):
        services.add_member(actor=party["leader"], name="某", grid=grid(h.GRID), kind="in_service")
    with pytest.raises(BadInput, match="phone"):
        services.add_member(actor=party["leader"], name="某", grid=grid(h.GRID), phone="12345")
    with pytest.raises(BadInput, match="active member of the group"):
        services.update_group(actor=party["leader"], group=party["group"], leader=party["members"]["zhao"])
    services.update_group(actor=party["leader"], group=party["group"], leader=party["members"]["zhang"])


def test_the_phone_is_kept_encrypted_and_shown_masked(party):
    from django.db import connection

    zhang = party["members"]["zhang"]
    assert zhang.phone_masked == "139****5678"
    with connection.cursor() as cursor:
        cursor.execute("SELECT phone FROM party_partymember WHERE id = %s", [zhang.pk])
        stored = cursor.fetchone()[0]
    assert "13912345678" not in stored
