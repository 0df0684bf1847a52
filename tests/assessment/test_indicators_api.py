"""Indicators through the API (GET /api/v1/stats/indicators), fed through the API like real cases.

The seeds print 办结率 99.22 % for 647 social cases with 642 closed (642/647 = 0.99227…) and 98.31 % for
59 ledger cases with 58 closed: the API must return those exact fractions.
"""

import pytest
import shapely
from django.utils import timezone

from gridgov.assessment import selectors, services
from gridgov.grids.selectors import current_geometries

# Cases are filed now and counted over "today" or the month so far: neither may change mid-test.
pytestmark = pytest.mark.usefixtures("tomorrow_at_ten")

SOCIAL_COMMUNITY_GRID = "410102001002001"  # 社情 cases found and fixed by this grid's worker
LEDGER_GRID = "410102002001001"  # 台账 cases in another street


def point(code):
    p = shapely.point_on_surface(current_geometries([code])[code])
    return p.x, p.y


def feed(api, grid, *, category, total, closed):
    """`closed` cases fixed on the spot, checked and closed; the rest reported and registered."""
    lon, lat = point(grid)
    worker, leader = api(f"worker-{grid}"), api(f"leader-{grid[:12]}")
    dispatcher = api(f"dispatcher-{grid[:9]}")
    for n in range(total):
        body = {"title": f"台账{n}", "lon": lon, "lat": lat, "category": category, "channel": "patrol"}
        if n < closed:
            body["resolved"] = {"result": "已当场处理"}
        r = worker.post("/cases", body)
        assert r.status_code == 201, r.content
        number = r.json()["number"]
        if n < closed:
            assert leader.act(number, "verify", {"passed": True}).status_code == 200
            assert dispatcher.act(number, "close", {"reply": "已办结"}).status_code == 200
        else:
            assert dispatcher.act(number, "register", {}).status_code == 200


def test_the_seeds_closure_rates_come_out_exact(api):
    feed(api, SOCIAL_COMMUNITY_GRID, category="S020102", total=647, closed=642)
    feed(api, LEDGER_GRID, category="S0102", total=59, closed=58)
    assert services.catch_up() == 647 + 59
    leader = api("leader")
    today = timezone.localdate().isoformat()
    social = leader.get(
        "/stats/indicators", {"region": SOCIAL_COMMUNITY_GRID[:12], "start": today, "end": today}
    ).json()
    assert social["closure_rate"] == 642 / 647 and social["fractions"]["closure_rate"] == [642, 647]
    assert f"{social['closure_rate']:.6f}" == "0.992272"  # printed as 99.22 % by the article
    assert social["received"] == 647 and social["resolved_at_level"]["grid"] == 1.0
    ledger = leader.get("/stats/indicators", {"region": LEDGER_GRID[:9], "start": today, "end": today}).json()
    assert ledger["closure_rate"] == 58 / 59 and f"{ledger['closure_rate']:.5f}" == "0.98305"
    district = leader.get("/stats/indicators", {"region": "410102", "start": today, "end": today}).json()
    assert district["fractions"]["closure_rate"] == [700, 706]
    # the same figures from the raw event log
    raw = leader.get("/stats/indicators", {"region": "410102", "start": today, "end": today, "source": "events"}).json()
    assert {k: v for k, v in raw.items() if k != "source"} == district


def test_indicators_per_department_and_per_person(api, spot):
    resident, dispatcher = api(), api(f"dispatcher-{spot['street']}")
    handler = api("handler-D410102004")
    numbers = []
    for n in range(3):
        r = resident.post("/cases", {"title": f"无证经营{n}", "lon": spot["lon"], "lat": spot["lat"]})
        numbers.append(r.json()["number"])
        assert dispatcher.act(numbers[-1], "register", {"category": "S0102"}).status_code == 200
        assert dispatcher.act(numbers[-1], "dispatch", {"unit": "D410102004"}).status_code == 200
    assert handler.act(numbers[0], "accept").status_code == 200
    assert handler.act(numbers[0], "resolve", {"result": "已取缔"}).status_code == 200
    assert api(f"worker-{spot['grid']}").act(numbers[0], "verify", {"passed": False}).status_code == 200  # 返工
    assert handler.act(numbers[1], "return", {"reason": "不属于本单位职责"}).status_code == 200
    services.catch_up()
    dept = handler.get("/stats/indicators", {"department": "D410102004"}).json()
    # the returned case left the department: it is counted where it is now (its lead unit)
    assert dept["received"] == 2 and dept["fractions"]["response_rate"] == [1, 1]
    assert dept["fractions"]["rework_rate"] == [1, 1] and dept["closure_rate"] == 0.0
    other = api("handler-D410102001", language="en").get("/stats/indicators", {"department": "D410102004"})
    assert other.status_code == 403 and "outside your scope" in other.json()["detail"]
    assert api("leader").get("/stats/indicators", {"department": "D410102004"}).json() == dept


def test_scope_and_bad_input(api, spot):
    street_dispatcher = api(f"dispatcher-{spot['street']}", language="en")
    assert street_dispatcher.get("/stats/indicators", {"region": spot["street"]}).status_code == 200
    r = street_dispatcher.get("/stats/indicators", {"region": "410102002"})
    assert r.status_code == 403 and "outside your scope" in r.json()["detail"]
    assert api().get("/stats/indicators", {"region": "410102"}).status_code == 401
    r = api("leader", language="en").get("/stats/indicators", {"region": "410102", "start": "2026-13-01"})
    assert r.status_code == 400 and "date" in r.json()["detail"]
    r = api("leader", language="en").get("/stats/indicators", {"region": "410102", "department": "D410102001"})
    assert r.status_code == 400 and "exactly one" in r.json()["detail"]
    assert api("leader").get("/stats/indicators", {"region": "999999"}).status_code == 404
    r = api("leader").get("/stats/indicators", {"region": "410102", "start": "2026-11-10", "end": "2026-11-01"})
    assert r.status_code == 400


def test_an_empty_range_has_counts_zero_and_rates_null(api):
    r = api("leader").get("/stats/indicators", {"region": "410102", "start": "2020-01-01", "end": "2020-01-31"})
    body = r.json()
    assert r.status_code == 200 and body["received"] == 0 and body["closure_rate"] is None
    assert body["resolved_at_level"] == {"grid": None, "community": None, "street": None, "district": None}
    assert (
        selectors.totals(
            "region",
            "410102",
            selectors.parse_range("2020-01-01", "2020-01-31")[0],
            selectors.parse_range("2020-01-01", "2020-01-31")[1],
        )["received"]
        == 0
    )


def test_a_persons_figures_are_theirs_and_their_leaders(api, spot):
    worker = api(f"worker-{spot['grid']}")
    for n in range(2):
        assert (
            worker.post(
                "/cases", {"title": f"占道{n}", "lon": spot["lon"], "lat": spot["lat"], "channel": "patrol"}
            ).status_code
            == 201
        )
    services.catch_up()
    mine = worker.get("/stats/indicators", {"person": worker.user.username}).json()
    assert mine["received"] == 2 and mine["registered"] == 0
    assert api(f"leader-{spot['community']}").get("/stats/indicators", {"person": worker.user.username}).json() == mine
    # outside one's area a username answers like an unknown one (finding 11: no probing for names)
    outsider = api("worker-410102002001001")
    for path in ("/stats/indicators", "/stats/series", "/stats/evidence"):
        params = {"counter": "received"} if path == "/stats/evidence" else {}
        other = outsider.get(path, {**params, "person": worker.user.username})
        unknown = outsider.get(path, {**params, "person": "nobody-by-this-name"})
        assert other.status_code == unknown.status_code == 404, (path, other.content)
        assert other.json()["detail"].replace(worker.user.username, "?") == unknown.json()["detail"].replace(
            "nobody-by-this-name", "?"
        )


def test_scores_for_staff_show_items_and_refuse_outsiders(api, spot):
    r = api(f"dispatcher-{spot['street']}").get("/stats/scores/community-100", {"month": "2026-11"})
    body = r.json()
    assert r.status_code == 200 and body["items"] and all(i["code"].startswith(spot["street"]) for i in body["items"])
    assert {"key", "input", "value", "points", "counters"} <= set(body["items"][0]["items"][0])
    assert api("handler-D410102001").get("/stats/scores/community-100", {"month": "2026-11"}).status_code == 403
    assert api("leader").get("/stats/scores/nope", {"month": "2026-11"}).status_code == 404
    assert api("leader").get("/stats/scores/street-100", {"month": "11/2026"}).status_code == 400
