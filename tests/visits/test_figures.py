"""Care visits due by the key groups' cadence, and coverage over 30 and 90 days, redone by hand on the
fixture of conftest.py (A–D in the matrix grid, E–F in its sibling, the clock at ON 10:00)."""

import re
import uuid
from datetime import timedelta

import pytest
import time_machine

from gridgov.assessment import scoring
from gridgov.assessment.models import ScoringScheme
from gridgov.people.actors import Actor
from gridgov.visits import selectors, services
from tests.cases import helpers as h
from tests.visits.conftest import LEADER, ON, OTHER_WORKER, WORKER, at, days_before

pytestmark = pytest.mark.django_db


def visit(who, home, when, purpose="visit"):
    return services.record_visit(
        actor=h.actor(who), client_id=uuid.uuid4(), household=home, purpose=purpose, at=when, people_seen=1
    ).visit


def due(who, on, grid=None):
    return {r["address"][-3:]: r for r in selectors.care_due(h.actor(who), on=on, grid=grid)}


def test_a_weekly_care_visit_falls_due_after_seven_days(homes, api):
    a = homes["A"]
    visit(WORKER, a, days_before(6), purpose="care")
    visit(WORKER, a, days_before(1), purpose="visit")  # an ordinary visit is no care visit
    # ON: care visit 6 days ago, weekly: not due. B (高龄, 30 days) never had one: due, first. C: no schedule.
    rows = selectors.care_due(h.actor(LEADER), on=ON)
    assert [(r["household"], r["days_overdue"]) for r in rows] == [(homes["B"].pk, None)]
    assert rows[0]["tags"] == ["高龄"] and rows[0]["every_days"] == 30
    assert "101" not in due(LEADER, ON + timedelta(days=1))  # 7 days: not older than the cadence yet
    row = due(LEADER, ON + timedelta(days=2))["101"]  # 8 days ago: overdue by 1
    assert (row["days_overdue"], row["every_days"], row["tags"]) == (1, 7, ["独居老人"])
    assert list(due(LEADER, ON + timedelta(days=5))) == ["102", "101"]  # never visited first, then by days

    # the grid leader sees it over the API on the day it is overdue; a sibling grid's worker does not
    with time_machine.travel(at(ON + timedelta(days=2)).timestamp(), tick=False):
        answer = api(LEADER).get("/visits/care-due")
        assert answer.status_code == 200
        items = {i["household"]: i for i in answer.json()["items"]}
        assert items[a.pk]["days_overdue"] == 1 and answer.json()["on"] == str(ON + timedelta(days=2))
        assert api(OTHER_WORKER).get("/visits/care-due").json()["items"] == []
        assert api(OTHER_WORKER).get("/visits/care-due", {"grid": h.GRID}).status_code == 404
    # visited again: off the list
    visit(WORKER, a, at(ON), purpose="care")
    assert "101" not in due(WORKER, ON + timedelta(days=2))


def test_coverage_over_30_and_90_days(homes, api):
    # the 30-day window is ON−29 … ON, the 90-day window ON−89 … ON (local days)
    visit(WORKER, homes["A"], days_before(5))
    visit(WORKER, homes["A"], days_before(2))  # twice: one household
    visit(WORKER, homes["B"], days_before(29, hour=0))  # first hour of the 30-day window
    visit(WORKER, homes["C"], days_before(30, hour=23))  # last hour before it: 90 days only
    visit(OTHER_WORKER, homes["E"], days_before(89))
    visit(OTHER_WORKER, homes["F"], days_before(90))  # outside both
    got = selectors.coverage(h.actor(LEADER), grid=h.COMMUNITY, on=ON)
    assert (got["households"], got["visited_30"], got["visited_90"]) == (6, 2, 4)
    assert (got["coverage_30"], got["coverage_90"]) == (round(2 / 6, 4), round(4 / 6, 4))
    rows = {r["grid"]: r for r in got["grids"]}
    assert (rows[h.GRID]["coverage_30"], rows[h.GRID]["coverage_90"]) == (0.5, 0.75)  # A, B of 4; A, B, C of 4
    assert (rows[h.SIBLING_GRID]["coverage_30"], rows[h.SIBLING_GRID]["coverage_90"]) == (0.0, 0.5)  # -; E of 2

    answer = api(WORKER).get("/visits/coverage", {"grid": h.GRID, "on": str(ON)})
    assert answer.status_code == 200 and answer.json()["visited_90"] == 3
    assert api(WORKER).get("/visits/coverage", {"grid": h.SIBLING_GRID}).status_code == 404


def test_visits_feed_the_worker_scheme(homes):
    for n in range(3):
        visit(WORKER, homes["ABCD"[n]], days_before(n + 1))
    worker = h.user(WORKER)
    march = (ON.replace(day=1), ON.replace(day=31))
    assert selectors.visits_by_person([worker.pk], *march) == {worker.pk: 3}
    assert selectors.visits_by_person([worker.pk], ON.replace(month=2, day=1), ON.replace(month=2, day=28)) == {
        worker.pk: 0
    }
    rows = scoring.scores(ScoringScheme.objects.get(code="worker-1000"), "2026-03", region=h.GRID)
    mine = next(r for r in rows if r["code"] == str(worker.pk))
    item = next(i for i in mine["items"] if i["input"] == "household_visits")
    assert item["available"] is True and item["value"] == 3
    assert item["points"] == pytest.approx(100 * 3 / 60)  # 入户走访: 100 points at 60 visits a month
    assert Actor.of(worker).can("grid_worker", h.GRID)


def test_the_care_page_shows_the_leader_what_is_overdue(homes, client):
    visit(WORKER, homes["A"], days_before(8), purpose="care")
    client.force_login(h.user(LEADER))
    page = client.get("/visits/care/")
    assert page.status_code == 200
    rows = dict(re.findall(r'<tr data-household="(\d+)">(.*?)</tr>', page.content.decode(), re.S))
    assert list(rows) == [str(homes["B"].pk), str(homes["A"].pk)]  # never visited first
    assert "从未探访" in rows[str(homes["B"].pk)]
    assert "独居老人" in rows[str(homes["A"].pk)] and "1 天" in rows[str(homes["A"].pk)]
    client.force_login(h.user(OTHER_WORKER))  # the sibling grid's worker: not A
    assert 'data-household="' not in client.get("/visits/care/").content.decode()
    client.force_login(h.user(h.dispatcher_for(h.COMMUNITY[:9])))  # no grid to oversee
    assert client.get("/visits/care/").status_code == 403
    client.logout()
    assert client.get("/visits/care/").status_code == 302  # to the sign-in page
