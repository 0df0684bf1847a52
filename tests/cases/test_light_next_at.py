"""When the deadline sweep must next look at a case (Case.light_next_at, cases.deadlines.next_light_change):
written by every event, by the sweep after it has done what was due, and the only thing the sweep selects on.
The week and the hand computations are those of tests/cases/test_deadlines.py (working hours 08:30–12:00 and
13:30–17:30, the ordinary week of Friday 2026-11-20; C0115: 1 working hour to sign, 3 working days to resolve)."""

import importlib
from datetime import date, timedelta

import time_machine
from django.apps import apps

from gridgov.cases import deadlines, services
from gridgov.cases.models import Case, CaseEvent
from gridgov.people.actors import Actor
from gridgov.worktime.services import set_override
from tests.cases import test_deadlines as base
from tests.cases.test_deadlines import DISPATCHER, FRIDAY, actor, dispatch, lead, t

ordinary_week = base.ordinary_week  # the week the hand computations assume (autouse)
accepted = base.accepted  # dispatched Friday 16:45, signed 17:00


def row(case: Case) -> Case:
    return Case.objects.select_related("grid").get(pk=case.pk)


def turns_at(case: Case, moment) -> bool:
    """The light (or the progress press) changes at `moment` and not a second before."""
    return deadlines.case_light(case, moment - timedelta(seconds=1)) != deadlines.case_light(case, moment)


def test_nothing_to_look_at_before_dispatch(account, spot):
    report = services.report_case(
        actor=Actor.anonymous(), title="交接箱", lon=spot["lon"], lat=spot["lat"], category="C0115", at=FRIDAY
    )
    assert row(report.case).light_next_at is None
    case = services.register_case(actor=actor(account, DISPATCHER), number=report.case.number, at=FRIDAY)
    assert row(case).light_next_at is None


def test_dispatch_sets_the_signing_clock_s_yellow(account, spot):
    case = row(dispatch(account, spot))
    # 80 % of 1 h to sign = 48 min: Fri 16:45–17:30 and Mon 08:30–08:33
    assert case.light_next_at == t(23, 8, 33)
    assert turns_at(case, case.light_next_at)


def test_accepting_leaves_the_resolving_clock(account, accepted):
    case = row(accepted)
    # 80 % of 22.5 h = 18 h: Fri 0.75 + Mon 7.5 + Tue 7.5 + Wed 08:30–10:45
    assert case.light_next_at == t(25, 10, 45)
    assert turns_at(case, case.light_next_at)


def test_suspension_stops_it_and_resumption_starts_it_again(account, accepted):
    number = accepted.number
    dispatcher = actor(account, DISPATCHER)
    case = services.suspend_case(
        actor=dispatcher, number=number, reason="等待资金", review_on=date(2026, 11, 26), at=t(23, 10, 0)
    )
    assert case.progress_due is None and row(case).light_next_at is None
    case = row(services.resume_case(actor=actor(account, DISPATCHER), number=number, at=t(26, 14, 0)))
    # tests/cases/test_deadlines.py: yellow at Mon 11-30 14:45 after this suspension
    assert case.light_next_at == t(30, 14, 45)
    assert turns_at(case, case.light_next_at)


def test_a_granted_extension_moves_it(account, accepted):
    number = accepted.number
    services.request_extension(actor=lead(account, accepted), number=number, days=2, reason="等待配件", at=t(24, 10, 0))
    assert row(accepted).light_next_at == t(25, 10, 45)  # asking moves nothing
    case = row(services.grant_extension(actor=actor(account, DISPATCHER), number=number, at=t(24, 11, 0)))
    # 5 working days to Fri 27 16:45 = 37.5 h, 80 % = 30 h: Fri 0.75 + Mon–Wed 22.5 + Thu 08:30–16:45
    assert case.light_next_at == t(26, 16, 45)
    assert turns_at(case, case.light_next_at)


def test_closing_the_loop_clears_it(account, accepted):
    case = services.resolve_case(
        actor=lead(account, accepted), number=accepted.number, result="已修复", at=t(24, 9, 0), photos=[]
    )
    assert case.status == "resolved" and row(case).light_next_at is None


def test_the_sweep_reads_only_the_cases_whose_moment_has_come(account, accepted, spot):
    later = row(dispatch(account, spot, at=t(24, 9, 0)))  # yellow to sign at Tue 09:48
    assert later.light_next_at == t(24, 9, 48)
    # a light the sweep would correct if it looked: it must not look before the case's moment
    Case.objects.filter(pk=later.pk).update(light="red")
    result = services.sweep_deadlines(now=t(24, 9, 30))
    assert result.checked == 0
    assert row(later).light == "red" and row(later).version == later.version

    result = services.sweep_deadlines(now=t(24, 9, 50))
    assert result.checked == 1 and result.changed == 1
    swept = row(later)
    assert swept.light == "yellow" and swept.light_next_at == t(24, 10, 0) + deadlines.JUST_AFTER  # red to sign
    assert row(accepted).light_next_at == t(25, 10, 45)  # untouched

    # twice at one instant: nothing is due any more
    assert services.sweep_deadlines(now=t(24, 9, 50)).checked == 0


def test_held_clock_the_sweep_follows_the_moments(account, accepted):
    with time_machine.travel(t(25, 10, 44), tick=False):
        assert services.sweep_deadlines().checked == 0
    with time_machine.travel(t(25, 10, 46), tick=False):
        result = services.sweep_deadlines()
        assert (result.checked, result.changed, result.supervised) == (1, 1, 0)
    case = row(accepted)
    assert case.light == "yellow" and case.light_next_at == t(25, 16, 45) + deadlines.JUST_AFTER
    with time_machine.travel(t(25, 17, 0), tick=False):
        assert services.sweep_deadlines().supervised == 1
    case = row(accepted)
    assert case.light == "red" and case.light_next_at is None  # pressed: nothing more until the case moves
    with time_machine.travel(t(27, 9, 0), tick=False):
        assert services.sweep_deadlines().checked == 0
    assert CaseEvent.objects.filter(case=case, action="supervise").count() == 1


def test_a_suspended_case_is_not_selected(account, accepted):
    services.suspend_case(
        actor=actor(account, DISPATCHER),
        number=accepted.number,
        reason="等待资金",
        review_on=date(2026, 11, 30),
        at=t(23, 10, 0),
    )
    result = services.sweep_deadlines(now=t(27, 9, 0))  # long past the deadline it had before the pause
    assert result.checked == 0
    assert not CaseEvent.objects.filter(case=accepted, action="supervise").exists()


def test_an_event_on_a_red_case_makes_it_due_until_the_sweep_has_pressed(account, accepted):
    """A writer does not know whether the overdue deadline's 督办 is filed: the case is due at once, and the
    sweep, having filed it (or found it), settles it."""
    number = accepted.number
    services.sweep_deadlines(now=t(25, 17, 0))
    assert row(accepted).light_next_at is None
    services.request_extension(actor=lead(account, accepted), number=number, days=1, reason="等待配件", at=t(26, 9, 0))
    assert row(accepted).light_next_at == t(26, 9, 0)
    result = services.sweep_deadlines(now=t(26, 9, 5))
    assert (result.checked, result.supervised) == (1, 0)  # filed before: not again
    assert row(accepted).light_next_at is None


def test_next_light_change_settled_or_not(account, accepted):
    case = row(accepted)
    late = t(26, 9, 0)
    assert deadlines.next_light_change(case, late) == late  # its 督办 may still be owed
    assert deadlines.next_light_change(case, late, settled=True) is None
    early = t(21, 12, 0)  # Saturday: nothing before Wednesday's yellow
    assert deadlines.next_light_change(case, early) == deadlines.next_light_change(case, early, settled=True)
    assert deadlines.next_light_change(case, early) == t(25, 10, 45)


def test_the_migration_makes_running_cases_due(account, accepted, spot):
    reported = services.report_case(
        actor=Actor.anonymous(), title="交接箱", lon=spot["lon"], lat=spot["lat"], category="C0115", at=FRIDAY
    ).case
    Case.objects.update(light_next_at=None)
    migration = importlib.import_module("gridgov.cases.migrations.0008_light_next_at")
    with time_machine.travel(t(24, 9, 0), tick=False):
        migration.due_at_the_next_sweep(apps, None)
    assert row(accepted).light_next_at == t(24, 9, 0) and row(reported).light_next_at is None
    result = services.sweep_deadlines(now=t(24, 9, 1))
    assert result.checked == 1 and row(accepted).light_next_at == t(25, 10, 45)


def test_a_calendar_change_makes_running_cases_due_again(account, accepted):
    """A day off declared (本地调整) moves the yellow moment, counted in working time: the case is due from its
    clock's start, and the next sweep works the moment out on the new calendar."""
    set_override(day=date(2026, 11, 24), is_workday=False, note="本地调整")
    case = row(accepted)
    assert case.light_next_at == case.clock_start
    result = services.sweep_deadlines(now=t(23, 12, 0))
    case = row(accepted)
    assert result.checked == 1 and case.light == "green"
    assert case.light_next_at not in (None, t(25, 10, 45)) and turns_at(case, case.light_next_at)
