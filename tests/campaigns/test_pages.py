"""The console and phone pages of campaigns, through Django's test client (Chinese, the default)."""

import re

import pytest
from django.test import Client

from gridgov.campaigns.models import CheckResult
from tests.campaigns.conftest import DISPATCHER, GRID, STREET, WORKER
from tests.cases import helpers as h

pytestmark = pytest.mark.django_db


def signed_in(username: str) -> Client:
    client = Client()
    client.force_login(h.user(username))
    return client


def test_a_worker_ticks_an_item_and_the_console_shows_it(campaign):
    worker = signed_in(WORKER)
    page = worker.get("/m/campaigns/")
    assert page.status_code == 200 and "人居环境整治专项排查" in page.content.decode()
    item = campaign.items.get(position=1)
    target = campaign.targets.get(grid__code=GRID)
    html = page.content.decode()
    client_id = re.search(
        rf'name="client_id" value="([^"]+)">\s*<input type="hidden" name="target" value="{target.pk}">'
        rf'<input type="hidden" name="item" value="{item.pk}"',
        html,
    ).group(1)
    form = {"client_id": client_id, "target": target.pk, "item": item.pk, "outcome": "ok"}
    assert worker.post("/m/campaigns/", form).status_code == 302
    assert worker.post("/m/campaigns/", form).status_code == 302  # a double submit records one result
    assert CheckResult.objects.filter(target=target).count() == 1
    refused = worker.post("/m/campaigns/", {**form, "client_id": "x", "item": campaign.items.get(position=2).pk})
    assert refused.status_code == 400 and "备注" in refused.content.decode()

    boss = signed_in(DISPATCHER)
    listing = boss.get("/console/campaigns/")
    assert listing.status_code == 200 and 'id="nav-campaigns"' in listing.content.decode()
    detail = boss.get(f"/console/campaigns/{campaign.pk}/").content.decode()
    row = re.search(rf'<tr data-grid="{GRID}">.*?</tr>', detail, re.S).group(0)
    assert "1/3" in row and 'value="0.3333"' in row
    assert f'<tr data-grid="{STREET}">' in detail


def test_pages_refuse_outside_scope(campaign):
    assert signed_in(f"dispatcher-{h.OTHER_STREET}").get(f"/console/campaigns/{campaign.pk}/").status_code == 404
    assert signed_in("dispatcher").get("/m/campaigns/").status_code == 403
    boss = signed_in(DISPATCHER)
    r = boss.post(
        "/console/campaigns/",
        {
            "client_id": "6a1f2a47-3c1e-4f6e-9b7a-2f8a1b3c4d5e",
            "title": "安全隐患排查",
            "kind": "safety",
            "grid": STREET,
            "start_date": "2026-03-10",
            "due_date": "2026-03-01",
            "items": "燃气\n*消防",
        },
    )
    assert r.status_code == 400
    assert "燃气\n*消防</textarea>" in r.content.decode()  # what was typed comes back
    r = boss.post(
        "/console/campaigns/",
        {
            "client_id": "6a1f2a47-3c1e-4f6e-9b7a-2f8a1b3c4d5e",
            "title": "安全隐患排查",
            "kind": "safety",
            "grid": STREET,
            "start_date": "2026-03-10",
            "due_date": "2026-03-20",
            "items": "燃气\n*消防",
        },
    )
    assert r.status_code == 302


def test_overdue_grids_show_on_the_phone_and_for_the_grid_leader(clock):
    from datetime import timedelta

    from tests.campaigns.conftest import ON, make_campaign

    make_campaign(due=ON - timedelta(days=2))
    phone = signed_in(WORKER).get("/m/campaigns/").content.decode()
    assert re.search(r'class="error overdue">[^<]*2', phone)
    console = signed_in(f"leader-{GRID[:12]}").get("/console/campaigns/").content.decode()
    table = re.search(r'<table id="campaign-overdue">.*?</table>', console, re.S).group(0)
    assert GRID in table and "0/3" in table


def test_the_pages_speak_english_on_request(campaign):
    boss = signed_in(DISPATCHER)
    listing = boss.get("/console/campaigns/?lang=en").content.decode()
    assert "Covert inspections: street ranking" in listing and "New campaign" in listing
    detail = boss.get(f"/console/campaigns/{campaign.pk}/?lang=en").content.decode()
    assert "Per community" in detail and "Items done" in detail and "Close the campaign" in detail
    phone = signed_in(WORKER).get("/m/campaigns/?lang=en").content.decode()
    assert "Report a problem" in phone
    assert "专项排查" in signed_in(WORKER).get("/m/campaigns/?lang=zh-hans").content.decode()
