"""Deadlines of a case handled *now* (no `at=`, as the API and the pages do) in a 春节 week of a year
chinese-calendar does not know (2028): the clock is held there. The working calendar falls back to
Monday–Friday plus the local overrides (本地调整) an administrator enters — it never errors — and the
deadline sweep reads the same clock. Working hours 08:30–12:00 and 13:30–17:30 (7.5 h a day)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings

from gridgov.cases import selectors, services
from gridgov.cases.models import Case, CaseEvent
from gridgov.people.actors import Actor
from gridgov.worktime.calendar import statutory_workday
from gridgov.worktime.services import set_override

TZ = ZoneInfo("Asia/Shanghai")
CATEGORY = "C0115"  # 通讯交接箱: 1 working hour to sign, 3 working days to resolve (tests/cases/test_deadlines.py)
DISPATCHER = "dispatcher-410102001"
SATURDAY = datetime(2028, 1, 29, 10, 0, tzinfo=TZ)  # 春节 2028 (New Year's Day is Wednesday 01-26)


def at(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2028, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture(autouse=True)
def beyond_the_library(demo_city):
    assert list(settings.GRIDGOV_WORKING_HOURS) == [("08:30", "12:00"), ("13:30", "17:30")]
    assert statutory_workday(date(2028, 1, 28)) and not statutory_workday(date(2028, 1, 29))  # Mon–Fri fallback


def dispatched_now(account, spot) -> Case:
    dispatcher = Actor.of(account(DISPATCHER))
    number = services.report_case(
        actor=Actor.anonymous(), title="通讯交接箱门被撬", lon=spot["lon"], lat=spot["lat"], category=CATEGORY
    ).case.number
    services.register_case(actor=dispatcher, number=number)
    return services.dispatch_case(actor=dispatcher, number=number)


def test_a_spring_festival_saturday_falls_back_to_monday_to_friday(account, spot):
    with time_machine.travel(SATURDAY, tick=False):
        case = dispatched_now(account, spot)
        assert case.dispatched_at == SATURDAY
        assert case.sign_by == at(1, 31, 9, 30)  # Monday 08:30 + 1 h
        assert case.resolve_by == at(2, 2, 17, 30)  # Mon, Tue, Wed: 3 × 7.5 h, ending with Wednesday's period
        assert services.sweep_deadlines().supervised == 0


def test_local_overrides_move_the_deadlines_and_the_sweep_follows_the_clock(account, spot):
    for day in (date(2028, 1, 31), date(2028, 2, 1), date(2028, 2, 2), date(2028, 2, 3)):
        set_override(day=day, is_workday=False, note="春节假期（本地）")
    set_override(day=date(2028, 2, 5), is_workday=True, note="春节调休上班")
    with time_machine.travel(SATURDAY, tick=False):
        case = dispatched_now(account, spot)
    assert case.sign_by == at(2, 4, 9, 30)  # the first workday is Friday 02-04
    assert case.resolve_by == at(2, 7, 17, 30)  # Friday, the make-up Saturday, Monday 02-07
    services.accept_case(actor=Actor.of(account(f"handler-{case.lead_unit}")), number=case.number, at=at(2, 4, 9, 0))
    with time_machine.travel(at(2, 7, 12, 0), tick=False):  # 18.5 of 22.5 h used: past 80 %
        assert selectors.summary(Case.objects.get(pk=case.pk), at(2, 7, 12, 0))["deadlines"]["light"] == "yellow"
        assert services.sweep_deadlines().supervised == 0
    with time_machine.travel(at(2, 7, 17, 31), tick=False):
        assert services.sweep_deadlines().supervised == 1  # one automatic 督办 when it turns red
        assert services.sweep_deadlines().supervised == 0
    assert CaseEvent.objects.filter(case=case, action="supervise").count() == 1
