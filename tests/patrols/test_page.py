"""The worker's patrol page on /m/ (issue 12 item 4): today's plan, start/end, check-in buttons, in Chinese."""

import re

import pytest

from tests.patrols.conftest import OTHER_WORKER, WORKER

pytestmark = pytest.mark.django_db


def test_the_patrol_page_shows_todays_plan_to_its_worker(client, account, plan):
    client.force_login(account(WORKER))
    page = client.get("/m/patrol/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "每日巡查" in html and "东门" in html and "菜市场" in html
    assert f'data-plan="{plan.pk}"' in html and "patrol-start" in html
    assert "开始巡查" in html and "打卡" in html  # Chinese first
    assert "web/m-patrol.js" in html
    assert not re.search(r"<script>(?!\s*</script>)", html)  # no inline script (CSP): data in json_script only
    assert 'id="patrol-config" type="application/json"' in html


def test_a_worker_of_another_grid_sees_no_plan_of_this_one(client, account, plan):
    client.force_login(account(OTHER_WORKER))
    html = client.get("/m/patrol/").content.decode()
    assert "每日巡查" not in html


def test_the_page_carries_on_with_a_patrol_under_way(client, account, plan, api):
    import uuid

    sid = str(uuid.uuid4())
    api(WORKER).post("/patrols/sessions", {"id": sid, "plan": plan.pk})
    client.force_login(account(WORKER))
    html = client.get("/m/patrol/").content.decode()
    assert sid in html  # in the page's config: the script goes on recording into it


def test_the_page_is_for_grid_staff(client, account, demo_city):
    client.force_login(account("dispatcher"))
    assert client.get("/m/patrol/").status_code == 403


def test_the_admin_shows_plans_and_sessions_without_writing(root, plan, api):
    import uuid

    sid = str(uuid.uuid4())
    api(WORKER).post("/patrols/sessions", {"id": sid, "plan": plan.pk})
    listing = root.get("/admin/patrols/patrolplan/")
    assert listing.status_code == 200 and "每日巡查" in listing.content.decode()
    page = root.get(f"/admin/patrols/patrolplan/{plan.pk}/change/")
    assert page.status_code == 200 and "东门" in page.content.decode()
    assert root.get("/admin/patrols/patrolsession/").status_code == 200
    assert root.get("/admin/patrols/patrolplan/add/").status_code == 403
