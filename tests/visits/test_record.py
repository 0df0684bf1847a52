"""Recording a visit: exactly once by the phone's id, findings as cases (or solved on the spot), no ID or
phone numbers in free text, 404 outside the visitor's grids."""

import uuid

import pytest

from gridgov.cases.models import Case, Status
from gridgov.core.models import AuditEvent
from gridgov.visits.models import Visit, VisitFinding
from tests.visits.conftest import LEADER, OTHER_WORKER, WORKER, days_before

pytestmark = pytest.mark.django_db


def body(home, **more):
    return {"id": str(uuid.uuid4()), "household": home.pk, "people_seen": 1, **more}


def test_a_resent_visit_is_written_once(api, homes):
    worker = api(WORKER)
    visit = body(homes["A"], purpose="care", notes="身体尚好，血压偏高", at=days_before(1).isoformat())
    visit["residents"] = [homes["A"].residents.get().pk]
    visit["findings"] = [{"title": "楼道灯不亮"}]
    first = worker.post("/visits", visit)
    audits = AuditEvent.objects.filter(action="visit.recorded").count()
    cases = Case.objects.count()
    again = worker.post("/visits", visit)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["replayed"] is True and first.json()["replayed"] is False
    assert again.json()["findings"] == first.json()["findings"] and len(first.json()["findings"]) == 1
    assert Visit.objects.filter(client_id=visit["id"]).count() == 1
    assert (AuditEvent.objects.filter(action="visit.recorded").count(), Case.objects.count()) == (audits, cases)
    assert first.json()["residents"] == visit["residents"] and first.json()["purpose"] == "care"
    # the same id from someone else is refused, not taken as theirs
    assert api(LEADER).post("/visits", visit).status_code == 409


def test_a_finding_opens_a_case_at_the_household(api, homes):
    answer = api(WORKER).post(
        "/visits", body(homes["B"], findings=[{"title": "门前下水道堵塞", "description": "已两天"}])
    )
    assert answer.status_code == 201, answer.json()
    (found,) = answer.json()["findings"]
    case = Case.objects.get(number=found["case"])
    assert (case.status, case.channel, case.grid.code) == (Status.REPORTED, "patrol", homes["B"].grid.code)
    finding = VisitFinding.objects.get(case=case)
    assert finding.on_spot is False and str(finding.visit.client_id) == answer.json()["id"]


def test_a_finding_solved_on_the_spot(api, homes):
    on_spot = {"title": "独居老人家中水龙头漏水", "resolved": {"result": "已帮助更换水龙头"}}
    answer = api(WORKER).post("/visits", body(homes["A"], findings=[on_spot]))
    assert answer.status_code == 201, answer.json()
    (found,) = answer.json()["findings"]
    assert found["on_spot"] is True
    assert Case.objects.get(number=found["case"]).status == Status.RESOLVED


@pytest.mark.parametrize(
    "notes",
    ["身份证号110101198003071234已核对", "老人电话13812345678", "电话 138 1234 5678", "证件 11010119800307123X"],
)
def test_notes_with_an_id_or_phone_number_are_refused(api, homes, notes):
    visits, cases = Visit.objects.count(), Case.objects.count()
    answer = api(WORKER).post("/visits", body(homes["A"], notes=notes, findings=[{"title": "路灯坏了"}]))
    assert answer.status_code == 400
    assert "号" in answer.json()["detail"]  # says which kind of number, in Chinese
    assert (Visit.objects.count(), Case.objects.count()) == (visits, cases)


def test_a_finding_with_a_phone_number_is_refused_and_nothing_is_written(api, homes):
    visits, cases = Visit.objects.count(), Case.objects.count()
    answer = api(WORKER).post("/visits", body(homes["A"], findings=[{"title": "漏水"}, {"title": "联系13912345678"}]))
    assert answer.status_code == 400
    assert (Visit.objects.count(), Case.objects.count()) == (visits, cases)  # the first finding rolled back too


def test_outside_my_grids_a_household_does_not_exist(api, homes):
    visits = Visit.objects.count()
    assert api(OTHER_WORKER).post("/visits", body(homes["A"])).status_code == 404
    assert api(WORKER).post("/visits", body(homes["E"])).status_code == 404
    assert api(WORKER).post("/visits", {**body(homes["A"]), "household": 10**9}).status_code == 404
    assert Visit.objects.count() == visits
    # the community's leader covers both grids
    assert api(LEADER).post("/visits", body(homes["E"])).status_code == 201


def test_lists_mine_and_my_subtree(api, homes):
    api(WORKER).post("/visits", body(homes["A"]))
    api(OTHER_WORKER).post("/visits", body(homes["E"]))
    mine = api(WORKER).get("/visits", {"mine": True}).json()
    assert [i["household"]["id"] for i in mine["items"]] == [homes["A"].pk]
    # a worker's subtree is their grid: not the sibling's visits
    assert {i["household"]["id"] for i in api(WORKER).get("/visits").json()["items"]} == {homes["A"].pk}
    assert {i["household"]["id"] for i in api(LEADER).get("/visits").json()["items"]} == {
        homes["A"].pk,
        homes["E"].pk,
    }
