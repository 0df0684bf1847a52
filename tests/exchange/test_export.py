"""`gridgov cases export`: cases as work orders in the import's shape, with results and replies; personal data
masked; every export audited; an export imports again as duplicates only (exchange.files.exporting)."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from io import StringIO

import openpyxl
import pytest
from django.core.management import call_command
from django.utils import timezone

from gridgov.cases.models import Case
from gridgov.cases.services.intake import report_case
from gridgov.core.models import AuditEvent
from gridgov.exchange.files import export_cases, import_orders
from gridgov.exchange.models import WorkOrder
from gridgov.people.actors import Actor
from tests.exchange.test_import import GRID, HEADERS, inside, write_csv

SYSTEM = "test-export"
DAY = date(2024, 5, 1)  # the imported orders' day: the window holds them and no demo case


@pytest.fixture
def actor():
    return Actor.system("test export")


@pytest.fixture
def imported(tmp_path, actor, demo_city):
    lon, lat = inside(GRID)
    rows = [
        [
            "E-1",
            "2024-05-01 09:30",
            "张三丰",
            "13812345678",
            "碧沙岗公园东门",
            "",
            lon,
            lat,
            "",
            "路灯不亮",
            "打13912345678找我",
            "",
        ],
        ["E-2", "2024-05-01 11:00", "", "", "中原区建设路街道", "", "", "", "", "占道经营", "", ""],
    ]
    report = import_orders(actor=actor, path=write_csv(tmp_path / "in.csv", rows), system=SYSTEM)
    assert report["created"] == 2
    case = WorkOrder.objects.get(system=SYSTEM, number="E-1").case
    Case.objects.filter(pk=case.pk).update(
        result="已修复", reply="路灯已修好，电话13812345678", satisfaction="satisfied"
    )
    return case


def read_csv(path):
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.DictReader(f))


def test_export_has_the_import_columns_results_and_masked_personal_data(tmp_path, actor, imported):
    path = tmp_path / "out.csv"
    assert export_cases(actor=actor, path=path, since=DAY, until=DAY) == 2
    rows = {r["工单编号"]: r for r in read_csv(path)}
    assert set(rows) == {"E-1", "E-2"}
    row = rows["E-1"]
    assert set(HEADERS) <= set(row) and {"状态", "办结时间", "处理结果", "答复内容", "满意度"} <= set(row)
    assert row["案件编号"] == imported.number and row["网格编码"] == GRID
    assert row["联系电话"] == "138****5678" and row["来电人"] == "张**"
    text = path.read_text(encoding="utf-8-sig")
    assert "13812345678" not in text and "13912345678" not in text and "张三丰" not in text
    assert row["处理结果"] == "已修复" and row["满意度"] == "满意" and "138****5678" in row["答复内容"]
    assert row["受理时间"] == "2024-05-01 09:30:00"
    audit = AuditEvent.objects.filter(action="cases.export").order_by("-pk").first()
    assert audit is not None and audit.data["count"] == 2 and audit.object_id == "out.csv"


def test_export_then_import_is_all_duplicates(tmp_path, actor, imported):
    for name in ("again.csv", "again.xlsx"):
        path = tmp_path / name
        export_cases(actor=actor, path=path, since=DAY, until=DAY)
        before = Case.objects.count(), WorkOrder.objects.count()
        report = import_orders(actor=actor, path=path, system=SYSTEM)
        assert (report["errors"], report["created"], report["duplicates"]) == ([], 0, 2)
        assert (Case.objects.count(), WorkOrder.objects.count()) == before
    # a case that came in without a work order goes out under its case number, and is ours on the way back
    lon, lat = inside(GRID)
    at = timezone.make_aware(datetime(2024, 6, 1, 10))
    report_case(actor=actor, title="楼道堆物", lon=lon, lat=lat, channel="import", at=at)
    path = tmp_path / "own.csv"
    assert export_cases(actor=actor, path=path, since=at.date(), until=at.date()) == 1
    report = import_orders(actor=actor, path=path, system="elsewhere", skip_unplaced=True)
    assert (report["errors"], report["created"], report["duplicates"]) == ([], 0, 1)


def test_xlsx_export_keeps_text_as_text(tmp_path, actor, imported):
    Case.objects.filter(pk=imported.pk).update(title="=HYPERLINK(1)")
    path = tmp_path / "out.xlsx"
    assert export_cases(actor=actor, path=path, since=DAY, until=DAY) == 2
    sheet = openpyxl.load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    titles = {r[header.index("工单编号")]: r[header.index("标题")] for r in rows[1:]}
    assert titles["E-1"] == "'=HYPERLINK(1)"  # a formula-like title stays text (sheet_value)


def test_filters_by_day_and_region(tmp_path, actor, imported):
    path = tmp_path / "r.csv"
    assert export_cases(actor=actor, path=path, since=DAY, until=DAY, region="410102001") == 1
    assert [r["工单编号"] for r in read_csv(path)] == ["E-1"]
    assert export_cases(actor=actor, path=path, since=date(2024, 5, 2), until=date(2024, 5, 3)) == 0


def test_a_staff_member_exports_only_the_cases_they_may_read(tmp_path, imported):
    leader = Actor(user=None, posts=(("leader", "410102002"),), label="建设路街道")
    path = tmp_path / "scoped.csv"
    assert export_cases(actor=leader, path=path, since=DAY, until=DAY) == 1
    assert [r["工单编号"] for r in read_csv(path)] == ["E-2"]


def test_command_export_json(tmp_path, imported):
    out = StringIO()
    path = tmp_path / "cmd.csv"
    call_command("cases", "export", str(path), "--since", "2024-05-01", "--until", "2024-05-01", "--json", stdout=out)
    assert json.loads(out.getvalue())["exported"] == 2 and len(read_csv(path)) == 2


def test_another_installations_case_number_is_not_a_duplicate(tmp_path, actor, imported):
    """Case numbers are per installation: a file whose 案件编号 is one of ours for another matter is imported."""
    path = tmp_path / "out.csv"
    export_cases(actor=actor, path=path, since=DAY, until=DAY)
    rows = read_csv(path)
    for row in rows:
        row["工单编号"] = "X" + row["工单编号"]
        row["标题"] = "另一平台的" + row["标题"]
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    report = import_orders(actor=actor, path=path, system="elsewhere")
    assert (report["errors"], report["created"], report["duplicates"]) == ([], 2, 0)
