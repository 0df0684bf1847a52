"""The registry search, fieldwork figures and visits pages (issue 12 item 8): who opens them, masking on
every page, the logged reveal with its reason, and a visit form that writes once on a double submit."""

import re

import pytest

from gridgov.core.models import AuditEvent
from gridgov.grids.models import Grid
from gridgov.registry.models import AccessLog
from gridgov.visits.models import Visit
from tests.cases.helpers import UNIT
from tests.registry.conftest import ID_NUMBER, NAME, PHONE, household, resident  # noqa: F401 (fixtures)

MASKED_ID, MASKED_PHONE = "110101********1239", "138****5678"


@pytest.fixture
def signed_in(client, account):
    def sign(username):
        client.force_login(account(username))
        return client

    return sign


def _html(response) -> str:
    text = response.content.decode()
    assert ID_NUMBER not in text and PHONE not in text, "a plain ID number or phone on a page"
    return text


def _stranger(spot) -> str:
    code = (
        Grid.objects.filter(level=3, valid_to__isnull=True)
        .exclude(code__startswith=spot["community"])
        .values_list("code", flat=True)
        .first()
    )
    return f"worker-{code}"


def test_registry_search_is_scoped_masked_and_logs_exact_searches(resident, spot, signed_in):  # noqa: F811
    worker = signed_in(f"worker-{spot['grid']}")
    before = AuditEvent.objects.filter(action="personal_data.search").count()
    for query in ({"id_number": ID_NUMBER}, {"phone": PHONE}, {"name": NAME}):
        text = _html(worker.get("/console/registry/", query))
        assert MASKED_ID in text and MASKED_PHONE in text and NAME in text, query
    assert AuditEvent.objects.filter(action="personal_data.search").count() == before + 2  # ID, phone; not name
    text = _html(worker.get("/console/registry/", {"address": "测试花园"}))
    assert f"/console/registry/households/{resident.household_id}/" in text
    assert 'id="nav-registry"' in text and "/console/hotline/" not in text  # a worker's nav: no console queue
    bad = worker.get("/console/registry/", {"phone": "12"})
    assert bad.status_code == 400 and 'id="registry-error"' in bad.content.decode()
    stranger = signed_in(_stranger(spot))
    text = _html(stranger.get("/console/registry/", {"id_number": ID_NUMBER}))
    assert MASKED_ID not in text and 'id="registry-none"' in text


def test_registry_pages_refuse_who_has_no_grid_and_hide_households_outside_scope(
    resident,  # noqa: F811
    spot,
    signed_in,
    client,
):
    assert client.get("/console/registry/").status_code == 302  # signed out: to the login page
    path = f"/console/registry/households/{resident.household_id}/"
    assert signed_in(_stranger(spot)).get(path).status_code == 404
    page = signed_in("auditor").get(path)
    text = _html(page)
    assert page.status_code == 200 and MASKED_ID in text and "reveal-form" not in text  # sees, may not reveal
    assert 'id="nav-access-log"' in text
    handler = signed_in(f"handler-{UNIT}")  # a department's post: no grid of the registry
    for refused in ("/console/registry/", path, "/console/fieldwork/", "/m/visits/"):
        assert handler.get(refused).status_code == 403, refused


def test_reveal_needs_a_reason_writes_the_access_log_and_shows_the_value_once(resident, spot, signed_in):  # noqa: F811
    worker = signed_in(f"worker-{spot['grid']}")
    page = _html(worker.get(f"/console/registry/households/{resident.household_id}/"))
    assert f'action="/console/registry/residents/{resident.pk}/reveal/"' in page
    path = f"/console/registry/residents/{resident.pk}/reveal/"
    refused = worker.post(path, {"field": "id_number", "reason": ""})
    assert refused.status_code == 400 and 'id="reveal-error"' in _html(refused)
    assert not AccessLog.objects.filter(resident=resident).exists()
    shown = worker.post(path, {"field": "id_number", "reason": "核实低保申请人身份"})
    assert shown.status_code == 200 and ID_NUMBER in shown.content.decode()
    assert shown["Cache-Control"] == "no-store"
    entry = AccessLog.objects.get(resident=resident)
    assert (entry.field, entry.reason, entry.user.username) == (
        "id_number",
        "核实低保申请人身份",
        f"worker-{spot['grid']}",
    )
    # afterwards, every page is masked again
    _html(worker.get(f"/console/registry/households/{resident.household_id}/"))
    _html(worker.get("/console/registry/", {"name": NAME}))
    assert signed_in("auditor").post(path, {"field": "phone", "reason": "核实身份"}).status_code == 403
    assert signed_in(_stranger(spot)).post(path, {"field": "phone", "reason": "核实身份"}).status_code == 404
    assert AccessLog.objects.filter(resident=resident).count() == 1


def test_fieldwork_page_shows_attendance_and_coverage_to_who_oversees(resident, spot, signed_in, client):  # noqa: F811
    leader = signed_in(f"leader-{spot['community']}")
    page = leader.get("/console/fieldwork/", {"month": "2026-11"})
    text = _html(page)
    assert page.status_code == 200
    assert re.search(rf"<td>{spot['grid']}</td><td>\d+</td>", text), "the grid's coverage row"
    assert 'id="fieldwork-config"' in text and "console-fieldwork.js" in text and 'id="nav-fieldwork"' in text
    assert signed_in(f"worker-{spot['grid']}").get("/console/fieldwork/").status_code == 200
    assert signed_in("auditor").get("/console/fieldwork/").status_code == 403
    other = signed_in(f"leader-{spot['community']}").get("/console/fieldwork/", {"grid": _stranger(spot)[7:]})
    assert other.status_code == 404
    client.logout()
    assert client.get("/console/fieldwork/").status_code == 302


def test_visits_page_lists_care_due_and_a_double_submit_records_once(resident, spot, signed_in):  # noqa: F811
    worker = signed_in(f"worker-{spot['grid']}")
    page = worker.get("/m/visits/")
    text = _html(page)
    assert page.status_code == 200 and f'?household={resident.household_id}"' in text  # 独居老人: weekly, never seen
    client_id = re.search(r'name="client_id" value="([0-9a-f-]{36})"', text).group(1)
    assert f'<option value="{resident.household_id}"' in text
    form = {
        "client_id": client_id,
        "household": resident.household_id,
        "purpose": "care",
        "people_seen": "1",
        "notes": "老人身体尚好",
    }
    first, second = worker.post("/m/visits/", form), worker.post("/m/visits/", form)
    assert first.status_code == second.status_code == 302
    assert Visit.objects.filter(client_id=client_id).count() == 1
    assert Visit.objects.filter(household_id=resident.household_id).count() == 1
    after = _html(worker.get("/m/visits/"))
    assert f'?household={resident.household_id}"' not in after  # visited today: no longer due
    assert re.search(r'name="client_id" value="([0-9a-f-]{36})"', after).group(1) != client_id
    outside = signed_in(_stranger(spot)).post("/m/visits/", {**form, "client_id": "0" * 8 + client_id[8:]})
    assert outside.status_code == 400 and Visit.objects.count() == 1
    assert signed_in("auditor").get("/m/visits/").status_code == 403
