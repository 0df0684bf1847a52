"""POST requests: a case on the open311 channel through the one intake, personal data where the intake keeps
it (encrypted), attributes checked against the definition, every error path of the spec, and retries."""

from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from gridgov.cases.models import Case
from gridgov.grids.models import Grid
from gridgov.open311.keys import set_key_active
from gridgov.open311.models import ApiKey, Submission
from gridgov.open311.services import RETRY_WINDOW
from tests.open311.schema import problems


def raw(table: str, column: str, pk: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [pk])
        return cursor.fetchone()[0]


def test_a_report_becomes_an_open311_case_with_its_reporter_encrypted(o311, report):
    response, body = o311().post("requests", report)
    assert response.status_code == 201, body
    assert problems("post_response", body) == []
    case = Case.objects.get(number=body[0]["service_request_id"])
    assert (case.channel, case.category.code, case.status) == ("open311", report["service_code"], "reported")
    assert case.grid.code == "410102001002001"
    assert (case.reporter_name, case.reporter_phone) == ("张三", "13812345678")
    assert "13812345678" not in raw("cases_case", "reporter_phone", case.pk)
    assert case.description == report["description"]
    submission = Submission.objects.get(case=case)
    assert submission.token == body[0]["token"]
    assert submission.email == "zhangsan@example.org"
    assert "zhangsan" not in raw("open311_submission", "email", submission.pk)
    assert submission.device_id == "device-1"


def test_the_xml_answer_and_the_key_in_the_query_string(o311, report):
    key = report.pop("api_key")
    response, root = o311("xml").post("requests", report, query=f"api_key={key}")
    assert response.status_code == 201
    assert root.tag == "service_requests"
    assert [child.tag for child in root] == ["request"]
    assert root.findtext("request/service_request_id").isdigit()
    assert root.findtext("request/token")


def test_attributes_single_multi_and_number(o311, report, rich_service):
    form = {
        **report,
        "service_code": rich_service,
        "attribute[kind]": "grate",
        "attribute[hazards][]": ["car", "child"],
        "attribute[width]": "2.5",
        "media_url": ["https://img.example.org/1.jpg", "https://img.example.org/2.jpg"],
    }
    response, body = o311().post("requests", form)
    assert response.status_code == 201, body
    submission = Submission.objects.get(case__number=body[0]["service_request_id"])
    assert submission.attributes == {"kind": "grate", "hazards": ["car", "child"], "width": "2.5"}
    assert submission.media_urls == ["https://img.example.org/1.jpg", "https://img.example.org/2.jpg"]
    assert "哪一种？: 雨水篦子" in submission.case.description
    assert "有哪些危险？: 车辆、儿童" in submission.case.description


def test_a_standard_address_places_a_request_without_coordinates(o311, report, spot):
    from gridgov.registry.models import Address

    address = Address.objects.create(
        level="building",
        name="3号楼",
        full_text="测试小区3号楼",
        lon=spot["lon"],
        lat=spot["lat"],
        grid=Grid.objects.get(code=spot["grid"], valid_to__isnull=True),
        collected_at=timezone.now(),
    )
    del report["lat"], report["long"]
    for place in ({"address_id": str(address.pk)}, {"address_string": "测试小区3号楼"}):
        response, body = o311().post("requests", {**report, **place, "device_id": ""})
        assert response.status_code == 201, body
        case = Case.objects.get(number=body[0]["service_request_id"])
        assert (case.grid.code, case.address) == (spot["grid"], "测试小区3号楼")


# (what to change in the valid form, the status) — every refusal writes nothing
ERRORS = [
    (lambda f, k: f.pop("api_key") and {}, 403),
    (lambda f, k: {"api_key": "not-a-key"}, 403),
    (lambda f, k: {"api_key": ""}, 403),
    (None, 403),  # the key switched off
    (lambda f, k: {"service_code": "NO-SUCH"}, 404),
    (lambda f, k: f.pop("service_code") and {}, 400),
    (lambda f, k: {"lat": "north"}, 400),
    (lambda f, k: {"lat": "91"}, 400),
    (lambda f, k: {"long": "nan"}, 400),
    (lambda f, k: f.pop("long") and {}, 400),
    (lambda f, k: {"lat": "", "long": ""}, 400),
    (lambda f, k: {"lat": "0", "long": "0"}, 400),
    (lambda f, k: {"address_string": "火星大道1号", "lat": "", "long": ""}, 400),
    (lambda f, k: {"address_id": "999999999", "lat": "", "long": ""}, 400),
    (lambda f, k: {"media_url": "ftp://example.org/x.jpg"}, 400),
    (lambda f, k: {"media_url": [f"https://example.org/{i}.jpg" for i in range(10)]}, 400),
    (lambda f, k: {"email": "not an address"}, 400),
    (lambda f, k: {"description": "长" * 4001}, 400),
    (lambda f, k: {"crs": "bd09"}, 400),
    (lambda f, k: {"attribute[colour]": "red"}, 400),
]


@pytest.mark.parametrize(("change", "status"), ERRORS)
@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_every_refusal_answers_in_the_specs_shape_and_writes_nothing(o311, report, change, status, fmt):
    form = dict(report)
    if change is None:
        set_key_active(key_id=ApiKey.objects.get().pk, active=False)
    else:
        form.update(change(form, report["api_key"]))
    before = Case.objects.count()
    response, body = o311(fmt).post("requests", form)
    assert response.status_code == status, response.content
    if fmt == "json":
        assert problems("errors", body) == []
        assert body[0]["code"] == status
    else:
        assert body.tag == "errors"
        assert body.findtext("error/code") == str(status)
        assert body.findtext("error/description")
    assert Case.objects.count() == before


RICH_ERRORS = [
    {},  # the required attribute missing
    {"attribute[kind]": "hole"},  # not one of the list
    {"attribute[kind]": ["cover", "grate"]},  # one value expected
    {"attribute[kind]": "cover", "attribute[hazards][]": ["car", "fire"]},
    {"attribute[kind]": "cover", "attribute[width]": "wide"},
    {"attribute[kind]": "cover", "attribute[depth]": "3"},
]


@pytest.mark.parametrize("attributes", RICH_ERRORS)
def test_attributes_that_break_the_definition_are_400(o311, report, rich_service, attributes):
    before = Case.objects.count()
    response, body = o311().post("requests", {**report, "service_code": rich_service, **attributes})
    assert response.status_code == 400, body
    assert problems("errors", body) == []
    assert Case.objects.count() == before


def test_a_retry_with_the_same_device_and_body_gets_the_first_case(o311, report):
    first, body1 = o311().post("requests", report)
    again, body2 = o311().post("requests", report)
    assert (first.status_code, again.status_code) == (201, 200)
    assert body1 == body2
    other, body3 = o311().post("requests", {**report, "description": "另一处路灯也坏了"})
    assert other.status_code == 201 and body3[0]["service_request_id"] != body1[0]["service_request_id"]
    assert Submission.objects.count() == 2


def test_a_retry_across_a_slot_end_is_still_a_retry_and_much_later_is_a_new_report(o311, report):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        _, first = o311().post("requests", report)
    with time_machine.travel(start + RETRY_WINDOW * 0.99, tick=False):
        assert o311().post("requests", report)[1] == first
    with time_machine.travel(start + RETRY_WINDOW * 2.5, tick=False):
        response, later = o311().post("requests", report)
    assert response.status_code == 201
    assert later[0]["service_request_id"] != first[0]["service_request_id"]


def test_without_a_device_id_each_post_is_a_report(o311, report):
    report.pop("device_id")
    numbers = {o311().post("requests", report)[1][0]["service_request_id"] for _ in range(2)}
    assert len(numbers) == 2


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_token_leads_to_its_request_and_an_unknown_one_is_404(o311, report, fmt):
    _, body = o311().post("requests", report)
    response, answer = o311(fmt).get(f"tokens/{body[0]['token']}")
    assert response.status_code == 200
    if fmt == "json":
        assert problems("post_response", answer) == []
        assert answer == [{"service_request_id": body[0]["service_request_id"], "token": body[0]["token"]}]
    else:
        assert answer.tag == "service_requests"
        assert answer.findtext("request/service_request_id") == body[0]["service_request_id"]
    assert o311(fmt).get("tokens/0000")[0].status_code == 404


def test_a_missing_key_is_403_even_when_the_rest_is_wrong(o311, report):
    response, body = o311().post("requests", {"service_code": "NO-SUCH"})
    assert response.status_code == 403
    assert body[0]["code"] == 403


def test_every_endpoint_answers_well_formed_xml_without_a_namespace(client, report, rich_service):
    from xml.etree import ElementTree as ET

    posted = client.post("/open311/v2/requests.xml", report)
    root = ET.fromstring(posted.content)
    number, token = root.findtext("request/service_request_id"), root.findtext("request/token")
    expected = {
        "discovery": "discovery",
        "services": "services",
        f"services/{rich_service}": "service_definition",
        f"service/{rich_service}": "service_definition",
        "requests": "service_requests",
        f"requests/{number}": "service_requests",
        f"tokens/{token}": "service_requests",
        "services/NO-SUCH": "errors",
        "requests/1": "errors",
        "tokens/nothing": "errors",
    }
    for path, name in expected.items():
        response = client.get(f"/open311/v2/{path}.xml", {"extensions": "true"} if path == "requests" else {})
        assert response["Content-Type"] == "text/xml; charset=utf-8", path
        assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>'), path
        parsed = ET.fromstring(response.content)  # raises on anything not well-formed
        assert parsed.tag == name, path
        assert not any(e.tag.startswith("{") for e in parsed.iter()), path  # no namespace anywhere
        item = {"services": "service", "service_requests": "request", "errors": "error"}.get(name)
        if item:
            assert {child.tag for child in parsed} == {item}, path


def test_the_email_is_erased_with_the_cases_contact_data_after_the_retention_period(o311, report):
    from gridgov.cases.retention import erase_expired_contacts, retention_days
    from gridgov.open311.retention import erase_expired_emails

    _, body = o311().post("requests", report)
    number = body[0]["service_request_id"]
    later = timezone.now() + timedelta(days=retention_days() + 1)
    assert erase_expired_emails(now=later) == 0  # still open: kept
    Case.objects.filter(number=number).update(status="closed", closed_at=timezone.now())
    assert erase_expired_emails(now=timezone.now()) == 0  # finished, not yet long enough
    erase_expired_contacts(now=later)
    assert erase_expired_emails(now=later) == 1
    assert Submission.objects.get(case__number=number).email == ""
    assert Case.objects.get(number=number).reporter_phone == ""
    assert erase_expired_emails(now=later) == 0
    from gridgov.core.tasks import periodic_tasks

    assert "gridgov.open311.erase_expired_emails" in periodic_tasks()
