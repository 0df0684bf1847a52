"""The community's household table imported from Excel: row-level errors and all rows or none."""

import io

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from gridgov.core.rows import RowErrors
from gridgov.grids.models import Grid
from gridgov.people.actors import Actor
from gridgov.registry import imports
from gridgov.registry.models import Address, Household, Resident
from tests.registry.conftest import SYSTEM, valid_id

HEADERS = ["小区", "楼栋", "单元", "户号", "姓名", "身份证号", "联系电话", "标签", "网格"]


def workbook(rows) -> bytes:
    """A sample of the table communities keep, built here (no binary in the repository)."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def good_rows(grid: str):
    return [
        [
            "幸福里",
            "1号楼",
            "1单元",
            "101",
            "李四",
            valid_id("41010219500101002"),
            "13900001111",
            "独居老人、高龄",
            grid,
        ],
        ["幸福里", "1号楼", "1单元", "101", "李小四", valid_id("41010220150101003"), "", "留守儿童", grid],
        ["幸福里", "2号楼", "", "202", "王五", "", "0371-66881234", "", grid],
    ]


def test_a_good_file_creates_addresses_households_and_residents(demo_city, spot):
    rows = imports.read_file(workbook(good_rows(spot["grid"])), "社区台账.xlsx")
    counts = imports.import_residents(rows=rows, actor=SYSTEM, source="test")
    assert counts == {"created": 3, "updated": 0, "unchanged": 0, "households": 2}
    first = Household.objects.get(address__full_text="幸福里1号楼1单元101")
    assert first.grid.code == spot["grid"] and first.size == 2
    assert Household.objects.get(address__full_text="幸福里2号楼202").address.parent.level == "building"
    li = Resident.objects.get(household=first, name_masked="李*")
    assert sorted(t.name for t in li.tags.all()) == ["独居老人", "高龄"]
    # the same file again updates the people it knows by ID number and adds the one without
    again = imports.import_residents(rows=rows, actor=SYSTEM, source="test")
    assert (again["created"], again["updated"], again["households"]) == (1, 2, 0)


def test_row_errors_are_listed_and_nothing_is_written(demo_city, spot):
    good = good_rows(spot["grid"])
    bad_id = valid_id("41010219500101005")[:-1] + ("0" if valid_id("41010219500101005")[-1] != "0" else "1")
    rows = [
        *good,
        ["幸福里", "3号楼", "", "301", "赵六", bad_id, "", "", spot["grid"]],  # row 5: check digit
        ["幸福里", "3号楼", "", "302", "钱七", "", "1380000", "", spot["grid"]],  # row 6: phone
        ["新小区", "1号楼", "", "101", "孙八", "", "", "", "999999"],  # row 7: unknown grid
        ["无名小区", "1号楼", "", "101", "周九", "", "", "", ""],  # row 8: unknown address, no way to place it
        ["幸福里", "3号楼", "", "303", "吴十", "", "", "外星人", spot["grid"]],  # row 9: unknown tag
        ["幸福里", "3号楼", "", "304", "", "", "", "", spot["grid"]],  # row 10: no name
        ["幸福里", "1号楼", "1单元", "102", "郑一", good[0][5], "", "", spot["grid"]],  # row 11: repeated ID
    ]
    with pytest.raises(RowErrors) as caught:
        imports.import_residents(rows=imports.read_file(workbook(rows), "台账.xlsx"), actor=SYSTEM)
    by_row = {e.row: e for e in caught.value.errors}
    assert sorted(by_row) == [5, 6, 7, 8, 9, 10, 11]
    assert "校验码" in by_row[5].message and "电话号码" in by_row[6].message
    assert "999999" in by_row[7].message and "无名小区" in by_row[8].message and "外星人" in by_row[9].message
    assert by_row[10].code == "name" and "第 2 行" in by_row[11].message
    assert not Address.objects.filter(name="幸福里").exists()  # the good rows were rolled back too
    assert not Resident.objects.filter(name_masked__in=["李*", "王*"]).exists()


def test_a_worker_imports_into_their_own_grid_only(demo_city, spot, account):
    rows = imports.read_file(workbook(good_rows(spot["grid"])), "t.xlsx")
    other_grid = (
        Grid.objects.filter(level=3, valid_to__isnull=True).exclude(code__startswith=spot["community"]).first().code
    )
    stranger = Actor.of(account(f"worker-{other_grid}"))
    with pytest.raises(RowErrors) as caught:
        imports.import_residents(rows=rows, actor=stranger)
    assert len(caught.value.errors) == 3 and not Address.objects.filter(name="幸福里").exists()
    mine = Actor.of(account(f"worker-{spot['grid']}"))
    assert imports.import_residents(rows=rows, actor=mine)["created"] == 3


def test_the_command_checks_and_imports(demo_city, spot, tmp_path, capsys):
    path = tmp_path / "台账.xlsx"
    path.write_bytes(workbook(good_rows(spot["grid"])))
    call_command("registry", "import", str(path), "--check")
    assert not Resident.objects.filter(name_masked="王*").exists()
    call_command("registry", "import", str(path))
    assert Resident.objects.filter(name_masked="王*").count() == 1
    assert '"created": 3' in capsys.readouterr().out.splitlines()[-1]  # the check wrote nothing
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(workbook([["幸福里", "1号楼", "", "9", "X", "123", "", "", spot["grid"]]]))
    with pytest.raises(CommandError):
        call_command("registry", "import", str(bad))


def test_the_admin_import_page_writes_through_the_service(demo_city, spot, client, account):
    client.force_login(account("admin"))
    upload = io.BytesIO(workbook(good_rows(spot["grid"])))
    upload.name = "台账.xlsx"
    answer = client.post("/admin/registry/resident/import/", {"file": upload})
    assert answer.status_code == 302, answer.content.decode()[-2000:]
    assert Resident.objects.filter(active=True, household__address__full_text__startswith="幸福里").count() == 3


def test_an_import_writes_one_audit_event_naming_what_it_wrote(demo_city, spot):
    from gridgov.core.models import AuditEvent

    before = AuditEvent.objects.count()
    imports.import_residents(rows=imports.read_file(workbook(good_rows(spot["grid"])), "t.xlsx"), actor=SYSTEM)
    events = list(AuditEvent.objects.order_by("id")[before:])
    assert [e.action for e in events] == ["registry.import"]
    assert len(events[0].data["residents"]) == 3 and events[0].data["created"] == 3
