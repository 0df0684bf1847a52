"""塔式逐级反映: a need goes up one level at a time (town → district → city → provincial → national), each hop
kept; the next level's deputies claim it, the lower ones only read it; escalating at the top is a 409."""

import pytest

from gridgov.deputies.models import Hop, Need
from tests.deputies.conftest import CITY, DISTRICT, NATIONAL, PROVINCIAL, TOWN, WORKER, need_body

pytestmark = pytest.mark.django_db


def test_up_level_by_level_to_the_top(deputies, api):
    number = api(WORKER).post("/deputies/needs", need_body()).json()["number"]
    path = f"/deputies/needs/{number}"
    chain = [(TOWN, "town", "district"), (DISTRICT, "district", "city"), (CITY, "city", "provincial")]
    chain.append((PROVINCIAL, "provincial", "national"))
    for username, here, up in chain:
        deputy = api(username)
        assert deputy.post(f"{path}/claim").status_code == 200, username
        assert deputy.post(f"{path}/escalate", {"reason": ""}).status_code == 400
        r = deputy.post(f"{path}/escalate", {"reason": f"{here}级无法解决，需上级协调"})
        assert r.status_code == 200, r.content
        shown = r.json()
        assert (shown["level"], shown["status"], shown["deputy"]) == (up, "collected", None)
        assert shown["hops"][-1]["from_level"] == here and shown["hops"][-1]["to_level"] == up
        # the deputy who sent it up (and any below the new level) reads it but acts no more
        assert deputy.get(path).status_code == 200
        assert deputy.post(f"{path}/claim").status_code == 403
        assert deputy.post(f"{path}/settle", {"result": "x"}).status_code == 403
    assert api(TOWN).post(f"{path}/claim").status_code == 403
    top = api(NATIONAL)
    assert top.post(f"{path}/claim").status_code == 200
    assert top.post(f"{path}/escalate", {"reason": "再往上"}).status_code == 409  # nothing above national
    assert top.post(f"{path}/settle", {"result": "列入国家专项资金"}).json()["status"] == "closed"
    hops = list(Hop.objects.filter(need__number=number).values_list("from_deputy__username", "from_level", "to_level"))
    assert hops == [
        (TOWN, "town", "district"),
        (DISTRICT, "district", "city"),
        (CITY, "city", "provincial"),
        (PROVINCIAL, "provincial", "national"),
    ]
    assert Need.objects.get(number=number).level == "national"


def test_a_higher_deputy_claims_a_low_need_and_escalates_from_their_own_level(deputies, api):
    number = api(WORKER).post("/deputies/needs", need_body()).json()["number"]
    city = api(CITY)
    assert city.post(f"/deputies/needs/{number}/claim").status_code == 200
    assert api(TOWN).post(f"/deputies/needs/{number}/claim").status_code == 409  # claimed already
    r = city.post(f"/deputies/needs/{number}/escalate", {"reason": "需省级协调"})
    assert r.json()["level"] == "provincial" and r.json()["hops"][0]["from_level"] == "city"
    assert api(DISTRICT).post(f"/deputies/needs/{number}/claim").status_code == 403
