"""/report/ in a browser: the title brings up suggested categories (分类建议); a click files the report under one."""

import pytest

from gridgov.cases.models import Case
from gridgov.routing.classifier import suggest as suggestions
from gridgov.routing.models import Category
from tests.routing.test_classifier import leaf_codes, platform_model


@pytest.mark.browser
def test_a_suggested_category_fills_the_field_and_files_the_report(browser, live_server, demo_city, settings, tmp_path):
    path = tmp_path / "categories.joblib"
    settings.GRIDGOV_CLASSIFIER_MODEL = str(path)
    suggestions.forget()
    platform_model(path, leaf_codes(7))
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{live_server.url}/report/")
        page.wait_for_selector("#report-map[data-ready]")
        box = page.locator("#report-map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_selector(".report-marker")
        page.fill("#title", "社保局拒绝为下岗职工办理养老保险")
        page.wait_for_selector("#category-suggest:not([hidden])")
        buttons = page.locator("#category-suggest button.suggestion")
        assert buttons.count() == 3 and "%" in buttons.first.inner_text()
        assert "依据词语" in page.inner_text("#category-suggest")
        code = buttons.first.get_attribute("data-code")
        buttons.first.click()
        assert page.input_value("#category").startswith(Category.objects.get(code=code).name)
        page.click("#submit")
        page.wait_for_selector("#receipt", state="visible")
        assert Case.objects.get(number=page.inner_text("#r-number")).category.code == code
        assert errors == []
    finally:
        page.close()
        suggestions.forget()


@pytest.mark.browser
def test_the_dispatcher_registers_under_a_suggested_category(browser, live_server, demo_city, settings, tmp_path):
    from gridgov.cases import services
    from gridgov.people.actors import Actor
    from gridgov.sim.models import DemoAccount
    from tests.cases.helpers import GRID, point_in

    path = tmp_path / "categories.joblib"
    settings.GRIDGOV_CLASSIFIER_MODEL = str(path)
    suggestions.forget()
    platform_model(path, leaf_codes(7))
    lon, lat = point_in(GRID)
    number = services.report_case(
        actor=Actor.anonymous(), title="孩子入学报名需要什么材料", description="学校说要户口本", lon=lon, lat=lat
    ).case.number
    account = DemoAccount.objects.get(username="dispatcher-410102001")
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{live_server.url}/login/?next=/console/cases/{number}/")
        page.fill("#id_username", account.username)
        page.fill("#id_password", account.password)
        page.click("button[type=submit]")
        page.wait_for_selector("#action-register #category-suggest:not([hidden])")
        first = page.locator("#category-suggest button.suggestion").first
        code = first.get_attribute("data-code")
        first.click()
        assert page.input_value("#f-register-category").endswith(code)
        page.click("#action-register button[type=submit]")
        page.wait_for_selector("#action-dispatch")
        assert Case.objects.get(number=number).category.code == code
        assert errors == []
    finally:
        page.close()
        suggestions.forget()
