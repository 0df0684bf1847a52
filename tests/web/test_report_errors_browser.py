"""/report/ on a phone (375 px): when a report cannot be sent, the reason shows where the person is
looking — scrolled into view and focused, in Chinese — whether the form's own check or the server
(a 400) said no."""

import re

import pytest

from gridgov.cases.models import Case

CJK = re.compile(r"[\u4e00-\u9fff]")
ENGLISH = re.compile(r"\b[A-Za-z]{2,}(?: +[A-Za-z]{2,}){2,}\b")
SHOWN = """() => {
  const box = document.getElementById("form-error");
  const r = box.getBoundingClientRect();
  return {text: box.innerText, hidden: box.hidden, focused: document.activeElement === box,
          inView: r.height > 0 && r.top >= 0 && r.bottom <= window.innerHeight};
}"""


def refusal_shown(page) -> str:
    page.wait_for_function("() => !document.getElementById('form-error').hidden")
    shown = page.evaluate(SHOWN)
    assert shown["inView"], "the message is off screen"
    assert shown["focused"], "the message does not have the focus"
    assert CJK.search(shown["text"]) and not ENGLISH.search(shown["text"]), shown["text"]
    return shown["text"]


@pytest.mark.browser
def test_report_errors_are_in_view_focused_and_chinese(browser, live_server, demo_city, artifacts):
    context = browser.new_context(viewport={"width": 375, "height": 812}, is_mobile=True, has_touch=True)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{live_server.url}/report/")
        page.wait_for_selector("#report-map[data-ready]")
        before = Case.objects.count()

        page.click("#submit")  # scrolls down to the button: the top of the form is off screen
        assert "标题" in refusal_shown(page)
        assert page.get_attribute("#title", "aria-invalid") == "true"

        page.fill("#title", "路灯不亮")
        page.click("#submit")
        refusal_shown(page)  # no place chosen yet

        box = page.locator("#report-map").bounding_box()
        page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
        page.wait_for_selector(".report-marker")
        page.fill("#reporter-phone", "138 1234 abcd")
        page.click("#submit")
        page.wait_for_function("() => !document.getElementById('submit').disabled")  # the server answered
        text = refusal_shown(page)
        assert "138 1234 abcd" in text and "只能包含数字" in text  # the server's 400, in Chinese
        page.screenshot(path=artifacts / "report-375-refused.png")
        assert Case.objects.count() == before

        page.fill("#reporter-phone", "138-1234-5678")  # with dashes: accepted and kept as digits
        page.click("#submit")
        page.wait_for_selector("#receipt", state="visible")
        case = Case.objects.get(number=page.inner_text("#r-number"))
        assert case.reporter_phone == "13812345678"
        assert errors == []
    finally:
        context.close()
