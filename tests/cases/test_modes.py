"""The four handling modes (办理方式: 立即办、协调办、现场办、联动办) and 句号管理 (cases/services/modes.py):
the mode follows the complexity by the rules kept as data, each mode asks its own steps before a result,
the platform may change it with a reason, and no case closes without a reply to the requester."""

import io
from datetime import datetime, timedelta

import pytest
from django.utils import timezone
from PIL import Image

from gridgov.cases import selectors, services
from gridgov.cases.models import Case, CaseEvent
from gridgov.cases.uploads import store_upload
from gridgov.core.errors import BadInput, Conflict, Forbidden, NotFound
from gridgov.people.actors import Actor
from gridgov.routing.models import ModeRule
from gridgov.routing.services.modes import save_mode_rule
from gridgov.worktime.calendar import add_working_hours
from tests.cases import helpers as h

pytestmark = pytest.mark.django_db
AT = datetime(2026, 3, 10, 10, 0, tzinfo=timezone.get_default_timezone())  # a Tuesday, 10:00
LEAD = f"handler-{h.UNIT}"
PLATFORM = h.dispatcher_for(h.STREET)


def in_progress(complexity: str, *, at: datetime = AT) -> str:
    """A case of `complexity`, registered, dispatched to the unit and signed for, at `at`."""
    number = h.report(at=at).case.number
    platform = h.actor(PLATFORM)
    services.register_case(actor=platform, number=number, complexity=complexity, at=at)
    services.dispatch_case(actor=platform, number=number, unit=h.UNIT, at=at)
    services.accept_case(actor=h.actor(LEAD), number=number, at=at)
    return number


def photo(by: str) -> str:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (200, 80, 80)).save(out, "JPEG")
    return store_upload(data=out.getvalue(), uploaded_by=h.user(by)).id


@pytest.mark.parametrize(
    "complexity, mode",
    [
        ("simple", "immediate"),
        ("general", "coordinated"),
        ("complex", "on_site"),
        ("legacy", "linked"),
        ("major", "linked"),
    ],
)
def test_the_mode_follows_the_complexity(demo_city, complexity, mode):
    number = in_progress(complexity)
    assert Case.objects.get(number=number).mode == mode
    assert CaseEvent.objects.get(case__number=number, action="register").data["mode"] == mode


def test_a_report_has_no_mode_until_registered_and_one_fixed_on_the_spot_is_immediate(demo_city):
    assert h.report(at=AT).case.mode == ""
    assert h.report(at=AT, on_spot=True).case.mode == "immediate"


def test_immediate_runs_on_a_short_clock_of_working_hours(demo_city):
    quick, usual = Case.objects.get(number=in_progress("simple")), Case.objects.get(number=in_progress("general"))
    assert quick.resolve_by == add_working_hours(AT, ModeRule.objects.get(mode="immediate").resolve_working_hours)
    assert quick.resolve_by < usual.resolve_by


def test_on_site_needs_a_site_visit_with_photos_before_the_result(demo_city):
    number = in_progress("complex")
    lead = h.actor(LEAD)
    with pytest.raises(Conflict, match="现场"):
        services.resolve_case(actor=lead, number=number, result="已处理", at=AT + timedelta(hours=1))
    with pytest.raises(BadInput, match="照片"):
        services.record_site_visit(actor=lead, number=number, note="到现场查看", photos=[])
    with pytest.raises(Forbidden):  # the platform is not the unit on the spot
        services.record_site_visit(actor=h.actor(PLATFORM), number=number, note="到现场", photos=[photo(PLATFORM)])
    services.record_site_visit(actor=lead, number=number, note="到现场清理", photos=[photo(LEAD)], at=AT)
    case = services.resolve_case(actor=lead, number=number, result="已清理", at=AT + timedelta(hours=2))
    assert case.status == "resolved"
    assert [e.action for e in h.events_of(number)][-2:] == ["site_visit", "resolve"]


def test_linked_needs_a_consultation_and_reports_progress_on_a_schedule(demo_city):
    number = in_progress("major")
    case = Case.objects.get(number=number)
    assert case.progress_due == case.dispatched_at + timedelta(days=7)
    lead = h.actor(LEAD)
    with pytest.raises(Conflict, match="会商"):
        services.resolve_case(actor=lead, number=number, result="已处理", at=AT + timedelta(hours=1))
    later = AT + timedelta(days=3)
    services.report_progress(actor=lead, number=number, note="已召集各单位", at=later)
    assert Case.objects.get(number=number).progress_due == later + timedelta(days=7)
    services.consult_case(actor=h.actor(PLATFORM), number=number, participants=["城管", "街道"], decision="分工推进")
    assert services.resolve_case(actor=lead, number=number, result="已联动处置", at=later).status == "resolved"


def test_linked_is_led_by_a_district_unit_not_a_grid(demo_city):
    number = h.report(at=AT).case.number
    platform = h.actor(PLATFORM)
    services.register_case(actor=platform, number=number, complexity="legacy", at=AT)
    with pytest.raises(Conflict, match="区级"):
        services.dispatch_case(actor=platform, number=number, unit=h.GRID, at=AT)
    assert Case.objects.get(number=number).status == "registered"  # nothing written
    case = services.dispatch_case(actor=platform, number=number, unit=h.UNIT, assisting=[h.GRID], at=AT)
    assert (case.lead_unit, case.assisting_units) == (h.UNIT, [h.GRID])


def test_the_sweep_presses_once_for_each_progress_report_past_its_date(demo_city):
    number = in_progress("major")
    due = Case.objects.get(number=number).progress_due
    assert services.sweep_deadlines(now=due - timedelta(hours=1)).progress_overdue == 0
    assert services.sweep_deadlines(now=due + timedelta(hours=1)).progress_overdue == 1
    assert services.sweep_deadlines(now=due + timedelta(hours=2)).progress_overdue == 0  # once per report due
    pressed = Case.objects.get(number=number).events.get(action="supervise", data__overdue__startswith="progress:")
    assert pressed.note == "进展报告逾期自动督办" and pressed.unit == h.UNIT
    # reported: the next one falls due a week on, and is pressed for in its turn
    services.report_progress(actor=h.actor(LEAD), number=number, note="各单位已进场", at=due + timedelta(days=1))
    later = Case.objects.get(number=number).progress_due
    assert services.sweep_deadlines(now=later - timedelta(hours=1)).progress_overdue == 0
    assert services.sweep_deadlines(now=later + timedelta(minutes=1)).progress_overdue == 1
    # a 协调办 case owes none
    assert Case.objects.get(number=in_progress("general")).progress_due is None


def test_the_platform_changes_the_mode_with_a_reason(demo_city):
    number = in_progress("general")
    platform = h.actor(PLATFORM)
    with pytest.raises(BadInput):
        services.change_mode(actor=platform, number=number, mode="fast", reason="x")
    with pytest.raises(BadInput):
        services.change_mode(actor=platform, number=number, mode="on_site", reason="")
    with pytest.raises(Forbidden):
        services.change_mode(actor=h.actor(LEAD), number=number, mode="on_site", reason="需要到现场")
    with pytest.raises(Conflict):
        services.change_mode(actor=platform, number=number, mode="coordinated", reason="不变")
    services.change_mode(actor=platform, number=number, mode="on_site", reason="需到现场核实", at=AT)
    event = h.events_of(number)[-1]
    assert (event.action, event.note, event.data) == (
        "change_mode",
        "需到现场核实",
        {"from": "coordinated", "to": "on_site"},
    )
    with pytest.raises(Conflict, match="现场"):  # the new mode's rule holds at once
        services.resolve_case(actor=h.actor(LEAD), number=number, result="已处理")
    reported = h.report(at=AT).case.number
    with pytest.raises(Conflict):  # not registered yet: nothing to hand a mode
        services.change_mode(actor=platform, number=reported, mode="linked", reason="重大")


def test_no_case_closes_without_a_reply_to_the_requester(demo_city):
    made = h.bring("verified", at=AT)
    platform = h.actor(h.dispatcher_for(made.case().platform))
    before = (made.case().version, CaseEvent.objects.filter(case__number=made.number).count())
    with pytest.raises(BadInput, match="答复"):
        services.close_case(actor=platform, number=made.number, at=AT)
    assert (made.case().version, CaseEvent.objects.filter(case__number=made.number).count()) == before
    services.reply_to_requester(actor=platform, number=made.number, reply="井盖已补齐，感谢反映", at=AT)
    case = services.close_case(actor=platform, number=made.number, at=AT + timedelta(minutes=5))
    assert (case.status, case.reply) == ("closed", "井盖已补齐，感谢反映")
    public = selectors.public_view(Case.objects.get(number=made.number))
    assert public["reply"] == "井盖已补齐，感谢反映"
    assert [e["note"] for e in public["timeline"] if e["action"] == "reply"] == ["井盖已补齐，感谢反映"]


def test_the_steps_over_the_api(demo_city, api):
    number = in_progress("complex")
    platform, lead = api(PLATFORM), api(LEAD)
    r = lead.post(f"/cases/{number}/site-visits", {"note": "现场查看", "photos": []})
    assert r.status_code == 422  # a site visit without photos is no site visit
    r = lead.post(f"/cases/{number}/site-visits", {"note": "现场查看", "photos": [photo(LEAD)]})
    assert r.status_code == 200 and r.json()["mode"] == "on_site"
    assert (
        platform.post(f"/cases/{number}/mode", {"mode": "linked", "reason": "涉及多个部门"}).json()["mode"] == "linked"
    )
    assert lead.post(f"/cases/{number}/progress", {"note": "推进中"}).json()["progress_due"] is not None
    assert lead.post(f"/cases/{number}/mode", {"mode": "immediate", "reason": "x"}).status_code == 403
    r = platform.post(f"/cases/{number}/reply", {"reply": "正在联动处置，请耐心等待"})
    assert r.status_code == 200 and r.json()["reply"] == "正在联动处置，请耐心等待"
    assert api(f"dispatcher-{h.OTHER_STREET}").post(f"/cases/{number}/reply", {"reply": "x"}).status_code == 404


def test_the_rules_are_data_the_admin_edits(demo_city):
    admin = Actor.system("mode test")
    with pytest.raises(BadInput, match="simple"):  # a complexity belongs to one mode
        save_mode_rule(actor=admin, mode="coordinated", complexities="general,simple")
    save_mode_rule(actor=admin, mode="linked", complexities="legacy")
    save_mode_rule(actor=admin, mode="on_site", complexities="complex,major", site_visit_required=True)
    assert Case.objects.get(number=in_progress("major")).mode == "on_site"
    with pytest.raises(NotFound):  # kept by administrators: others find no such thing
        save_mode_rule(actor=h.actor(PLATFORM), mode="linked", complexities="")
