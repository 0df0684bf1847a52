"""Deputies, supervisors and mediators sign in, in Chromium, and land on their workspace (/home/), never
on a 403 (issue 12, item 8). Screenshots go to test-artifacts/home-*.png."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from gridgov.sim.models import DemoAccount

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("role", ["deputy", "supervisor", "mediator"])
def test_the_role_signs_in_to_its_home_page(role, browser, live_server, demo_city, artifacts):
    account = DemoAccount.objects.filter(role=role).order_by("username").first()
    user = get_user_model().objects.get(username=account.username)
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    statuses: list[int] = []
    page.on("response", lambda r: statuses.append(r.status) if r.request.resource_type == "document" else None)
    try:
        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", account.username)
        page.fill("#id_password", account.password)
        page.click("#sign-in-form button[type=submit]")
        page.wait_for_load_state()
        assert page.url == f"{live_server.url}/home/", (role, page.url)
        assert 403 not in statuses, (role, statuses)
        assert page.inner_text("h1.site-title") == "我的工作台"
        assert page.is_visible("#my-posts") and page.is_visible("#may-do")
        name = user.get_full_name() or user.username
        assert page.inner_text("#signed-in-who").endswith(name)
        section = {"deputy": "#deputy-tasks", "supervisor": "#supervisor-overdue", "mediator": "#mediator-disputes"}
        assert page.is_visible(section[role])
        page.screenshot(path=artifacts / f"home-{role}.png", full_page=True)
        assert errors == [], errors
    finally:
        context.close()
