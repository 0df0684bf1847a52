"""/api/v1/oversight: record an inspection, my appointments and findings; 400/401/403/404/409."""

from tests.oversight.conftest import GRID, OTHER_STREET, STREET, missed_here, patrol


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
