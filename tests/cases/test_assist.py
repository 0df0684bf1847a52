"""Joint handling (联合执法): an assisting unit reports its part (协办反馈) — who may, when, what it writes —
over the service and the API, and what the parts look like to the lead unit."""

import pytest

from gridgov.assessment.facts import case_counters
from gridgov.cases import selectors, services
from gridgov.cases.chains import verify_chains
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.transitions import LABELS, TERMS
from gridgov.core.errors import Conflict, Forbidden, NotFound
from gridgov.notifications.models import Notification
from gridgov.people.models import Post, Unit
from tests.cases.helpers import GRID, UNIT, actor, dispatcher_for, events_of, report, row, user

pytestmark = pytest.mark.django_db

HELPER = "D410102002"


def _third_unit() -> str:
    """A unit with a handler that is neither the lead nor an assisting unit of the cases here."""
    return (
        Unit.objects.exclude(code__in=[UNIT, HELPER])
        .filter(code__in=Post.objects.filter(role="department_handler", active=True).values("scope"))
        .values_list("code", flat=True)
        .first()
    )


def _joint_case(*, assisting=(HELPER,), accept=False) -> str:
    number = report().case.number
    dispatcher = actor(dispatcher_for(Case.objects.get(number=number).platform))
    services.register_case(actor=dispatcher, number=number)
    services.dispatch_case(actor=dispatcher, number=number, unit=UNIT, assisting=list(assisting))
    if accept:
        services.accept_case(actor=actor(f"handler-{UNIT}"), number=number)
    return number


@pytest.mark.parametrize("accept", [False, True], ids=["dispatched", "in_progress"])
def test_an_assisting_handler_reports_its_part_in_one_event(demo_city, accept):
    number = _joint_case(accept=accept)
    before = row(number)
    event = services.report_assist_part(actor=actor(f"handler-{HELPER}"), number=number, result="已清运建筑垃圾")
    after = row(number)
    new = events_of(number)[before["event_count"] :]
    assert [e.pk for e in new] == [event.pk], "exactly one event"
    assert (event.action, event.unit, event.actor_role) == ("assist", HELPER, "department_handler")
    assert event.from_status == event.to_status == before["status"] == after["status"], "no status change"
    assert event.data == {"unit": HELPER, "result": "已清运建筑垃圾", "photos": []}
    assert event.note == "已清运建筑垃圾" and event.actor_unit == HELPER
    assert (after["event_count"], after["version"], after["last_hash"]) == (
        before["event_count"] + 1,
        before["version"] + 1,
        event.hash,
    )
    assert after["lead_unit"] == UNIT and after["result"] == "", "the case's own result is the lead unit's"
    report_ = verify_chains([number])
    assert report_.ok, report_.broken
    assert TERMS["assist"] == "协办反馈" and "assist" in LABELS


def test_a_grid_can_assist_through_its_staff(demo_city):
    number = _joint_case(assisting=(GRID,))
    event = services.report_assist_part(actor=actor(f"worker-{GRID}"), number=number, result="网格员现场配合")
    assert (event.unit, event.actor_role) == (GRID, "grid_worker")


def test_an_assisting_grid_elsewhere_sees_the_case_and_reports_its_part(demo_city):
    """Grid staff see the cases their grid assists in, though filed elsewhere: the part they report
    is on a case they can open (and out-of-sight numbers answer 404 to everyone else)."""
    far = "410102002001001"  # a grid of another street
    number = _joint_case(assisting=(far,))
    assert selectors.case_for_staff(actor(f"worker-{far}"), number).number == number
    event = services.report_assist_part(actor=actor(f"worker-{far}"), number=number, result="网格员现场配合")
    assert (event.unit, event.actor_role) == (far, "grid_worker")
    with pytest.raises(NotFound):  # its neighbour grid assists in nothing here
        selectors.case_for_staff(actor("worker-410102002001002"), number)


@pytest.mark.parametrize("who", ["lead", "other unit", "dispatcher", "grid worker"])
def test_only_an_assisting_unit_may_report_a_part(demo_city, who):
    number = _joint_case()
    username = {
        "lead": f"handler-{UNIT}",
        "other unit": f"handler-{_third_unit()}",
        "dispatcher": dispatcher_for(Case.objects.get(number=number).platform),
        "grid worker": f"worker-{GRID}",
    }[who]
    before, events = row(number), CaseEvent.objects.count()
    if who == "other unit":  # a unit that never had the case does not see it: answered like an unknown number
        with pytest.raises(NotFound) as unseen:
            services.report_assist_part(actor=actor(username), number=number, result="我们也处理了")
        with pytest.raises(NotFound) as unknown:
            services.report_assist_part(actor=actor(username), number="29991231999999", result="x")
        assert unseen.value.message.replace(number, "N") == unknown.value.message.replace("29991231999999", "N")
    else:
        with pytest.raises(Forbidden) as refused:
            services.report_assist_part(actor=actor(username), number=number, result="我们也处理了")
        assert HELPER in refused.value.message, "the refusal names who may"
    assert row(number) == before and CaseEvent.objects.count() == events


@pytest.mark.parametrize("step", ["resolved", "suspended"])
def test_not_after_the_lead_unit_reported_nor_while_suspended(demo_city, step):
    number = _joint_case(accept=True)
    if step == "resolved":
        services.resolve_case(actor=actor(f"handler-{UNIT}"), number=number, result="已处理完毕")
    else:
        from datetime import timedelta

        from django.utils import timezone

        platform = Case.objects.get(number=number).platform
        services.suspend_case(
            actor=actor(dispatcher_for(platform)),
            number=number,
            reason="等待资金",
            review_on=timezone.localdate() + timedelta(days=30),
        )
    before = row(number)
    with pytest.raises(Conflict):
        services.report_assist_part(actor=actor(f"handler-{HELPER}"), number=number, result="补充说明")
    assert row(number) == before


def test_forbidden_is_checked_before_the_state(demo_city):
    number = _joint_case(accept=True)
    services.resolve_case(actor=actor(f"handler-{UNIT}"), number=number, result="已处理完毕")
    with pytest.raises(Forbidden):  # the lead unit sees the case, but its part is the whole result
        services.report_assist_part(actor=actor(f"handler-{UNIT}"), number=number, result="x")
    with pytest.raises(NotFound):  # a unit that never had it does not see it
        services.report_assist_part(actor=actor(f"handler-{_third_unit()}"), number=number, result="x")


def test_parts_per_unit_latest_counts_and_a_new_dispatch_starts_over(demo_city):
    number = _joint_case(assisting=(HELPER, GRID))
    case = Case.objects.get(number=number)
    parts = selectors.assist_parts(case)
    assert [(p["unit"], p["reported"]) for p in parts] == [(HELPER, False), (GRID, False)]

    services.report_assist_part(actor=actor(f"handler-{HELPER}"), number=number, result="第一次反馈")
    services.report_assist_part(actor=actor(f"handler-{HELPER}"), number=number, result="更正：已全部清运")
    parts = selectors.assist_parts(case)
    assert [(p["unit"], p["reported"], p["result"]) for p in parts] == [
        (HELPER, True, "更正：已全部清运"),
        (GRID, False, ""),
    ]
    assert parts[0]["actor"] == f"handler-{HELPER}" and parts[0]["at"]

    # returned and dispatched again: the parts of the earlier round are not this round's
    services.return_case(actor=actor(f"handler-{UNIT}"), number=number, reason="不属于本单位")
    dispatcher = actor(dispatcher_for(Case.objects.get(number=number).platform))
    services.dispatch_case(actor=dispatcher, number=number, unit=UNIT, assisting=[HELPER])
    parts = selectors.assist_parts(Case.objects.get(number=number))
    assert [(p["unit"], p["reported"]) for p in parts] == [(HELPER, False)]


def test_the_lead_unit_hears_of_an_assisting_part(demo_city, django_capture_on_commit_callbacks):
    number = _joint_case(accept=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.report_assist_part(actor=actor(f"handler-{HELPER}"), number=number, result="已配合拆除")
    lead = Notification.objects.filter(recipient=user(f"handler-{UNIT}"), subject=number, kind="case.assist")
    assert lead.count() == 1 and lead.get().title.startswith("协办反馈")
    assert not Notification.objects.filter(recipient=user(f"handler-{HELPER}"), kind="case.assist").exists()


def test_indicators_ignore_the_assist_event(demo_city):
    """assessment.facts reads events: an assisting part counts for nothing and breaks nothing."""
    number = _joint_case(accept=True)
    lead, helper = actor(f"handler-{UNIT}"), actor(f"handler-{HELPER}")
    services.report_assist_part(actor=helper, number=number, result="已配合")
    services.resolve_case(actor=lead, number=number, result="已处理完毕")
    services.verify_case(actor=actor(f"worker-{GRID}"), number=number, passed=True)
    services.close_case(
        actor=actor(dispatcher_for(Case.objects.get(number=number).platform)), number=number, reply="已办结"
    )
    events = events_of(number)
    assert "assist" in [e.action for e in events]
    with_assist = case_counters(events)
    assert with_assist == case_counters([e for e in events if e.action != "assist"])
    assert with_assist["closed"] == with_assist["dispatched"] == with_assist["signed_on_time"] == 1


# ---- the API ---------------------------------------------------------------------------------------


def test_api_assist(api, demo_city):
    number = _joint_case(accept=True)
    helper = api(f"handler-{HELPER}")
    photo = helper.client.post("/api/v1/uploads", {"file": _jpeg_file()}, **helper.headers)
    assert photo.status_code == 201, photo.content
    r = helper.post(f"/cases/{number}/assist", {"result": "已清运", "photos": [photo.json()["id"]]})
    assert r.status_code == 201, r.content
    body = r.json()
    assert body["unit"] == HELPER and body["result"] == "已清运" and body["photos"] == [photo.json()["id"]]
    assert body["at"].endswith("+08:00")
    file = api(f"handler-{UNIT}").get(f"/cases/{number}").json()
    assert file["status"] == "in_progress" and file["events"][-1]["action"] == "assist"
    assert file["events"][-1]["label"] == "协办反馈"

    assert api(f"handler-{UNIT}").post(f"/cases/{number}/assist", {"result": "x"}).status_code == 403
    assert api().post(f"/cases/{number}/assist", {"result": "x"}).status_code == 401
    assert helper.post(f"/cases/{number}/assist", {"result": "  "}).status_code == 400
    assert helper.post(f"/cases/{number}/assist", {"result": "x", "photos": ["nope"]}).status_code == 400
    assert helper.post("/cases/20000101999999/assist", {"result": "x"}).status_code == 404
    api(f"handler-{UNIT}").act(number, "resolve", {"result": "已处理完毕"})
    r = helper.post(f"/cases/{number}/assist", {"result": "补充"})
    assert r.status_code == 409 and number in r.json()["detail"] and "协办" in r.json()["detail"]


def _jpeg_file():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 80, 40)).save(out, "JPEG")
    return SimpleUploadedFile("part.jpg", out.getvalue(), content_type="image/jpeg")
