"""Attendance (出勤率) and coverage (覆盖率) on a week worked by hand (selectors' docstring has the rules).

The plan: daily, window 08:00–18:00, at least 1 check-in, valid from Monday 2 March 2026; range Mon 2 – Sun 8
March, 7 days required. The worker's week:
  Mon 09:00–10:00, 1 check-in ............ met
  Tue 07:00–08:00, 1 check-in ............ not met (started before the window)
  Wed 10:00–11:00, 0 check-ins ........... not met (定量)
  Thu 10:00, never ended ................. not met
  Fri 10:00–11:00 and 14:00–15:00, 2+1 ... met (one day)
→ 2 / 7. Coverage: 东门 checked in (Mon, Tue, Fri), 菜市场 on Fri → 2 / 2; over Mon–Thu only 东门 → 1 / 2.
As a workday plan: Mon–Fri required → 2 / 5.
"""

import uuid
from datetime import date, timedelta

import pytest

from gridgov.patrols import selectors, services
from gridgov.patrols.models import Frequency
from tests.cases import helpers as h
from tests.patrols.conftest import LEADER, MONDAY, OTHER_WORKER, WORKER, local

pytestmark = pytest.mark.django_db
SUNDAY = MONDAY + timedelta(days=6)


def walk(plan, day, start, end, checkins):
    actor = h.actor(WORKER)
    session = services.start_session(
        actor=actor, client_id=uuid.uuid4(), plan=plan, started_at=local(day, start)
    ).session
    for n, name in enumerate(checkins):
        point = plan.points.get(name=name)
        services.check_in(
            actor=actor, session=session, point=point, lon=point.lon, lat=point.lat, at=local(day, start, 10 + n)
        )
    if end is not None:
        services.end_session(actor=actor, session=session, ended_at=local(day, end))


@pytest.fixture
def week(plan):
    d = [MONDAY + timedelta(days=n) for n in range(5)]
    walk(plan, d[0], 9, 10, ["东门"])
    walk(plan, d[1], 7, 8, ["东门"])
    walk(plan, d[2], 10, 11, [])
    walk(plan, d[3], 10, None, [])
    walk(plan, d[4], 10, 11, ["东门", "菜市场"])
    walk(plan, d[4], 14, 15, ["东门"])
    return plan


def own_row(rows):
    (row,) = [r for r in rows if r["worker"] == WORKER]
    return row


def test_attendance_by_hand(week):
    row = own_row(selectors.attendance(h.actor(LEADER), grid=h.COMMUNITY, start=MONDAY, end=SUNDAY))
    assert (row["days_required"], row["days_met"], row["fraction"]) == (7, 2, [2, 7])
    assert row["rate"] == pytest.approx(2 / 7)
    # the plan began on Monday: from the Saturday before, the two days before it are not required
    row = own_row(selectors.attendance(h.actor(LEADER), grid=h.GRID, start=MONDAY - timedelta(days=2), end=MONDAY))
    assert row["fraction"] == [1, 1]


def test_attendance_on_working_days(week):
    week.frequency = Frequency.WORKDAYS
    week.save()
    row = own_row(selectors.attendance(h.actor(LEADER), grid=h.GRID, start=MONDAY, end=SUNDAY))
    assert row["fraction"] == [2, 5]


def test_coverage_by_hand(week):
    leader = h.actor(LEADER)
    whole = selectors.coverage(leader, grid=h.COMMUNITY, start=MONDAY, end=SUNDAY)
    assert (whole["visited"], whole["points"], whole["rate"]) == (2, 2, 1.0)
    part = selectors.coverage(leader, grid=h.GRID, start=MONDAY, end=MONDAY + timedelta(days=3))
    assert part["fraction"] == [1, 2] and part["plans"][0]["visited"] == 1
    empty = selectors.coverage(leader, grid=h.GRID, start=date(2026, 3, 9), end=date(2026, 3, 9))
    assert empty["fraction"] == [0, 2]


def test_figures_over_the_api_and_their_scope(week, api):
    params = {"grid": h.GRID, "start": "2026-03-02", "end": "2026-03-08"}
    leader = api(LEADER).get("/patrols/attendance", params)
    assert leader.status_code == 200 and own_row(leader.json()["rows"])["fraction"] == [2, 7]
    # per grid: every row of the grid summed (the demo city may post more than one worker on it)
    rows = leader.json()["rows"]
    (grid,) = leader.json()["grids"]
    assert grid["grid"] == h.GRID and grid["days_met"] == 2
    assert grid["days_required"] == 7 * len(rows) and grid["fraction"] == [2, 7 * len(rows)]
    mine = api(WORKER).get("/patrols/attendance", params).json()["rows"]
    assert [r["worker"] for r in mine] == [WORKER]  # a worker sees their own row only
    assert api(WORKER).get("/patrols/coverage", params).json()["fraction"] == [2, 2]
    assert api(OTHER_WORKER).get("/patrols/attendance", params).status_code == 404
    assert api(OTHER_WORKER).get("/patrols/coverage", params).status_code == 404
    backwards = api(LEADER).get("/patrols/attendance", {**params, "start": "2026-03-09"})
    assert backwards.status_code == 400


def test_attendance_feeds_a_scoring_scheme(week):
    """A scheme item on the input `patrol_attendance` scores the worker by the same days: the plan required
    1–31 March from the 2nd, 30 days, and the worker met 2 → 100 × 2/30."""
    from gridgov.assessment import scoring
    from gridgov.assessment.models import ScoringScheme

    items = [{"key": "attendance", "label": "出勤", "input": "patrol_attendance", "rule": "rate", "points": 100}]
    scoring.validate_items(items)  # the admin's check accepts the input
    scheme = ScoringScheme.objects.create(code="patrol-attendance", name="巡查出勤", subject="worker", items=items)
    worker_id = str(h.user(WORKER).pk)
    rows = {r["code"]: r for r in scoring.scores(scheme, "2026-03", region=h.COMMUNITY)}
    (item,) = rows[worker_id]["items"]
    assert item["counters"] == {"patrol_days_met": 2, "patrol_days_required": 30}
    assert item["value"] == pytest.approx(2 / 30) and rows[worker_id]["score"] == pytest.approx(100 * 2 / 30, abs=1e-4)
    # a worker of the sibling grid has no plan: nothing required, nothing to score
    other = rows[str(h.user(OTHER_WORKER).pk)]["items"][0]
    assert other["counters"] == {"patrol_days_met": 0, "patrol_days_required": 0} and other["value"] is None
