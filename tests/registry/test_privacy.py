"""Residents' personal data: encrypted at rest, masked in every answer, revealed only with role, scope and a
reason, and every reveal in the auditors' log."""

from django.db import connection

from gridgov.core.models import AuditEvent
from gridgov.grids.models import Grid
from gridgov.registry.models import AccessLog, Resident
from tests.registry.conftest import ID_NUMBER, NAME, PHONE, SYSTEM

MASKED_ID, MASKED_PHONE = "110101********1239", "138****5678"


def _plain_in(text: str) -> bool:
    return ID_NUMBER in text or PHONE in text


def test_the_columns_hold_no_plaintext_and_the_model_reads_it(resident):
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, id_number, phone, id_masked FROM registry_resident WHERE id = %s", [resident.pk])
        name, id_number, phone, id_masked = cursor.fetchone()
    assert name.startswith("v1:") and id_number.startswith("v1:") and phone.startswith("v1:")
    assert NAME not in name and ID_NUMBER not in id_number and PHONE not in phone and PHONE[-4:] not in phone
    assert id_masked == MASKED_ID
    again = Resident.objects.get(pk=resident.pk)
    assert (again.name, again.id_number, again.phone) == (NAME, ID_NUMBER, PHONE)


def test_lists_and_the_detail_are_masked_and_search_matches_exactly(resident, api, spot):
    worker = api(f"worker-{spot['grid']}")
    listed = worker.get("/registry/residents")
    assert listed.status_code == 200, listed.content
    item = next(i for i in listed.json()["items"] if i["id"] == resident.pk)
    assert (item["id_number"], item["phone"], item["tags"]) == (MASKED_ID, MASKED_PHONE, ["独居老人"])
    assert not _plain_in(listed.content.decode())
    found = worker.get("/registry/residents", {"id_number": ID_NUMBER.lower()}).json()
    assert [i["id"] for i in found["items"]] == [resident.pk]
    search = AuditEvent.objects.filter(action="personal_data.search").latest("id")  # a search is logged
    assert search.data["found"] == [resident.pk] and search.data["fields"] == ["id_number"]
    assert not _plain_in(str(search.data))
    assert worker.get("/registry/residents", {"phone": "138 1234 5670"}).json()["count"] == 0
    assert worker.get("/registry/residents", {"phone": "12"}).status_code == 400
    detail = worker.get(f"/registry/residents/{resident.pk}")
    assert (
        detail.status_code == 200 and detail.json()["phone"] == MASKED_PHONE and not _plain_in(detail.content.decode())
    )
    paths = worker.get("/openapi.json").json()["paths"]
    assert "/api/v1/registry/residents/{resident_id}/reveal" in paths and "/api/v1/registry/due" in paths
    households = worker.get("/registry/households").json()
    assert any(h["address"] == "测试花园3号楼2单元501" for h in households["items"])


def _stranger_grid(spot) -> str:
    return (
        Grid.objects.filter(level=3, valid_to__isnull=True)
        .exclude(code__startswith=spot["community"])
        .values_list("code", flat=True)
        .first()
    )


def test_reveal_needs_the_role_the_scope_and_a_reason_and_is_logged(resident, api, spot):
    path = f"/registry/residents/{resident.pk}/reveal"
    body = {"field": "id_number", "reason": "核实低保申请人身份"}
    before = AuditEvent.objects.filter(action="personal_data.read", object_type="resident").count()

    worker = api(f"worker-{spot['grid']}")
    shown = worker.post(path, body)
    assert shown.status_code == 200, shown.content
    assert shown.json()["value"] == ID_NUMBER
    assert worker.post(path, {"field": "phone", "reason": "电话回访"}).json()["value"] == PHONE
    assert worker.post(path, {"field": "id_number", "reason": ""}).status_code == 400

    assert api(f"leader-{spot['community']}").post(path, body).status_code == 200  # the grid's leader above
    assert api("auditor").post(path, body).status_code == 403  # sees the record, may not reveal
    assert api("dispatcher").post(path, body).status_code == 403
    stranger = api(f"worker-{_stranger_grid(spot)}")
    assert stranger.post(path, body).status_code == 404  # outside their grids: no such resident
    assert stranger.get(f"/registry/residents/{resident.pk}").status_code == 404

    log = list(AccessLog.objects.filter(resident=resident).order_by("id"))
    assert [(e.user.username, e.field, e.reason) for e in log] == [
        (f"worker-{spot['grid']}", "id_number", "核实低保申请人身份"),
        (f"worker-{spot['grid']}", "phone", "电话回访"),
        (f"leader-{spot['community']}", "id_number", "核实低保申请人身份"),
    ]
    assert all(e.grid_code == spot["grid"] and e.audit_event_id for e in log)
    events = AuditEvent.objects.filter(action="personal_data.read", object_type="resident")
    assert events.count() == before + 3
    assert not any(_plain_in(str(e.data)) for e in events)


def test_only_auditors_read_the_access_log_and_never_the_values(resident, api, spot):
    api(f"worker-{spot['grid']}").post(
        f"/registry/residents/{resident.pk}/reveal", {"field": "phone", "reason": "联系家属"}
    )
    answer = api("auditor").get("/registry/access-log")
    assert answer.status_code == 200, answer.content
    entry = answer.json()["items"][0]
    assert (entry["user"], entry["resident"], entry["field"], entry["reason"]) == (
        f"worker-{spot['grid']}",
        resident.pk,
        "phone",
        "联系家属",
    )
    assert (
        entry["resident_name"] == "张**"
        and not _plain_in(answer.content.decode())
        and NAME not in answer.content.decode()
    )
    assert api(f"worker-{spot['grid']}").get("/registry/access-log").status_code == 403
    assert api("admin").get("/registry/access-log").status_code == 403


def test_the_admin_never_shows_plaintext(resident, client, account):
    from gridgov.registry.services import record_organisation

    shop = record_organisation(
        actor=SYSTEM, kind="shop", name="便民店", address=resident.household.address, contact_phone=PHONE
    )
    client.force_login(account("admin"))
    pages = [
        "/admin/registry/organisation/",
        f"/admin/registry/organisation/{shop.pk}/change/",
        "/admin/registry/resident/",
        f"/admin/registry/resident/{resident.pk}/change/",
        "/admin/registry/resident/export/csv/",
        "/admin/registry/resident/export/xlsx/",
    ]
    for page in pages:
        answer = client.get(page)
        assert answer.status_code == 200, page
        content = answer.content if page.endswith("xlsx/") else answer.content.decode()
        if page.endswith("xlsx/"):
            import io

            import openpyxl

            sheet = openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]
            content = " ".join(str(c) for row in sheet.iter_rows(values_only=True) for c in row)
        assert MASKED_PHONE in content, page
        assert ID_NUMBER not in content and PHONE not in content and NAME not in content, page


def test_the_auditors_page_lists_reveals_and_refuses_others(resident, api, spot, client, account):
    api(f"worker-{spot['grid']}").post(
        f"/registry/residents/{resident.pk}/reveal", {"field": "id_number", "reason": "核实身份信息"}
    )
    client.force_login(account("auditor"))
    page = client.get("/registry/access-log/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "居民个人信息查询记录" in text and "核实身份信息" in text and f"worker-{spot['grid']}" in text
    assert "张**" in text and not _plain_in(text) and NAME not in text
    client.force_login(account(f"worker-{spot['grid']}"))
    assert client.get("/registry/access-log/").status_code == 403


def test_admin_edits_a_tags_cadence_through_the_service(demo_city, client, account):
    from gridgov.registry.models import Tag

    client.force_login(account("admin"))
    tag = Tag.objects.get(code="living_alone")
    data = {"code": tag.code, "name": tag.name, "visit_every_days": "3", "active": "on"}
    assert client.post(f"/admin/registry/tag/{tag.pk}/change/", data).status_code == 302
    tag.refresh_from_db()
    assert tag.visit_every_days == 3
    assert AuditEvent.objects.filter(action="registry.tag.update", object_id=str(tag.pk)).exists()
    data["visit_every_days"] = "0"
    assert client.post(f"/admin/registry/tag/{tag.pk}/change/", data).status_code == 200  # refused, shown
    tag.refresh_from_db()
    assert tag.visit_every_days == 3
