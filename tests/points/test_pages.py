"""Points over HTTP: the API (award, statement, counter, redemption; 400/403/404/409), the counter page
(a cashier looks a code up and redeems; a resent form writes once), the public 积分榜 (masked names), and
the rules edited in the admin through the service (checked and audited)."""

import pytest

from gridgov.core.models import AuditEvent
from gridgov.points import services
from gridgov.points.models import Account, Entry, Item, PointsRule
from tests.cases import helpers as h
from tests.points.conftest import LEADER, WORKER, other_worker

pytestmark = pytest.mark.django_db


def test_the_api_awards_once_and_reads_the_statement_in_scope(people, api):
    body = {"resident": people["wang"].pk, "kind": "manual", "reason": "劝导停车", "units": 5, "key": "form-1"}
    first = api(WORKER).post("/points/awards", body)
    again = api(WORKER).post("/points/awards", body)
    assert first.status_code == 201 and again.status_code == 200, first.content
    assert again.json()["replayed"] and again.json()["id"] == first.json()["id"]
    assert api(WORKER).post("/points/awards", {**body, "key": "form-2", "reason": ""}).status_code == 400
    assert api(WORKER).post("/points/awards", {**body, "key": "f3", "kind": "nope"}).status_code == 400
    assert api(other_worker()).post("/points/awards", {**body, "key": "form-4"}).status_code == 404
    assert api().post("/points/awards", {**body, "key": "form-5"}).status_code == 401
    statement = api(WORKER).get(f"/points/residents/{people['wang'].pk}")
    assert statement.status_code == 200 and statement.json()["balance"] == 5 and statement.json()["name"] == "王**"
    assert "王秀兰" not in statement.content.decode()
    assert api(other_worker()).get(f"/points/residents/{people['wang'].pk}").status_code == 404


def test_the_api_counter_refuses_what_the_balance_does_not_pay(people, api):
    services.credit(actor=people["leader"], resident=people["wang"], kind="environment", ref="e1")  # 5
    code = Account.objects.get(resident=people["wang"]).code
    shop = people["shop"].pk
    looked = api(LEADER).get(f"/points/supermarkets/{shop}/accounts/{code}")
    assert looked.status_code == 200 and looked.json() == {"code": code, "name": "王**", "balance": 5}
    assert api(LEADER).get(f"/points/supermarkets/{shop}/accounts/ZZZZZZZZ").status_code == 404
    refused = api(LEADER).post(
        f"/points/supermarkets/{shop}/redemptions",
        {"code": code, "lines": [{"item": people["soap"].pk, "quantity": 1}], "key": "c1"},
    )
    assert refused.status_code == 409 and refused.json()["detail"]
    assert api(other_worker()).get(f"/points/supermarkets/{shop}/accounts/{code}").status_code == 404
    shops = api(LEADER).get("/points/supermarkets").json()["items"]
    assert [s["id"] for s in shops] == [shop] and len(shops[0]["shelf"]) == 2


def test_a_cashier_redeems_at_the_counter_page_and_a_resend_writes_once(people, client):
    wang, soap = people["wang"], people["soap"]
    services.credit(actor=people["leader"], resident=wang, kind="volunteer_hour", ref="h1", units=3)  # 30
    code = Account.objects.get(resident=wang).code
    client.force_login(h.user(LEADER))
    page = client.get("/console/points/counter/", {"code": code})
    assert page.status_code == 200
    html = page.content.decode()
    assert "王**" in html and "王秀兰" not in html and 'id="points-balance">30<' in html
    assert 'id="nav-points"' in html  # the console's nav leads cashiers here
    form = {"shop": people["shop"].pk, "code": code, "key": page.context["key"], f"qty-{soap.pk}": "1"}
    done = client.post("/console/points/counter/", form)
    assert done.status_code == 302
    assert client.post("/console/points/counter/", form).status_code == 302  # a double click
    assert Entry.objects.filter(source_kind="redeem").count() == 1
    assert Account.objects.get(resident=wang).balance == 15 and Item.objects.get(pk=soap.pk).stock == 1
    after = client.get(done["Location"])
    assert 'id="points-balance">15<' in after.content.decode() and after.context["done"]
    too_much = client.post("/console/points/counter/", {**form, "key": "k2", f"qty-{soap.pk}": "2"})
    assert too_much.status_code == 409
    assert client.get("/console/points/counter/", {"code": "ZZZZZZZZ"}).status_code == 404


def test_the_counter_is_refused_to_staff_without_a_supermarket(people, client):
    client.force_login(h.user(other_worker()))
    assert client.get("/console/points/counter/").status_code == 403


def test_the_public_board_ranks_the_month_with_masked_names(people, client, api):
    leader = people["leader"]
    services.credit(actor=leader, resident=people["li"], kind="volunteer_hour", ref="h1", units=3)
    services.credit(actor=leader, resident=people["wang"], kind="environment", ref="e1")
    page = client.get(f"/points/board/{h.COMMUNITY}/", {"month": "2026-03"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "李**" in html and "王**" in html and "李建国" not in html and "王秀兰" not in html
    board = api().get(f"/points/board/{h.COMMUNITY}", {"month": "2026-03"}).json()
    assert [(r["rank"], r["name"], r["points"]) for r in board["items"]] == [(1, "李**", 30), (2, "王**", 5)]
    assert api().get(f"/points/board/{h.COMMUNITY}", {"month": "2026-02"}).json()["items"] == []
    assert api().get(f"/points/board/{h.GRID}").status_code == 404  # a grid, not a community


@pytest.fixture
def root(client, django_user_model):
    user = django_user_model.objects.create_superuser("pts-root", "pts-root@example.org", "pts-Root-pass-1")
    client.force_login(user)
    return client


def test_a_rule_edited_in_the_admin_goes_through_the_service(people, root):
    from tests.config.admin_util import form_data

    rule = PointsRule.objects.get(kind="environment")
    url = f"/admin/points/pointsrule/{rule.pk}/change/"
    data = form_data(root.get(url))
    data.update(points="8", daily_cap="4")  # a cap below the points: refused, nothing written
    assert root.post(url, data).status_code == 200
    rule.refresh_from_db()
    assert rule.points == 5
    data.update(daily_cap="40")
    assert root.post(url, data).status_code == 302
    rule.refresh_from_db()
    assert (rule.points, rule.daily_cap) == (8, 40)
    assert AuditEvent.objects.filter(action="points.rule_saved", object_id="environment").count() == 1
    assert (
        services.credit(actor=people["leader"], resident=people["wang"], kind="environment", ref="x").entry.amount == 8
    )


def test_staff_open_a_supermarket_stock_it_and_renew_a_code_over_the_api(people, api):
    shop = api(LEADER).post("/points/supermarkets", {"community": h.COMMUNITY, "name": "第二爱心超市"})
    assert shop.status_code == 201, shop.content
    shop_id = shop.json()["id"]
    assert api(LEADER).post("/points/supermarkets", {"community": h.GRID, "name": "网格超市"}).status_code == 400
    assert (
        api(other_worker()).post(f"/points/supermarkets/{shop_id}/items", {"name": "x", "points": 5}).status_code == 404
    )
    oil = api(LEADER).post(f"/points/supermarkets/{shop_id}/items", {"name": "食用油", "points": 60, "add": 4})
    assert oil.status_code == 200 and oil.json()["stock"] == 4
    more = api(LEADER).post(f"/points/supermarkets/{shop_id}/items", {"item": oil.json()["id"], "points": 50, "add": 3})
    assert (more.json()["points"], more.json()["stock"]) == (50, 7)
    assert api(LEADER).post(f"/points/supermarkets/{shop_id}/items", {"points": 5}).status_code == 400
    old = services.account_for(people["wang"]).code
    renewed = api(WORKER).post(f"/points/residents/{people['wang'].pk}/code")
    assert renewed.status_code == 200 and renewed.json()["code"] != old
    assert api(other_worker()).post(f"/points/residents/{people['wang'].pk}/code").status_code == 404


def test_staff_stock_the_shelf_from_the_counter_page(people, client):
    shop, soap = people["shop"], people["soap"]
    client.force_login(h.user(LEADER))
    page = client.get("/console/points/counter/").content.decode()
    assert 'id="points-shelf"' in page and f'data-shelf-item="{soap.pk}"' in page
    new = client.post("/console/points/shelf/", {"shop": shop.pk, "name": "食用油 1L", "points": "40", "add": "6"})
    assert new.status_code == 302 and "stocked=1" in new["Location"]
    oil = Item.objects.get(supermarket=shop, name="食用油 1L")
    assert (oil.points, oil.stock) == (40, 6)
    restock = client.post("/console/points/shelf/", {"shop": shop.pk, "item": soap.pk, "points": "12", "add": "3"})
    assert restock.status_code == 302
    soap.refresh_from_db()
    assert (soap.name, soap.points, soap.stock) == ("香皂", 12, 5)
    assert 'id="points-stocked"' in client.get(restock["Location"]).content.decode()
    assert AuditEvent.objects.filter(action="points.item_stocked", object_id=str(oil.pk)).exists()
    # bad input: a clear error, nothing written
    bad = client.post("/console/points/shelf/", {"shop": shop.pk, "name": "面粉", "points": "十", "add": "1"})
    assert bad.status_code == 400 and not Item.objects.filter(name="面粉").exists()
    assert client.post("/console/points/shelf/", {"shop": shop.pk, "name": "", "points": "5"}).status_code == 400
    foreign = client.post("/console/points/shelf/", {"shop": shop.pk, "item": 999999, "points": "5"})
    assert foreign.status_code == 400
    # staff of another street cannot reach the supermarket
    client.force_login(h.user(other_worker()))
    outside = client.post("/console/points/shelf/", {"shop": shop.pk, "name": "白糖", "points": "5", "add": "1"})
    assert outside.status_code == 404 and not Item.objects.filter(name="白糖").exists()
