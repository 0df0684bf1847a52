"""Deadlines in working time (办理时限) and the traffic light (红黄绿灯), through the services with
simulated times (`at=`). Expectations are worked out by hand from the category's limits and the
working hours 08:30–12:00 and 13:30–17:30 (7.5 h a day), in the week of Friday 2026-11-20, which
chinese-calendar knows to be an ordinary one (Mon–Fri workdays, no holiday, no 调休)."""

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest
from django.conf import settings

from gridgov.cases import deadlines, selectors, services
from gridgov.cases.models import Case, CaseEvent
from gridgov.core.timefmt import iso
from gridgov.notifications.models import Notification
from gridgov.people.actors import Actor
from gridgov.routing import selectors as routing
from gridgov.routing.models import Category
from gridgov.worktime.calendar import working_seconds_between
from gridgov.worktime.models import WorkdayOverride

TZ = ZoneInfo("Asia/Shanghai")
HOUR = 3600
CATEGORY = "C0115"  # 通讯交接箱: 1 working hour to sign, 3 working days to resolve, routed to D410102106
DISPATCHER = "dispatcher-410102001"


def t(day: int, hour: int, minute: int = 0, second: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, second, tzinfo=TZ)


FRIDAY = t(20, 16, 45)  # dispatched on Friday afternoon


@pytest.fixture(autouse=True)
def ordinary_week(demo_city):
    """The hand computations below assume these facts about the calendar; check them."""
    assert list(settings.GRIDGOV_WORKING_HOURS) == [("08:30", "12:00"), ("13:30", "17:30")]
    days = [date(2026, 11, 20) + timedelta(days=i) for i in range(12)]
    assert [chinese_calendar.is_workday(d) for d in days] == [d.weekday() < 5 for d in days]
    assert not WorkdayOverride.objects.filter(date__range=(days[0], days[-1])).exists()


def actor(account, username) -> Actor:
    return Actor.of(account(username))


def dispatch(account, spot, *, category=CATEGORY, at=FRIDAY) -> Case:
    number = services.report_case(
        actor=Actor.anonymous(),
        title="通讯交接箱门被撬",
        lon=spot["lon"],
        lat=spot["lat"],
        category=category,
        at=at - timedelta(minutes=40),
    ).case.number
    services.register_case(actor=actor(account, DISPATCHER), number=number, at=at - timedelta(minutes=20))
    return services.dispatch_case(actor=actor(account, DISPATCHER), number=number, at=at)


def lead(account, case: Case) -> Actor:
    assert case.lead_unit.startswith("D")
    return actor(account, f"handler-{case.lead_unit}")


def light(case: Case, now: datetime) -> str:
    case = Case.objects.select_related("grid", "category").get(pk=case.pk)
    by_function = deadlines.case_light(case, now)
    assert selectors.summary(case, now)["deadlines"]["light"] == by_function
    return by_function


@pytest.fixture
def accepted(account, spot) -> Case:
    case = dispatch(account, spot)
    return services.accept_case(actor=lead(account, case), number=case.number, at=t(20, 17, 0))


def test_limits_of_the_category():
    limit = routing.limits(Category.objects.get(code=CATEGORY), "general")
    assert (limit.sign_hours, limit.resolve_days, limit.urgent) == (1, 3, False)


def test_friday_dispatch_runs_over_the_weekend(account, spot):
    case = dispatch(account, spot)
    assert case.complexity == "general" and not case.urgent and case.dispatched_at == FRIDAY
    # to sign: 1 h = Fri 16:45–17:30 (0.75 h) + Mon 08:30–08:45 (0.25 h)
    assert case.sign_by == t(23, 8, 45)
    # to resolve: 3 × 7.5 h = 22.5 h = Fri 0.75 + Mon 7.5 + Tue 7.5 + Wed 08:30–12:00 3.5 + 13:30–16:45 3.25
    assert case.resolve_by == t(25, 16, 45)
    event = CaseEvent.objects.get(case=case, action="dispatch")
    assert event.data["deadlines"] == {
        "sign_by": "2026-11-23T08:45:00+08:00",
        "resolve_by": "2026-11-25T16:45:00+08:00",
    }
    summary = selectors.summary(Case.objects.get(pk=case.pk), FRIDAY)["deadlines"]
    assert summary == {
        "sign_by": "2026-11-23T08:45:00+08:00",
        "resolve_by": "2026-11-25T16:45:00+08:00",
        "light": "green",
    }


def test_complexity_scales_the_resolve_limit(account, spot):
    number = services.report_case(
        actor=Actor.anonymous(),
        title="交接箱倾斜",
        lon=spot["lon"],
        lat=spot["lat"],
        category=CATEGORY,
        at=t(20, 16, 0),
    ).case.number
    services.register_case(actor=actor(account, DISPATCHER), number=number, complexity="complex", at=t(20, 16, 30))
    case = services.dispatch_case(actor=actor(account, DISPATCHER), number=number, at=t(20, 17, 15))
    assert routing.limits(case.category, "complex").resolve_days == 9
    # complex: 3 × 3 = 9 working days = 67.5 h from Fri 17:15: Fri 0.25, then 8 full days
    # (Mon 11-23 … Wed 12-02) = 60 h, then Thu 12-03 08:30 + 7.25 h = 17:15
    assert case.resolve_by == t(3, 17, 15, month=12)
    # the signing clock is not scaled: 1 h = Fri 17:15–17:30 + Mon 08:30–09:15
    assert case.sign_by == t(23, 9, 15)


def test_the_light_turns_yellow_at_80_percent_and_red_after_the_deadline(account, spot):
    case = dispatch(account, spot)
    assert light(case, FRIDAY) == "green"
    # before signing, the signing clock counts too: 80 % of 1 h = 48 min = Fri 45 min + Mon 3 min
    assert light(case, t(23, 8, 32)) == "green"
    assert light(case, t(23, 8, 33)) == "yellow"
    assert light(case, t(23, 8, 45, 1)) == "red"

    services.accept_case(actor=lead(account, case), number=case.number, at=t(20, 17, 0))
    # 80 % of 22.5 h = 18 h = Fri 0.75 + Mon 7.5 + Tue 7.5 + Wed 08:30–10:45 2.25
    assert light(case, t(22, 12, 0)) == "green"  # Sunday: no working time passes
    assert light(case, t(25, 10, 44, 59)) == "green"
    assert light(case, t(25, 10, 45)) == "yellow"
    assert light(case, t(25, 16, 45)) == "yellow"  # the last moment in time
    assert light(case, t(25, 16, 45, 1)) == "red"
    assert light(case, t(26, 9, 0)) == "red"

    # once resolved, the light freezes at the moment of resolution
    services.resolve_case(actor=lead(account, case), number=case.number, result="已修复", at=t(25, 11, 0))
    assert light(case, t(30, 9, 0)) == "yellow"


def test_suspension_moves_the_deadline_by_the_working_time_suspended(account, accepted):
    number = accepted.number
    before = accepted.resolve_by
    services.suspend_case(
        actor=actor(account, DISPATCHER),
        number=number,
        reason="等待专项资金",
        review_on=date(2026, 11, 26),
        at=t(23, 10, 0),
    )
    assert light(accepted, t(26, 13, 0)) == "green"  # frozen while suspended, though past the old deadline
    case = services.resume_case(actor=actor(account, DISPATCHER), number=number, at=t(26, 14, 0))

    # suspended Mon 10:00 → Thu 14:00: Mon 6 + Tue 7.5 + Wed 7.5 + Thu 4 = 25 working hours
    suspended = working_seconds_between(t(23, 10, 0), t(26, 14, 0))
    assert suspended == 25 * HOUR
    # 20.25 h were left at the pause; from Thu 14:00: Thu 3.5 + Fri 7.5 + Mon 7.5 + Tue 12-01 08:30–10:15 1.75
    assert case.resolve_by == t(1, 10, 15, month=12)
    assert working_seconds_between(before, case.resolve_by) == suspended
    assert case.status == "in_progress" and case.suspended_at is None

    event = CaseEvent.objects.get(case=case, action="resume")
    assert event.data["deadlines"]["resolve_by"] == "2026-12-01T10:15:00+08:00" == iso(case.resolve_by)
    assert CaseEvent.objects.get(case=case, action="suspend").data == {"review_on": "2026-11-26"}
    assert light(case, t(1, 10, 15, month=12)) != "red"
    assert light(case, t(1, 10, 16, month=12)) == "red"


def test_time_suspended_does_not_count_as_used_for_the_yellow_light(account, accepted):
    """Yellow comes at 80 % of the working time *used*; the suspension stopped the clock, so the
    same 18 working hours of 22.5 must pass as without it."""
    number = accepted.number
    services.suspend_case(
        actor=actor(account, DISPATCHER),
        number=number,
        reason="等待专项资金",
        review_on=date(2026, 11, 26),
        at=t(23, 10, 0),
    )
    case = services.resume_case(actor=actor(account, DISPATCHER), number=number, at=t(26, 14, 0))
    # used before the pause: Fri 16:45–17:30 0.75 + Mon 08:30–10:00 1.5 = 2.25 h; 15.75 h more after
    # Thu 14:00: Thu 3.5 + Fri 7.5 + Mon 11-30 08:30–12:00 3.5 + 13:30–14:45 1.25 → Mon 14:45
    assert light(case, t(27, 17, 20)) == "green"
    assert light(case, t(30, 14, 44)) == "green"
    assert light(case, t(30, 14, 45)) == "yellow"


def test_granted_extension_moves_the_deadline_by_working_days(account, accepted):
    number = accepted.number
    before = accepted.resolve_by
    services.request_extension(actor=lead(account, accepted), number=number, days=2, reason="等待配件", at=t(24, 10, 0))
    assert Case.objects.get(pk=accepted.pk).resolve_by == before  # asking moves nothing
    case = services.grant_extension(actor=actor(account, DISPATCHER), number=number, at=t(24, 11, 0))
    # two working days after Wed 16:45 is Fri 16:45
    assert case.resolve_by == t(27, 16, 45)
    assert working_seconds_between(before, case.resolve_by) == 2 * 7.5 * HOUR
    assert (case.extension_count, case.pending_extension_days) == (1, None)
    event = CaseEvent.objects.get(case=case, action="grant_extension")
    assert event.data["days"] == 2
    assert event.data["deadlines"]["resolve_by"] == "2026-11-27T16:45:00+08:00"
    assert light(case, t(25, 16, 46)) == "green"  # past the old deadline, not the new one


def test_denied_extension_moves_nothing(account, accepted):
    number = accepted.number
    services.request_extension(actor=lead(account, accepted), number=number, days=2, reason="等待配件", at=t(24, 10, 0))
    case = services.deny_extension(actor=actor(account, DISPATCHER), number=number, reason="两天足够", at=t(24, 11, 0))
    assert case.resolve_by == accepted.resolve_by and case.extension_count == 0


def red_notifications(case: Case, kind: str) -> dict[str, int]:
    rows = Notification.objects.filter(subject=case.number, kind=kind)
    counts: dict[str, int] = {}
    for username in rows.values_list("recipient__username", flat=True):
        counts[username] = counts.get(username, 0) + 1
    return counts


def test_the_sweep_lights_supervises_once_and_notifies_once(account, accepted, django_capture_on_commit_callbacks):
    case = accepted
    handler = f"handler-{case.lead_unit}"
    supervise = CaseEvent.objects.filter(case=case, action="supervise")

    def sweep(now):
        with django_capture_on_commit_callbacks(execute=True):
            result = services.sweep_deadlines(now=now)
        return result, Case.objects.get(pk=case.pk)

    result, swept = sweep(t(24, 12, 0))
    assert swept.light == "green" and result.supervised == 0

    result, swept = sweep(t(25, 11, 0))
    assert swept.light == "yellow" and result.changed >= 1 and result.supervised == 0
    assert not supervise.exists()
    assert red_notifications(case, "case.light.yellow").get(handler) == 1

    result, swept = sweep(t(25, 17, 0))
    assert swept.light == "red" and result.supervised == 1
    event = supervise.get()
    assert event.actor is None and event.actor_role == "system" and event.at == t(25, 17, 0)
    assert event.data == {"overdue": "resolve:2026-11-25T16:45:00+08:00"}
    red = red_notifications(case, "case.light.red")
    assert red.get(handler) == 1 and red.get(DISPATCHER) == 1
    assert red_notifications(case, "case.supervise").get(handler) == 1

    # run again, and once more as a worker that had not seen the red light yet
    result, swept = sweep(t(25, 17, 30))
    assert result.supervised == 0 and swept.light == "red"
    # the row as it was before the red light was written: yellow, and due at the deadline
    Case.objects.filter(pk=case.pk).update(light="yellow", light_next_at=t(25, 16, 45))
    result, swept = sweep(t(26, 9, 0))
    assert result.supervised == 0 and swept.light == "red"
    assert supervise.count() == 1
    assert red_notifications(case, "case.light.red") == red
    assert red_notifications(case, "case.supervise").get(handler) == 1
    assert red_notifications(case, "case.light.yellow").get(handler) == 1


def test_the_sweep_leaves_suspended_and_resolved_cases_alone(account, accepted, django_capture_on_commit_callbacks):
    services.suspend_case(
        actor=actor(account, DISPATCHER),
        number=accepted.number,
        reason="等待资金",
        review_on=date(2026, 11, 30),
        at=t(23, 10, 0),
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.sweep_deadlines(now=t(27, 9, 0))
    case = Case.objects.get(pk=accepted.pk)
    assert case.light == "green" and not CaseEvent.objects.filter(case=case, action="supervise").exists()


def test_a_new_deadline_after_an_extension_gets_its_own_supervision(
    account, accepted, django_capture_on_commit_callbacks
):
    number = accepted.number
    with django_capture_on_commit_callbacks(execute=True):
        services.sweep_deadlines(now=t(25, 17, 0))
    services.request_extension(actor=lead(account, accepted), number=number, days=1, reason="等待配件", at=t(26, 9, 0))
    services.grant_extension(actor=actor(account, DISPATCHER), number=number, at=t(26, 9, 30))
    with django_capture_on_commit_callbacks(execute=True):
        services.sweep_deadlines(now=t(26, 12, 0))
        assert Case.objects.get(number=number).light == "yellow"  # Thu 16:45 is the new deadline
        services.sweep_deadlines(now=t(26, 17, 0))
    overdue = list(
        CaseEvent.objects.filter(case__number=number, action="supervise").values_list("data__overdue", flat=True)
    )
    assert overdue == ["resolve:2026-11-25T16:45:00+08:00", "resolve:2026-11-26T16:45:00+08:00"]


def test_a_late_signature_and_a_late_resolution_are_two_supervisions(account, spot, django_capture_on_commit_callbacks):
    """Red for signing late and red for resolving late are about two deadlines: each gets its own
    automatic 督办 and its own red reminder to the lead unit."""
    case = dispatch(account, spot)
    handler = f"handler-{case.lead_unit}"
    with django_capture_on_commit_callbacks(execute=True):
        services.sweep_deadlines(now=t(23, 9, 0))  # not signed by Mon 08:45
    assert Case.objects.get(pk=case.pk).light == "red"
    services.accept_case(actor=lead(account, case), number=case.number, at=t(23, 9, 10))
    with django_capture_on_commit_callbacks(execute=True):
        services.sweep_deadlines(now=t(23, 10, 0))
        assert Case.objects.get(pk=case.pk).light == "green"
        services.sweep_deadlines(now=t(25, 17, 0))  # not resolved by Wed 16:45
    assert Case.objects.get(pk=case.pk).light == "red"
    assert CaseEvent.objects.filter(case=case, action="supervise").count() == 2
    assert red_notifications(case, "case.light.red").get(handler) == 2


def test_urgent_class_runs_on_clock_hours_across_the_weekend(account, spot):
    category = Category.objects.filter(urgent=True, is_leaf=True).first()
    limit = routing.limits(category, category.complexity)
    assert limit.urgent and limit.resolve_hours and limit.resolve_hours < 36
    saturday = t(21, 10, 0)
    case = dispatch(account, spot, category=category.code, at=saturday)
    hours = timedelta(hours=limit.resolve_hours)
    assert case.urgent
    assert case.resolve_by == saturday + hours and case.resolve_by.weekday() >= 5  # not Monday
    assert case.sign_by <= case.resolve_by
    services.accept_case(actor=lead(account, case), number=case.number, at=saturday + timedelta(minutes=10))
    assert light(case, saturday + hours * 0.8 - timedelta(seconds=1)) == "green"
    assert light(case, saturday + hours * 0.8) == "yellow"
    assert light(case, saturday + hours + timedelta(seconds=1)) == "red"

    friday = dispatch(account, spot, category=category.code, at=t(20, 16, 45))
    assert friday.resolve_by == t(20, 16, 45) + hours  # working hours do not apply either


def test_urgent_suspension_moves_by_clock_time(account, spot):
    category = Category.objects.filter(urgent=True, is_leaf=True).first()
    case = dispatch(account, spot, category=category.code, at=t(20, 16, 0))
    services.accept_case(actor=lead(account, case), number=case.number, at=t(20, 16, 10))
    before = Case.objects.get(pk=case.pk).resolve_by
    services.suspend_case(
        actor=actor(account, DISPATCHER),
        number=case.number,
        reason="等待停水审批",
        review_on=date(2026, 11, 21),
        at=t(20, 16, 30),
    )
    case = services.resume_case(actor=actor(account, DISPATCHER), number=case.number, at=t(21, 9, 30))
    assert case.resolve_by == before + (t(21, 9, 30) - t(20, 16, 30))
