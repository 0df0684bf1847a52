"""The deputy's page (/deputies/), a need's page with its actions, the office page and the /home/ section:
scoped as the API is (404 outside, 403 for what the reader may not do), residents masked."""

import pytest

from tests.cases import helpers as h
from tests.deputies.conftest import OUTSIDE, PHONE, TOWN, WORKER, need_body

pytestmark = pytest.mark.django_db


def signed_in(client, account, username):
    client.force_login(account(username))
    return client


def test_the_deputy_collects_claims_and_settles_on_the_pages(deputies, client, account):
    c = signed_in(client, account, TOWN)
    r = c.post("/deputies/", {"action": "collect", **need_body()})
    assert r.status_code == 302
    number = r["Location"].rstrip("/").split("/")[-1]
    page = c.get(f"/deputies/needs/{number}/").content.decode()
    assert 'id="claim-form"' in page and PHONE not in page and "138****5678" in page
    assert c.post(f"/deputies/needs/{number}/", {"action": "claim"}).status_code == 302
    assert c.post(f"/deputies/needs/{number}/", {"action": "claim"}).status_code == 409
    assert c.post(f"/deputies/needs/{number}/", {"action": "settle", "result": "已解决"}).status_code == 302
    assert 'data-status="closed"' in c.get(f"/deputies/needs/{number}/").content.decode()
    home = c.get("/deputies/").content.decode()
    assert f'data-need="{number}"' in home.split('id="done-needs"')[1]
    assert c.get("/deputies/office/", {"area": h.STREET, "month": "2026-03"}).status_code == 200
    assert signed_in(client, account, OUTSIDE).get(f"/deputies/needs/{number}/").status_code == 404


def test_the_office_page_and_the_home_section(deputies, client, account, api):
    number = api(WORKER).post("/deputies/needs", need_body()).json()["number"]
    c = signed_in(client, account, "leader")
    page = c.get("/deputies/office/", {"area": h.STREET, "month": "2026-03"}).content.decode()
    assert 'data-figure="needs">1<' in page
    assert signed_in(client, account, WORKER).get("/deputies/office/", {"area": h.STREET}).status_code == 403
    home = signed_in(client, account, TOWN).get("/home/").content.decode()
    assert 'id="deputy-needs"' in home and f'data-need="{number}"' in home


def test_a_suggestion_filed_replied_and_rated_on_the_pages(deputies, client, account):
    from gridgov.deputies.models import Suggestion

    deputy = signed_in(client, account, TOWN)
    form = {"action": "suggest", "unit": h.UNIT, "title": "关于增设路灯的建议", "text": "主干道增设路灯"}
    assert deputy.post("/deputies/", form).status_code == 302
    s = Suggestion.objects.get()
    rate = {"action": "rate_reply", "number": s.number, "rating": "satisfied"}
    assert deputy.post("/deputies/", rate).status_code == 409  # no reply yet
    handler = signed_in(client, account, h.unit_actor(h.UNIT))
    assert f'data-suggestion="{s.number}"' in handler.get("/deputies/").content.decode()
    reply = {"action": "reply", "number": s.number, "reply": "已采纳", "adoption": "adopted"}
    assert handler.post("/deputies/", reply).status_code == 302
    assert handler.post("/deputies/", reply).status_code == 409
    assert signed_in(client, account, TOWN).post("/deputies/", rate).status_code == 302
    s.refresh_from_db()
    assert (s.adoption, s.rating) == ("adopted", "satisfied")
