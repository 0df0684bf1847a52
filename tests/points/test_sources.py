"""Credits from below: an accepted report (立案) credits the resident whose phone is the reporter's, once
however often the sync runs; a rejected report credits nobody; 党员报到 hours credit a member who is also a
registered resident."""

import pytest

from gridgov.points import sources
from gridgov.points.models import Account, Entry, PointsRule
from tests.cases import helpers as h
from tests.points.conftest import LEADER, SYSTEM, make_households, staff

pytestmark = pytest.mark.django_db


def test_an_accepted_report_credits_its_reporter_exactly_once(people):
    made = h.bring("registered")  # filed by an anonymous resident with REPORTER_PHONE
    rejected = h.bring("rejected")
    points = PointsRule.objects.get(kind="report_accepted").points
    first = sources.sync()
    assert first["cases"] == 1
    assert sources.sync()["cases"] == 0  # again: nothing new
    assert sources.credit_for_case(made.case()).created is False  # and called directly: the first entry
    entries = Entry.objects.filter(source_kind="report_accepted")
    assert list(entries.values_list("source_ref", "account__resident", "amount")) == [
        (made.number, people["wang"].pk, points)
    ]
    assert not entries.filter(source_ref=rejected.number).exists()
    assert Account.objects.get(resident=people["wang"]).balance == points
    assert not Account.objects.filter(resident=people["li"]).exists()


def test_a_report_from_a_phone_nobody_registered_credits_nobody(people):
    made = h.bring("registered")
    case = made.case()
    case.reporter_phone = "13811112222"  # no resident has it
    assert sources.credit_for_case(case) is None
    assert not Entry.objects.exists()


def test_volunteer_hours_of_a_member_who_is_a_resident(people):
    from datetime import timedelta

    from django.utils import timezone

    from gridgov.grids.models import Grid
    from gridgov.party import services as party
    from gridgov.registry import residents

    home = make_households(h.SIBLING_GRID, "报到小区", 1)[0]
    resident = residents.record_resident(actor=SYSTEM, household=home, name="张建国", phone="13912345678")
    leader = staff(LEADER)
    grid = Grid.objects.get(code=h.GRID, valid_to__isnull=True)
    member = party.add_member(actor=leader, name="张建国", grid=grid, kind="liaison", phone="139 1234 5678")
    call = party.open_call(
        actor=leader,
        grid=grid,
        title="清理楼道杂物",
        task="清理1号楼楼道堆放的杂物",
        place="积分花园1号楼",
        starts_at=timezone.now() - timedelta(hours=3),
        people_needed=2,
    )
    answer = party.answer_call(actor=leader, call=call, member=member).answer
    party.record_hours(actor=leader, answer=answer, hours="2.5")
    assert sources.sync()["hours"] == 1 and sources.sync()["hours"] == 0
    entry = Entry.objects.get(source_kind="volunteer_hour")
    assert (
        entry.account.resident == resident and entry.amount == 2 * PointsRule.objects.get(kind="volunteer_hour").points
    )


def test_the_sync_runs_every_ten_minutes_and_from_the_command(people):
    from io import StringIO

    from django.core.management import call_command

    from gridgov.core.tasks import periodic_tasks
    from gridgov.points.tasks import sync_credits

    assert periodic_tasks()["gridgov.points.sync_credits"] == 600
    h.bring("registered")
    out = StringIO()
    call_command("points", "sync", stdout=out)
    assert "1 accepted reports" in out.getvalue()
    assert sync_credits() == {"cases": 0, "hours": 0}
    assert Entry.objects.filter(source_kind="report_accepted").count() == 1
