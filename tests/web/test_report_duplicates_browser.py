"""/report/ in a browser: before sending, a resident sees that the problem is already reported nearby and
follows that case instead of filing it again (重复件)."""

import re

import pytest

from gridgov.cases import services
from gridgov.cases.models import Case
from gridgov.people.actors import Actor

POINT = re.compile(r"(\d+\.\d+)\D+(\d+\.\d+)")


@pytest.mark.browser
def test_a_resident_follows_the_case_already_reported(browser, live_server, demo_city, artifacts):
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{live_server.url}/report/")
        page.wait_for_selector("#report-map[data-ready]")
        box = page.locator("#report-map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_selector(".report-marker")
        lon, lat = map(float, POINT.search(page.inner_text("#point-text")).groups())
        master = services.report_case(
            actor=Actor.anonymous(), title="小区门口路灯不亮", description="连续三晚不亮", lon=lon, lat=lat
        ).case.number
        unrelated = services.report_case(actor=Actor.anonymous(), title="楼下饭店油烟扰民", lon=lon, lat=lat).case

        page.fill("#title", "门口路灯不亮")
        page.fill("#description", "路灯好几天都不亮了")  # leaving the title asks for likely duplicates
        page.wait_for_selector("#dup-box:not([hidden])")
        listed = page.locator("#dup-list li")
        assert listed.count() == 1 and "小区门口路灯不亮" in listed.first.inner_text()
        assert unrelated.title not in page.inner_text("#dup-box")
        assert "可能已有人反映" in page.inner_text("#dup-box h2")
        page.click(f"#dup-list button[data-number='{master}']")
        assert master in page.inner_text("#dup-following")
        page.screenshot(path=artifacts / "report-duplicate-prompt.png")

        page.click("#submit")
        page.wait_for_selector("#receipt", state="visible")
        follower = Case.objects.get(number=page.inner_text("#r-number"))
        assert follower.status == "merged" and follower.master.number == master
        assert errors == []
    finally:
        page.close()
