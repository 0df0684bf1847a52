"""联络站 and 代表接待日 (plan a month, attendance, what residents raised) and 履职积分 counted by hand on a
small fixture; the deputy-duty scheme scores every item (none left uncollected)."""

from datetime import date

import pytest

from gridgov.assessment import scoring
from gridgov.deputies import receptions, selectors
from gridgov.deputies.models import Reception
from tests.cases import helpers as h
from tests.deputies.conftest import DISTRICT, OUTSIDE, SYSTEM, TOWN, WORKER, need_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def station(deputies):
    return receptions.create_station(
        actor=SYSTEM, name="矩阵代表联络站", grid_code=h.GRID, address="矩阵社区党群服务中心", deputies=(TOWN, DISTRICT)
    )


def test_reception_days_planned_attended_and_what_was_raised(station, api):
    deputy = api(TOWN)
    r = deputy.post(f"/deputies/stations/{station.pk}/plan", {"month": "2026-03"})
    assert r.status_code == 201
    days = [x["day"] for x in r.json()["items"]]
    assert days == ["2026-03-09", "2026-03-10"] and r.json()["items"][0]["on_duty"] == sorted([TOWN, DISTRICT])
    assert deputy.post(f"/deputies/stations/{station.pk}/plan", {"month": "2026-03"}).status_code == 201
    assert Reception.objects.filter(station=station).count() == 2  # planning twice writes nothing more
    assert deputy.post(f"/deputies/stations/{station.pk}/plan", {"month": "2026-02", "days": [30]}).status_code == 400
    assert api(OUTSIDE).post(f"/deputies/stations/{station.pk}/plan", {"month": "2026-03"}).status_code == 404
    ninth = Reception.objects.get(station=station, day=date(2026, 3, 9))
    path = f"/deputies/receptions/{ninth.pk}"
    assert deputy.post(f"{path}/attendance", {"attended": [OUTSIDE], "residents_received": 3}).status_code == 400
    r = deputy.post(f"{path}/attendance", {"attended": [TOWN], "residents_received": 12})
    assert r.status_code == 200 and (r.json()["attended"], r.json()["residents_received"]) == ([TOWN], 12)
    r = deputy.post(f"{path}/needs", {"text": "希望增设老年食堂", "name": "李四", "phone": "13900001111"})
    assert r.status_code == 201 and (r.json()["source"], r.json()["grid"]) == ("reception", h.GRID)
    assert deputy.get("/deputies/stations").json()["items"][0]["receptions"][0]["needs"] == [r.json()["number"]]
    april = receptions.plan_month(actor=SYSTEM, station_id=station.pk, month="2026-04")[0]
    later = deputy.post(f"/deputies/receptions/{april.pk}/attendance", {"attended": [TOWN], "residents_received": 1})
    assert later.status_code == 409  # not held yet


def test_duty_figures_by_hand_and_the_deputy_duty_score(station, api):
    """TOWN in March 2026: attended both reception days (2 visits, no household visits); collected 3 needs
    (2 in the API, 1 raised at a reception); claimed 2: settled one (1 task closed), sent one up (1 escalation);
    filed 1 suggestion, adopted. DISTRICT: on duty but absent, nothing else."""
    for day in receptions.plan_month(actor=SYSTEM, station_id=station.pk, month="2026-03"):
        receptions.record_attendance(actor=SYSTEM, reception_id=day.pk, attended=[TOWN], residents_received=5)
    deputy = api(TOWN)
    a = deputy.post("/deputies/needs", need_body()).json()["number"]
    b = deputy.post("/deputies/needs", need_body(text="楼道堆物")).json()["number"]
    first = Reception.objects.get(station=station, day=date(2026, 3, 9))
    deputy.post(f"/deputies/receptions/{first.pk}/needs", {"text": "希望修缮健身器材"})
    api(WORKER).post("/deputies/needs", need_body(text="别人收集的"))  # counts for nobody here
    deputy.post(f"/deputies/needs/{a}/claim")
    deputy.post(f"/deputies/needs/{a}/settle", {"result": "已协调修好"})
    deputy.post(f"/deputies/needs/{b}/claim")
    deputy.post(f"/deputies/needs/{b}/escalate", {"reason": "需区里协调"})
    number = deputy.post("/deputies/suggestions", {"unit": h.UNIT, "title": "建议", "text": "增设路灯"}).json()[
        "number"
    ]
    api(h.unit_actor(h.UNIT)).post(f"/deputies/suggestions/{number}/reply", {"reply": "采纳", "adoption": "adopted"})
    town, district = (api(u).user.pk for u in (TOWN, DISTRICT))
    figures = selectors.duty_many([town, district], date(2026, 3, 1), date(2026, 3, 31))
    assert figures[town] == {
        "visits": 2,
        "household_visits": 0,
        "receptions": 2,
        "needs_collected": 3,
        "tasks_closed": 1,
        "escalations": 1,
        "suggestions": 1,
        "adopted": 1,
        "partly": 0,
        "not_adopted": 0,
    }
    assert set(figures[district].values()) == {0}
    assert selectors.duty_many([town], date(2026, 4, 1), date(2026, 4, 30))[town]["needs_collected"] == 0
    # the 人大 office: per deputy and per level, the area's totals
    office = api("leader").get("/deputies/office", {"area": h.STREET, "month": "2026-03"}).json()
    row = next(d for d in office["deputies"] if d["id"] == town)
    assert (row["level"], row["needs_collected"], row["escalations"]) == ("town", 3, 1)
    assert next(lv for lv in office["levels"] if lv["level"] == "town")["deputies"] == 1
    assert office["totals"] == {
        "needs": 4,
        "tasks": 2,
        "cases": 0,
        "closed": 1,
        "rated": 0,
        "satisfied": 0,
        "escalated": 1,
        "receptions": 2,
        "deputy_cases": 0,
        "visits": 2,  # TOWN's two reception days; DISTRICT (absent) and the others none
    }
    own = deputy.get("/deputies/office", {"area": h.STREET, "month": "2026-03"}).json()
    assert [d["id"] for d in own["deputies"]] == [town] and own["totals"] is None
    assert api(WORKER).get("/deputies/office", {"area": h.STREET, "month": "2026-03"}).status_code == 403
    # 履职积分: 25 × min(1, 2/4) + 20 × 3/5 + 20 × 1/2 + 10 × 1/1, no case reported (reports 0)
    scheme = scoring.scheme_by_code("deputy-duty")
    rows = {r["code"]: r for r in scoring.scores(scheme, "2026-03", region=h.STREET)}
    items = {i["key"]: i for i in rows[str(town)]["items"]}
    assert all(i["available"] for i in items.values())
    assert {k: i["value"] for k, i in items.items()} == {
        "reports": 0,
        "visits": 2,
        "needs": 3,
        "tasks": 1,
        "suggestions": 1,
    }
    assert rows[str(town)]["score"] == pytest.approx(12.5 + 12 + 10 + 10)
    assert sum(item["points"] for item in scheme.items) == scheme.total == 100


def test_no_input_of_a_scheme_is_left_uncollected(demo_city):
    for code in ("deputy-duty", "worker-1000", "street-100", "community-100", "unit-3rates"):
        scheme = scoring.scheme_by_code(code)
        assert all(scoring.INPUTS[item["input"]].available for item in scheme.items), code
    assert not hasattr(scoring, "NOT_YET")
