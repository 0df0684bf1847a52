"""The /m/visits/ form takes several findings and ticks the household's residents seen (names masked), with
JavaScript and without it (the form sent back to itself with `more`)."""

import re

import pytest

from gridgov.sim.models import DemoAccount
from gridgov.visits.models import Visit
from tests.registry.conftest import NAME, household, resident  # noqa: F401 (fixtures)

MASKED_NAME = "张**"


@pytest.fixture
def worker(client, account, spot):
    client.force_login(account(f"worker-{spot['grid']}"))
    return client


def _client_id(text: str) -> str:
    return re.search(r'name="client_id" value="([0-9a-f-]{36})"', text).group(1)


def test_the_chosen_households_residents_are_shown_masked_to_tick(resident, worker):  # noqa: F811
    text = worker.get("/m/visits/", {"household": resident.household_id}).content.decode()
    assert f'name="residents" value="{resident.pk}"' in text and MASKED_NAME in text and NAME not in text
    assert 'name="residents"' not in worker.get("/m/visits/").content.decode()  # no household chosen yet


def test_without_javascript_the_form_comes_back_with_residents_and_more_rows_recording_nothing(
    resident,  # noqa: F811
    worker,
):
    client_id = _client_id(worker.get("/m/visits/").content.decode())
    form = {
        "client_id": client_id,
        "household": resident.household_id,
        "purpose": "care",
        "notes": "老人身体尚好",
        "finding_title": "楼道堆物",
        "finding_description": "三楼楼道堆放纸箱",
    }
    shown = worker.post("/m/visits/", {**form, "more": "residents"})
    text = shown.content.decode()
    assert shown.status_code == 200 and f'name="residents" value="{resident.pk}"' in text
    assert "老人身体尚好" in text and "三楼楼道堆放纸箱" in text and _client_id(text) == client_id
    more = worker.post("/m/visits/", {**form, "more": "finding"}).content.decode()
    assert more.count('name="finding_title"') == 2 and 'value="楼道堆物"' in more
    assert not Visit.objects.exists()


def test_several_findings_and_the_residents_seen_are_recorded(resident, worker):  # noqa: F811
    client_id = _client_id(worker.get("/m/visits/").content.decode())
    form = {
        "client_id": client_id,
        "household": resident.household_id,
        "purpose": "care",
        "people_seen": "0",  # a ticked resident counts as seen
        "residents": [str(resident.pk)],
        "finding_title": ["楼道堆物", "", "路灯不亮"],
        "finding_description": ["三楼楼道堆放纸箱", "", ""],
    }
    answer = worker.post("/m/visits/", form)
    assert answer.status_code == 302, answer.content.decode()[-2000:]
    visit = Visit.objects.get(client_id=client_id)
    assert list(visit.residents.values_list("pk", flat=True)) == [resident.pk] and visit.people_seen == 1
    assert visit.findings.count() == 2


def test_a_finding_without_a_title_is_refused_and_nothing_recorded(resident, worker):  # noqa: F811
    client_id = _client_id(worker.get("/m/visits/").content.decode())
    form = {
        "client_id": client_id,
        "household": resident.household_id,
        "finding_title": ["楼道堆物", ""],
        "finding_description": ["", "只有描述"],
    }
    answer = worker.post("/m/visits/", form)
    assert answer.status_code == 400 and "只有描述" in answer.content.decode()
    assert not Visit.objects.exists()


@pytest.mark.browser
def test_in_the_browser_a_household_shows_its_residents_and_rows_are_added_in_place(
    resident,  # noqa: F811
    spot,
    browser,
    live_server,
):
    account = DemoAccount.objects.get(username=f"worker-{spot['grid']}")
    context = browser.new_context(viewport={"width": 412, "height": 900}, locale="zh-CN")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(f"{live_server.url}/login/?next=/m/visits/")
        page.fill("#id_username", account.username)
        page.fill("#id_password", account.password)
        page.click("#sign-in-form button[type=submit]")
        page.wait_for_url("**/m/visits/")
        assert not page.is_visible("#v-show-residents")  # the script does its work
        page.fill("#v-notes", "老人身体尚好")
        with page.expect_navigation():
            page.select_option("#v-household", str(resident.household_id))
        assert page.input_value("#v-notes") == "老人身体尚好"
        page.check(f'input[name="residents"][value="{resident.pk}"]')
        page.fill("#v-finding", "楼道堆物")
        page.click("#v-add-finding")
        assert page.locator(".v-finding").count() == 2  # added in place: no round trip
        page.fill("#v-finding-2", "路灯不亮")
        page.click("#visit-form button.primary")
        page.wait_for_load_state()
        visit = Visit.objects.get(household_id=resident.household_id)
        assert visit.findings.count() == 2 and list(visit.residents.values_list("pk", flat=True)) == [resident.pk]
        assert errors == [], errors
    finally:
        context.close()
