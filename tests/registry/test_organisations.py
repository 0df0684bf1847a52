"""Organisations (实有单位): the credit code's check, the community's table imported (row-level errors, all rows
or none), and the lists of organisations, buildings and addresses over the API, masked and scoped."""

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from gridgov.core.errors import BadInput
from gridgov.core.models import AuditEvent
from gridgov.core.rows import RowErrors
from gridgov.grids.models import Grid
from gridgov.registry import organisation_imports, services
from gridgov.registry.models import Organisation
from gridgov.registry.uscc import ALPHABET, check_char, normalise_credit_code
from tests.registry.conftest import SYSTEM

# the published example of GB 32100 codes (python-stdnum's stdnum.cn.uscc uses it too)
CODE = "91110000600037341L"
HEADERS = ["单位名称", "类型", "统一社会信用代码", "地址", "负责人", "联系电话", "网格", "经度", "纬度"]


def code(first17: str) -> str:
    return first17 + check_char(first17)


def test_the_credit_code_check_catches_every_single_mistyped_character():
    assert normalise_credit_code(" 9111 0000-6000 3734 1l ") == CODE
    assert normalise_credit_code("") == ""
    for place in range(18):
        for char in ALPHABET:
            typo = CODE[:place] + char + CODE[place + 1 :]
            if typo != CODE:
                with pytest.raises(BadInput):
                    normalise_credit_code(typo)
    for bad in ("91110000600037341", "9111000060003734IL", "91ABCDEF600037341L"):  # short, I, letters in the region
        with pytest.raises(BadInput, match="18"):
            normalise_credit_code(bad)


def workbook(rows) -> bytes:
    book = openpyxl.Workbook()
    book.active.append(HEADERS)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def good_rows(household, spot):
    building = household.address.parent.parent.full_text  # 测试花园3号楼
    return [
        ["便民超市", "商铺", CODE, building, "王小二", "13912345678", "", "", ""],  # placed by its address text
        ["测试花园幼儿园", "幼儿园", "", "测试花园南门8号", "李园长", "0371-66881234", "", "", ""],  # by its 小区
        ["远方公司", "企业", code("91410102MA1234567"), "别处", "", "", "", spot["lon"], spot["lat"]],  # by point
    ]


def test_a_good_file_places_every_organisation_and_a_second_run_updates(household, spot):
    rows = organisation_imports.read_file(workbook(good_rows(household, spot)), "单位台账.xlsx")
    before = AuditEvent.objects.count()
    assert organisation_imports.import_organisations(rows=rows, actor=SYSTEM) == {"created": 3, "updated": 0}
    shop = Organisation.objects.get(name="便民超市")
    assert shop.kind == "shop" and shop.credit_code == CODE and shop.grid.code == spot["grid"]
    assert shop.address == household.address.parent.parent and shop.contact_phone_masked == "139****5678"
    school = Organisation.objects.get(name="测试花园幼儿园")
    assert school.kind == "school" and school.address.name == "测试花园" and school.address_text == "测试花园南门8号"
    assert Organisation.objects.get(name="远方公司").grid.code == spot["grid"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact_phone FROM registry_organisation WHERE id = %s", [shop.pk])
        assert cursor.fetchone()[0].startswith("v1:")  # encrypted at rest
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [e.action for e in events] == ["registry.import"] and len(events[0].data["organisations"]) == 3
    again = organisation_imports.import_organisations(rows=rows, actor=SYSTEM)
    assert again == {"created": 0, "updated": 3} and Organisation.objects.count() == 3


def test_row_errors_are_listed_and_nothing_is_written(household, spot):
    bad_code = CODE[:-1] + ("K" if CODE[-1] != "K" else "M")
    rows = [
        *good_rows(household, spot),
        ["坏码店", "商铺", bad_code, "测试花园", "", "", "", "", ""],  # row 5: check character
        ["怪店", "飞船", "", "测试花园", "", "", "", "", ""],  # row 6: unknown kind
        ["无处店", "商铺", "", "没有这个小区1号", "", "", "", "", ""],  # row 7: cannot be placed
        ["错电话店", "商铺", "", "测试花园", "", "1380000", "", "", ""],  # row 8: phone
        ["", "商铺", "", "测试花园", "", "", "", "", ""],  # row 9: no name
        ["重复店", "商铺", CODE, "测试花园", "", "", "", "", ""],  # row 10: the same code as row 2
        ["海上店", "商铺", "", "", "", "", "", 150.0, 10.0],  # row 11: a point outside every grid
    ]
    with pytest.raises(RowErrors) as caught:
        organisation_imports.import_organisations(
            rows=organisation_imports.read_file(workbook(rows), "t.xlsx"), actor=SYSTEM
        )
    by_row = {e.row: e for e in caught.value.errors}
    assert sorted(by_row) == [5, 6, 7, 8, 9, 10, 11]
    assert "校验" in by_row[5].message and "飞船" in by_row[6].message and "没有这个小区1号" in by_row[7].message
    assert "电话号码" in by_row[8].message and by_row[9].code == "name" and "第 2 行" in by_row[10].message
    assert "网格" in by_row[11].message
    assert not Organisation.objects.exists()  # the good rows were rolled back too


def test_a_worker_imports_organisations_of_their_own_grid_only(household, spot, account):
    from gridgov.people.actors import Actor

    rows = organisation_imports.read_file(workbook(good_rows(household, spot)), "t.xlsx")
    other = Grid.objects.filter(level=3, valid_to__isnull=True).exclude(code__startswith=spot["community"]).first()
    with pytest.raises(RowErrors) as caught:
        organisation_imports.import_organisations(rows=rows, actor=Actor.of(account(f"worker-{other.code}")))
    assert len(caught.value.errors) == 3 and not Organisation.objects.exists()


def test_the_command_imports_organisations_with_kind(household, spot, tmp_path, capsys):
    path = tmp_path / "单位.xlsx"
    path.write_bytes(workbook(good_rows(household, spot)))
    with pytest.raises(CommandError):  # the residents' form is the default: these headers are not its own
        call_command("registry", "import", str(path))
    call_command("registry", "import", str(path), "--kind", "organisations", "--check")
    assert not Organisation.objects.exists()
    call_command("registry", "import", str(path), "--kind", "organisations")
    assert Organisation.objects.count() == 3
    assert '"created": 3' in capsys.readouterr().out.splitlines()[-1]


def test_the_lists_are_scoped_filtered_paginated_and_masked(household, spot, api):
    organisation_imports.import_organisations(
        rows=organisation_imports.read_file(workbook(good_rows(household, spot)), "t.xlsx"), actor=SYSTEM
    )
    services.record_building(actor=SYSTEM, address=household.address.parent.parent, floors=6)
    worker = api(f"worker-{spot['grid']}")
    listed = worker.get("/registry/organisations", {"limit": 2})
    assert listed.status_code == 200, listed.content
    body = listed.json()
    assert body["count"] == 3 and len(body["items"]) == 2
    assert "13912345678" not in listed.content.decode() and "王小二" not in listed.content.decode()
    shop = worker.get("/registry/organisations", {"text": "超市"}).json()["items"]
    assert [(o["name"], o["contact_name"], o["contact_phone"]) for o in shop] == [("便民超市", "王**", "139****5678")]
    assert worker.get("/registry/organisations", {"text": CODE.lower()}).json()["count"] == 1
    assert worker.get("/registry/organisations", {"kind": "school"}).json()["count"] == 1
    assert worker.get("/registry/organisations", {"kind": "spaceship"}).status_code == 422
    buildings = worker.get("/registry/buildings", {"grid": spot["grid"]}).json()
    assert [(b["address"], b["floors"]) for b in buildings["items"]] == [("测试花园3号楼", 6)]
    addresses = worker.get("/registry/addresses", {"text": "测试花园3号楼", "level": "dwelling"}).json()
    assert [a["address"] for a in addresses["items"]] == ["测试花园3号楼2单元501"]
    assert worker.get("/registry/addresses", {"offset": 1, "limit": 1}).json()["count"] == 4
    stranger = next(
        g.code for g in Grid.objects.filter(level=3, valid_to__isnull=True).exclude(code__startswith=spot["community"])
    )
    outsider = api(f"worker-{stranger}")
    for path in ("/registry/organisations", "/registry/buildings", "/registry/addresses"):
        assert outsider.get(path).json()["count"] == 0, path
        assert api().get(path).status_code == 401


def test_a_credit_code_collected_later_updates_the_organisation_known_by_name(household, spot):
    first = [["修鞋铺", "个体户", "", "测试花园", "", "", "", "", ""]]
    organisation_imports.import_organisations(
        rows=organisation_imports.read_file(workbook(first), "a.xlsx"), actor=SYSTEM
    )
    later = [["修鞋铺", "个体户", CODE, "测试花园", "", "", "", "", ""]]
    counts = organisation_imports.import_organisations(
        rows=organisation_imports.read_file(workbook(later), "b.xlsx"), actor=SYSTEM
    )
    assert counts == {"created": 0, "updated": 1}
    assert list(Organisation.objects.values_list("name", "credit_code")) == [("修鞋铺", CODE)]
