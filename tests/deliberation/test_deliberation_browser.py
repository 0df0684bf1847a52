"""In Chromium: a resident gives an opinion on a matter's public page (no account), then the community's grid
leader signs in, closes the opinion period and records the party organisation's proposal on /deliberation/,
and the step indicator moves on. Screenshots: test-artifacts/deliberation-public.png, deliberation-staff.png."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from gridgov.deliberation import services
from gridgov.deliberation.models import Matter, Opinion
from tests.deliberation.conftest import COMMUNITY, LEADER, actor, grid

pytestmark = pytest.mark.browser
PASSWORD = "Grid-deliberate-2026!"


@pytest.fixture
def artifacts():
    from tests.web.conftest import ARTIFACTS

    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


def test_resident_opinion_then_staff_round(demo_city, live_server, browser, artifacts):
    leader = actor(LEADER)
    matter = services.open_matter(actor=leader, grid=grid(COMMUNITY), title="小区垃圾分类亭选址")
    services.open_opinions(actor=leader, matter=matter, until=timezone.now() + timedelta(days=2))
    leader.user.set_password(PASSWORD)
    leader.user.save(update_fields=["password"])
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{live_server.url}/deliberation/matters/{matter.pk}/")
        page.fill("#opinion-form textarea[name=text]", "建议远离住宅楼窗户")
        page.fill("#opinion-form input[name=name]", "钱七")
        page.fill("#opinion-form input[name=phone]", "13700002222")
        page.click("#opinion-form button[type=submit]")
        page.wait_for_load_state()
        assert page.is_visible("#opinion-thanks")
        page.screenshot(path=str(artifacts / "deliberation-public.png"), full_page=True)
        assert Opinion.objects.get(matter=matter).phone_masked == "137****2222"

        page.goto(f"{live_server.url}/login/")
        page.fill("#id_username", LEADER)
        page.fill("#id_password", PASSWORD)
        page.click("#sign-in-form button[type=submit]")
        page.wait_for_load_state()
        page.goto(f"{live_server.url}/deliberation/")
        card = page.locator(f"#matter-{matter.pk}")
        card.locator(f"#close-{matter.pk}").click()
        page.wait_for_load_state()
        card = page.locator(f"#matter-{matter.pk}")
        assert card.locator('[data-next="propose"]').is_visible()
        form = card.locator(".round-form")
        form.locator("textarea[name=minutes]").fill("党组织研究,同意提交两委会商议。")
        form.locator("input[name=expected]").fill("7")
        form.locator("input[name=present]").fill("6")
        form.locator("input[name=votes_for]").fill("6")
        form.locator("button[type=submit]").click()
        page.wait_for_load_state()
        card = page.locator(f"#matter-{matter.pk}")
        assert card.locator('li[data-stage="propose"].done').is_visible()
        assert card.locator('[data-next="discuss"]').is_visible()
        page.screenshot(path=str(artifacts / "deliberation-staff.png"), full_page=True)
        assert Matter.objects.get(pk=matter.pk).stage == "discuss"
        assert not errors, errors
    finally:
        context.close()
