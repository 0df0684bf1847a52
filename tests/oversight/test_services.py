"""Appointments and their term, the three kinds of findings and their refusals, scope."""

from datetime import date, timedelta

import pytest

from gridgov.cases.models import Case, CaseEvent
from gridgov.core.errors import BadInput, Conflict, Forbidden, NotFound
from gridgov.oversight.models import Finding
from gridgov.people.actors import Actor
from gridgov.people.models import Post
from tests.cases import helpers as h
from tests.oversight.conftest import (
    GRID,
    ON,
    OTHER_STREET,
    STREET,
    TERM,
    appoint,
    at,
    inspect,
    missed_here,
    patrol,
)


def test_an_appointment_makes_a_supervisor_post_in_force_only_within_the_term(supervisor):
    post = Post.objects.get(user=supervisor.user, role="supervisor", scope=STREET)
    assert (post.start_date, post.end_date) == TERM and post.kind == "supervisor"
    assert not supervisor.user.has_usable_password()
    in_term = Post.objects.filter(pk=post.pk)
    from gridgov.people.models import in_force

    assert in_term.filter(in_force(TERM[0])).exists() and in_term.filter(in_force(TERM[1])).exists()
    assert not in_term.filter(in_force(TERM[0] - timedelta(days=1))).exists()
    assert not in_term.filter(in_force(TERM[1] + timedelta(days=1))).exists()


def test_appointing_is_for_leaders_of_the_area_and_refuses_overlaps(clock):
    with pytest.raises(Forbidden):
        appoint(by=f"leader-{OTHER_STREET}001")
    with pytest.raises(BadInput):
        appoint(area=GRID)
    appoint()
    with pytest.raises(Conflict):
        appoint()


def test_ending_early_ends_the_post_and_the_right_to_inspect(supervisor, clock):
    from gridgov.oversight import services

    services.end_appointment(actor=h.actor("leader"), appointment=supervisor, reason="本人辞聘", on=ON)
    post = Post.objects.get(pk=supervisor.post_id)
    assert post.end_date == ON
    clock.move_to(at(ON + timedelta(days=1)))
    patrol(day=ON + timedelta(days=1))
    with pytest.raises(Forbidden):
        inspect(day=ON + timedelta(days=1), **missed_here())


def test_a_missed_finding_opens_exactly_one_supervisor_case_charged_to_the_patrolling_worker(supervisor):
    patrol()
    before = Case.objects.count()
    done = inspect(**missed_here())
    (f,) = done.findings
    assert Case.objects.count() == before + 1
    assert f.opened and f.case.channel == "supervisor" and f.case.grid.code == GRID
    assert f.worker.username == f"worker-{GRID}"


def test_a_missed_finding_is_refused_when_the_grid_already_reported_it_or_did_not_patrol(supervisor):
    with pytest.raises(Conflict, match="not patrolled"):
        inspect(**missed_here())
    patrol(day=ON - timedelta(days=1))
    h.report(at=at(ON - timedelta(days=2)))  # the grid's own case at the very spot
    with pytest.raises(Conflict, match="already reported"):
        inspect(**missed_here())
    assert not Finding.objects.exists()


def test_an_overdue_finding_presses_the_case_once_and_needs_a_case_past_its_deadline(supervisor, clock):
    case = h.bring("in_progress_grid", at=at(ON)).case()
    with pytest.raises(Conflict, match="not past its deadline"):
        inspect(kind="overdue", case=case.number)
    with pytest.raises(NotFound):
        inspect(kind="overdue", case="NO-SUCH")
    later = ON + timedelta(days=60)
    clock.move_to(at(later))
    case.refresh_from_db()
    assert case.resolve_by is not None and case.resolve_by < at(later)
    pressed = CaseEvent.objects.filter(case=case, action="supervise").count()
    done = inspect(day=later, kind="overdue", case=case.number, description="超期未办结，请加快")
    (f,) = done.findings
    assert not f.opened and f.case == case and f.event.action == "supervise"
    assert CaseEvent.objects.filter(case=case, action="supervise").count() == pressed + 1


def test_a_work_style_finding_needs_a_description(supervisor):
    lon, lat = missed_here()["lon"], missed_here()["lat"]
    with pytest.raises(BadInput, match="description"):
        inspect(kind="work_style", lon=lon, lat=lat)
    done = inspect(kind="work_style", lon=lon, lat=lat, description="网格员上班时间不在岗")
    assert done.findings[0].opened and done.findings[0].kind == "work_style"


def test_outside_the_area_or_the_term_is_forbidden(supervisor):
    patrol(grid=f"{OTHER_STREET}001001")
    with pytest.raises(Forbidden):
        inspect(grid=f"{OTHER_STREET}001001", **missed_here(f"{OTHER_STREET}001001"))
    with pytest.raises(Forbidden):
        inspect(day=date(2026, 2, 27), **missed_here())
    with pytest.raises(Forbidden):
        inspect(username=f"worker-{GRID}", **missed_here())
    with pytest.raises(BadInput, match="future"):
        inspect(day=ON + timedelta(days=1), **missed_here())


def test_ending_an_appointment_is_scoped(supervisor):
    from gridgov.oversight import services

    with pytest.raises(NotFound):
        services.end_appointment(actor=Actor.of(h.user(f"worker-{GRID}")), appointment=supervisor, reason="x")


def test_a_work_style_finding_may_name_a_worker_of_the_grid_only(supervisor):
    lon, lat = missed_here()["lon"], missed_here()["lat"]
    other = h.user(f"worker-{OTHER_STREET}001001").pk
    with pytest.raises(BadInput, match="does not work in this grid"):
        inspect(kind="work_style", lon=lon, lat=lat, description="脱岗", worker=other)
    done = inspect(kind="work_style", lon=lon, lat=lat, description="脱岗", worker=h.user(f"worker-{GRID}").pk)
    assert done.findings[0].worker.username == f"worker-{GRID}"
