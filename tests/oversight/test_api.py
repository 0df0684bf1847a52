"""/api/v1/oversight: record an inspection, my appointments and findings; 400/401/403/404/409."""

from tests.oversight.conftest import GRID, OTHER_STREET, STREET, appoint, missed_here, patrol


def test_the_api_records_an_inspection_and_lists_mine(supervisor, api):
    client = api("resident-sup-1", language="en")
    patrol()
    answer = client.post("/oversight/inspections", {"grid": GRID, "findings": [missed_here()]})
    assert answer.status_code == 201, answer.content
    (row,) = answer.json()["findings"]
    assert row["kind"] == "missed" and row["opened"] and row["grid"] == GRID
    mine = client.get("/oversight/mine").json()
    assert [a["area"] for a in mine["appointments"]] == ["410102001"]
    assert [f["case"] for f in mine["findings"]] == [row["case"]]


def test_the_api_errors(supervisor, api):
    client = api("resident-sup-1", language="en")
    assert api().post("/oversight/inspections", {"grid": GRID, "findings": [missed_here()]}).status_code == 401
    assert client.post("/oversight/inspections", {"grid": GRID, "findings": []}).status_code == 400
    assert (
        client.post("/oversight/inspections", {"grid": GRID, "findings": [{"kind": "bad"}]}).status_code == 422
    )  # schema: the project answers 422
    assert client.post("/oversight/inspections", {"grid": "999", "findings": [missed_here()]}).status_code == 404
    other = f"{OTHER_STREET}001001"
    assert client.post("/oversight/inspections", {"grid": other, "findings": [missed_here(other)]}).status_code == 403
    answer = client.post("/oversight/inspections", {"grid": GRID, "findings": [missed_here()]})
    assert answer.status_code == 409 and "patrolled" in answer.json()["detail"]
    answer = client.post(
        "/oversight/inspections",
        {"grid": GRID, "findings": [{"kind": "work_style", "lon": 1, "lat": 1, "description": "x"}]},
    )
    assert answer.status_code == 400
    assert (
        client.post(
            "/oversight/inspections", {"grid": GRID, "findings": [{"kind": "overdue", "case": "X"}]}
        ).status_code
        == 404
    )


def test_the_api_appoints_and_ends_a_term(clock, api):
    leader = api("leader", language="en")
    body = {
        "username": "resident-sup-9",
        "full_name": "王监督",
        "area": STREET,
        "start_date": "2026-03-01",
        "end_date": "2026-12-31",
    }
    assert api(f"worker-{GRID}", language="en").post("/oversight/appointments", body).status_code == 403
    assert leader.post("/oversight/appointments", {**body, "area": GRID}).status_code == 400
    made = leader.post("/oversight/appointments", body)
    assert made.status_code == 201, made.content
    assert leader.post("/oversight/appointments", body).status_code == 409
    assert leader.post("/oversight/appointments/999999/end", {"reason": "辞聘"}).status_code == 404
    ended = leader.post(f"/oversight/appointments/{made.json()['id']}/end", {"reason": "辞聘"})
    assert ended.status_code == 200 and ended.json()["ended_on"] == "2026-03-10"
    assert leader.post(f"/oversight/appointments/{made.json()['id']}/end", {"reason": "辞聘"}).status_code == 409


def test_a_resent_inspection_is_recorded_once(supervisor, api):
    """The client's id: the same inspection sent twice (a lost answer, a double tap) answers the first."""
    from uuid import uuid4

    from gridgov.cases.models import Case
    from gridgov.oversight.models import Finding, Inspection

    client = api("resident-sup-1", language="en")
    patrol()
    body = {"client_id": str(uuid4()), "grid": GRID, "findings": [missed_here()]}
    first = client.post("/oversight/inspections", body)
    assert first.status_code == 201, first.content
    cases = Case.objects.count()
    again = client.post("/oversight/inspections", body)
    assert again.status_code == 200 and again.json() == first.json()
    assert Inspection.objects.count() == 1 and Finding.objects.count() == 1 and Case.objects.count() == cases
    assert client.post("/oversight/inspections", {**body, "client_id": "not-a-uuid"}).status_code == 422
    appoint("resident-sup-2")  # another supervisor sending the same id: refused, nothing written
    assert api("resident-sup-2", language="en").post("/oversight/inspections", body).status_code == 409
    assert Inspection.objects.count() == 1
