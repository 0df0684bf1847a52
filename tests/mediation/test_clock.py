"""The 30-day clock (调解期限, calendar days), overdue with a held clock, and extension by both parties' consent."""

from datetime import timedelta

import pytest

from gridgov.core.errors import BadInput, Conflict
from gridgov.mediation import selectors, services
from gridgov.mediation.models import Dispute
from tests.mediation.conftest import GRID_MEDIATOR, ON, actor, open_walk_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def in_english():
    from django.utils import translation

    with translation.override("en"):  # the messages are matched in English (the UI's default is Chinese)
        yield


def test_due_in_30_calendar_days(teams):
    d = open_walk_in(1)
    assert d.due_at - d.received_at == timedelta(days=30)
    assert d.due_at == ON + timedelta(days=30)  # weekends and holidays count: calendar days


def test_overdue_only_after_the_due_moment_and_while_unfinished(teams, clock):
    d = open_walk_in(1)
    done = open_walk_in(1, title="已调成的纠纷")
    services.record_agreement(actor=actor(GRID_MEDIATOR), number=done.number, terms="赔偿五百元", signed_on=ON.date())
    mediator = actor(GRID_MEDIATOR)
    clock.move_to(ON + timedelta(days=30))
    assert list(selectors.overdue(mediator)) == []
    clock.move_to(ON + timedelta(days=30, seconds=1))
    assert [x.number for x in selectors.overdue(mediator)] == [d.number]
    assert selectors.dispute_row(Dispute.objects.get(pk=d.pk))["overdue"] is True


@pytest.mark.parametrize(("applicant", "respondent"), [(True, False), (False, True), (False, False)])
def test_extension_needs_both_consents(teams, applicant, respondent):
    d = open_walk_in(1)
    with pytest.raises(BadInput, match="both parties"):
        services.extend(
            actor=actor(GRID_MEDIATOR), number=d.number, applicant_consents=applicant, respondent_consents=respondent
        )
    d.refresh_from_db()
    assert d.extended_at is None and d.due_at == ON + timedelta(days=30)


def test_extension_by_consent_adds_30_days_once(teams, clock):
    d = open_walk_in(1)
    mediator = actor(GRID_MEDIATOR)
    clock.move_to(ON + timedelta(days=25))
    services.extend(actor=mediator, number=d.number, applicant_consents=True, respondent_consents=True, reason="待鉴定")
    d.refresh_from_db()
    assert d.due_at == ON + timedelta(days=60) and d.extension_reason == "待鉴定"
    clock.move_to(ON + timedelta(days=45))
    assert list(selectors.overdue(mediator)) == []
    with pytest.raises(Conflict, match="once"):
        services.extend(actor=mediator, number=d.number, applicant_consents=True, respondent_consents=True)
    clock.move_to(ON + timedelta(days=61))
    assert [x.number for x in selectors.overdue(mediator)] == [d.number]
