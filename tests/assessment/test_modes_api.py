"""GET /api/v1/stats/modes: indicators by handling mode (立即办、协调办、现场办、联动办) and 清零 per platform, counted
by hand from three cases of known modes; the indicators' readers only."""

from datetime import timedelta

import pytest

from gridgov.cases import services
from tests.cases import helpers as h
from tests.cases.test_modes import AT, LEAD, PLATFORM, in_progress

pytestmark = pytest.mark.django_db
DAY = {"start": AT.date().isoformat(), "end": AT.date().isoformat()}


def test_figures_by_mode_and_clearance_by_platform(demo_city, api):
    quick = in_progress("simple")
    in_progress("complex")
    in_progress("major")
    later = AT + timedelta(hours=2)
    services.resolve_case(actor=h.actor(LEAD), number=quick, result="已处理", at=later)
    services.verify_case(actor=h.actor(f"worker-{h.GRID}"), number=quick, passed=True, at=later)
    services.close_case(actor=h.actor(PLATFORM), number=quick, reply="已处理完毕，感谢反映", at=later)

    r = api("leader").get("/stats/modes", {"region": h.STREET, **DAY})
    assert r.status_code == 200, r.content
    out = r.json()
    assert out["modes"]["immediate"] == {
        "cases": 1,
        "open": 0,
        "closed": 1,
        "closed_on_time": 1,  # resolved two hours after dispatch: inside 立即办's eight working hours
        "replied": 1,
        "closure_rate": 1.0,
        "on_time_rate": 1.0,
    }
    assert (out["modes"]["on_site"]["cases"], out["modes"]["on_site"]["open"]) == (1, 1)
    assert (out["modes"]["linked"]["cases"], out["modes"]["linked"]["closure_rate"]) == (1, 0.0)
    assert out["modes"]["coordinated"]["cases"] == 0 and out["modes"]["coordinated"]["closure_rate"] is None
    assert out["platforms"] == [
        {"platform": h.STREET, "name": "林山寨街道", "cases": 3, "open": 2, "closed": 1, "replied": 1, "cleared": False}
    ]
    # a range with nothing in it: no platform to clear
    empty = api("leader").get("/stats/modes", {"region": h.STREET, "start": "2026-03-11", "end": "2026-03-11"})
    assert empty.json()["platforms"] == [] and empty.json()["modes"]["immediate"]["cases"] == 0


def test_only_the_indicators_readers(demo_city, api):
    assert api().get("/stats/modes", {"region": h.STREET}).status_code == 401
    assert api(f"dispatcher-{h.OTHER_STREET}").get("/stats/modes", {"region": h.STREET}).status_code == 403
    assert api("leader").get("/stats/modes", {"region": "999999"}).status_code == 404


def test_the_dashboard_shows_clearance_per_platform(demo_city, client):
    in_progress("complex")
    client.force_login(h.user("leader"))
    html = client.get("/dashboard/", {"region": h.STREET, **DAY}).content.decode()
    panel = html[html.index('id="clearance"') :]
    panel = panel[: panel.index("</ul>")]
    assert f'data-platform="{h.STREET}"' in panel and "1 件未办结" in panel and "已清零" not in panel
