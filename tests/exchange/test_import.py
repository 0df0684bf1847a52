"""`gridgov cases import`: work orders from CSV or Excel into cases — placed by coordinates (WGS-84 or GCJ-02)
or by address text, deduplicated by work-order number, all rows or none (exchange.files, exchange.orders)."""

from __future__ import annotations

import csv
import json
from io import StringIO

import numpy as np
import openpyxl
import pytest
import shapely
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from gridgov.cases.models import Case
from gridgov.core.errors import BadInput
from gridgov.core.geo import wgs84_to_gcj02
from gridgov.exchange import orders
from gridgov.exchange.files import import_orders, importing
from gridgov.exchange.models import WorkOrder
from gridgov.grids.models import Grid
from gridgov.grids.selectors import current_geometries
from gridgov.people.actors import Actor
from gridgov.registry.models import Address, AddressLevel
from gridgov.routing.models import Category

HEADERS = [
    "工单编号",
    "受理时间",
    "来电人",
    "联系电话",
    "地址",
    "所属区域",
    "经度",
    "纬度",
    "坐标系",
    "标题",
    "诉求内容",
    "分类编码",
]
GRID = "410102001002001"  # 林山寨街道 › 碧沙岗社区 › 第1网格
OTHER = "410102001002003"  # 碧沙岗社区第3网格
SYSTEM = "test-import"


def inside(code: str) -> tuple[float, float]:
    point = shapely.point_on_surface(current_geometries([code])[code])
    return point.x, point.y


def write_csv(path, rows, headers=HEADERS, encoding="utf-8-sig"):
    with path.open("w", encoding=encoding, newline="") as out:
        writer = csv.writer(out)
        writer.writerow(headers)
        writer.writerows(rows)
    return path


def write_xlsx(path, rows, headers=HEADERS):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(headers)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


@pytest.fixture
def actor():
    return Actor.system("test import")


@pytest.fixture
def good_rows(demo_city):
    lon, lat = inside(GRID)
    glon, glat = wgs84_to_gcj02(np.array([inside(OTHER)]))[0]
    leaf = Category.objects.filter(is_leaf=True, active=True).order_by("code").first()
    return [
        [
            "W-1",
            "2024-05-01 09:30",
            "张三",
            "13812345678",
            "碧沙岗公园东门",
            "中原区",
            lon,
            lat,
            "wgs84",
            "路灯不亮",
            "东门路灯三晚不亮",
            leaf.code,
        ],
        [
            "W-2",
            "2024/5/1 10:00:00",
            "",
            "",
            "",
            "",
            float(glon),
            float(glat),
            "GCJ-02",
            "井盖缺失",
            "人行道井盖缺失",
            "",
        ],
        ["W-3", "2024-05-01", "李四", "", "中原区林山寨街道碧沙岗社区第2网格楼下", "", "", "", "", "垃圾堆积", "", ""],
    ]


def counts():
    return Case.objects.count(), WorkOrder.objects.count()


def test_csv_import_places_classifies_and_records_each_order(tmp_path, actor, good_rows):
    path = write_csv(tmp_path / "orders.csv", good_rows)
    report = import_orders(actor=actor, path=path, system=SYSTEM)
    assert report["errors"] == []
    assert (report["rows"], report["created"], report["duplicates"]) == (3, 3, 0)
    assert (report["placed_by_coordinates"], report["placed_by_address"], report["unplaced"]) == (2, 1, 0)
    assert report["uncategorised"] == 2  # no classifier is configured: W-2 and W-3 wait for the platform
    work = {w.number: w for w in WorkOrder.objects.filter(system=SYSTEM).select_related("case__grid", "case__category")}
    assert set(work) == {"W-1", "W-2", "W-3"}
    first = work["W-1"].case
    assert first.grid.code == GRID and first.channel == "import"
    assert first.category is not None and first.category.code == good_rows[0][-1]
    assert first.reporter_name == "张三" and first.reporter_phone == "13812345678"  # kept, encrypted at rest
    assert "13812345678" not in json.dumps(work["W-1"].data, ensure_ascii=False)
    assert timezone.localtime(first.reported_at).strftime("%Y-%m-%d %H:%M") == "2024-05-01 09:30"
    assert work["W-2"].case.grid.code == OTHER
    assert work["W-3"].case.grid.code == "410102001002002" and work["W-3"].data["placed_by"] == "address"
    assert work["W-3"].source == "import"


def test_xlsx_import_reads_the_same_columns(tmp_path, actor, good_rows):
    path = write_xlsx(tmp_path / "orders.xlsx", good_rows)
    report = import_orders(actor=actor, path=path, system=SYSTEM)
    assert report["errors"] == [] and report["created"] == 3
    assert WorkOrder.objects.get(system=SYSTEM, number="W-1").case.grid.code == GRID


def test_gcj02_coordinates_are_converted_before_locating(tmp_path, actor, demo_city):
    lon, lat = inside(OTHER)
    glon, glat = wgs84_to_gcj02(np.array([[lon, lat]]))[0]
    assert abs(glon - lon) + abs(glat - lat) > 0.003  # the shift is hundreds of metres here
    path = write_csv(tmp_path / "gcj.csv", [["G-1", "", "", "", "", "", glon, glat, "gcj02", "占道经营", "", ""]])
    assert import_orders(actor=actor, path=path, system=SYSTEM)["created"] == 1
    case = WorkOrder.objects.get(system=SYSTEM, number="G-1").case
    assert case.grid.code == OTHER
    assert abs(case.lon - lon) < 1e-6 and abs(case.lat - lat) < 1e-6


def test_address_text_places_the_most_specific_named_grid(demo_city):
    place = orders.place_order
    street = place(orders.OrderFields(number="a", title="x", address="林山寨街道办事处门口"))
    assert (street.grid, street.how) == ("410102001", "address")
    community = place(orders.OrderFields(number="a", title="x", address="郑州市中原区林山寨街道碧沙岗社区南门"))
    assert community.grid == "410102001002"
    assert orders.place_order(orders.OrderFields(number="a", title="x", address="中原区")).grid is None
    # a short name alone (人社局, from another city's message) is no placement; beside the district it is
    assert place(orders.OrderFields(number="a", title="请求A8县人社局解决工龄问题")).grid is None
    assert place(orders.OrderFields(number="a", title="x", address="中原区碧沙岗附近")).grid == "410102001002"
    elsewhere = place(orders.OrderFields(number="a", title="x", district="仓山区", address="碧沙岗社区"))
    assert elsewhere.grid is None and "仓山区" in elsewhere.matched
    # a name as written (the village 三官庙) wins over names shortened to it (三官庙社区, 三官庙街道)
    assert place(orders.OrderFields(number="a", title="x", address="三官庙便民市场旁")).grid == "410102010213"


def test_a_registry_compound_places_below_its_community(demo_city, monkeypatch):
    grid = Grid.objects.get(code=OTHER)
    for name in ("幸福里", "和谐苑"):
        Address.objects.create(
            level=AddressLevel.COMPOUND, name=name, full_text=name, grid=grid, collected_at=timezone.now()
        )
    # 和谐苑 in a second grid too: only the community named beside it says which
    Address.objects.create(
        level=AddressLevel.COMPOUND,
        name="和谐苑",
        full_text="和谐苑",
        grid=Grid.objects.get(code="410102002001001"),
        collected_at=timezone.now(),
    )
    monkeypatch.setattr(orders, "_index", None)  # the compounds are re-read at most once a minute
    place = orders.place_order
    assert place(orders.OrderFields(number="a", title="x", address="中原区幸福里小区南门")).grid == OTHER
    assert place(orders.OrderFields(number="a", title="x", address="和谐苑3号楼")).grid is None
    assert place(orders.OrderFields(number="a", title="x", address="碧沙岗社区和谐苑3号楼")).grid == OTHER


def test_reimport_is_all_duplicates_and_writes_nothing(tmp_path, actor, good_rows):
    path = write_csv(tmp_path / "orders.csv", [*good_rows, good_rows[0]])  # W-1 twice in the file as well
    first = import_orders(actor=actor, path=path, system=SYSTEM)
    assert (first["created"], first["duplicates"]) == (3, 1)
    before = counts()
    again = import_orders(actor=actor, path=path, system=SYSTEM)
    assert (again["created"], again["duplicates"], again["errors"]) == (0, 4, [])
    assert counts() == before
    # the same numbers from another system are other orders
    assert import_orders(actor=actor, path=path, system="other-system")["created"] == 3


def test_a_malformed_file_writes_nothing_and_lists_every_row_error(tmp_path, actor, good_rows):
    bad = [
        good_rows[0],
        ["B-1", "2024-13-45", "", "", "中原区林山寨街道", "", "", "", "", "日期错", "", ""],
        ["B-2", "2024-05-01", "", "", "中原区林山寨街道", "", "", "", "", "", "没有标题", ""],
        ["B-3", "2024-05-01", "", "", "", "", "113.6", "234.7", "wgs84", "坐标错", "", ""],
        ["B-4", "2024-05-01", "", "找王师傅", "中原区林山寨街道", "", "", "", "", "电话错", "", ""],
        good_rows[1],
    ]
    path = write_csv(tmp_path / "bad.csv", bad)
    before = counts()
    report = import_orders(actor=actor, path=path, system=SYSTEM)
    assert counts() == before and report["created"] == 0
    listed = [(e["row"], e["column"]) for e in report["errors"]]
    assert listed == [(3, "受理时间"), (4, "标题"), (5, "经度"), (6, "联系电话")]
    assert "2024-13-45" in report["errors"][0]["message"]


def test_an_order_no_grid_holds_is_an_error_unless_skipped(tmp_path, actor, good_rows):
    elsewhere = ["U-1", "2024-05-01", "", "", "梅峰河", "仓山区", "", "", "", "河水发臭", "", ""]
    path = write_csv(tmp_path / "mixed.csv", [good_rows[0], elsewhere])
    before = counts()
    refused = import_orders(actor=actor, path=path, system=SYSTEM)
    assert [(e["row"], e["column"]) for e in refused["errors"]] == [(3, "地址")] and counts() == before
    assert "无法定位" in refused["errors"][0]["message"] and "仓山区" in refused["errors"][0]["message"]
    skipped = import_orders(actor=actor, path=path, system=SYSTEM, skip_unplaced=True)
    assert (skipped["created"], skipped["unplaced"], skipped["errors"]) == (1, 1, [])
    assert skipped["unplaced_rows"] == [3]
    assert not WorkOrder.objects.filter(system=SYSTEM, number="U-1").exists()


def test_a_failure_half_way_rolls_back_every_row(tmp_path, actor, good_rows, monkeypatch):
    real = importing.file_order
    calls = []

    def second_fails(**kwargs):
        calls.append(kwargs["fields"].number)
        if len(calls) == 2:
            raise BadInput("refused in the middle")
        return real(**kwargs)

    monkeypatch.setattr(importing, "file_order", second_fails)
    before = counts()
    report = import_orders(actor=actor, path=write_csv(tmp_path / "o.csv", good_rows), system=SYSTEM)
    assert calls == ["W-1", "W-2"] and counts() == before
    assert report["created"] == 0 and report["errors"][0]["row"] == 3


def test_dry_run_and_gb18030(tmp_path, actor, good_rows):
    path = write_csv(tmp_path / "gbk.csv", good_rows, encoding="gb18030")
    report = import_orders(actor=actor, path=path, system=SYSTEM, dry_run=True)
    assert report["errors"] == [] and report["created"] == 3 and report["dry_run"] is True
    assert not WorkOrder.objects.filter(system=SYSTEM).exists()


def test_the_text_classifier_classifies_when_configured(tmp_path, actor, good_rows, settings, monkeypatch):
    leaf = Category.objects.filter(is_leaf=True, active=True).order_by("-code").first()
    settings.GRIDGOV_TEXT_CLASSIFIER = "tests.exchange.test_import.classify"
    monkeypatch.setitem(CLASSIFIED, "code", leaf.code)
    report = import_orders(actor=actor, path=write_csv(tmp_path / "o.csv", good_rows), system=SYSTEM)
    assert report["uncategorised"] == 0
    assert WorkOrder.objects.get(system=SYSTEM, number="W-3").case.category.code == leaf.code


CLASSIFIED = {"code": ""}


def classify(title: str, text: str) -> str | None:
    """A stand-in text classifier: always the code the test put in CLASSIFIED."""
    return CLASSIFIED["code"] or None


def test_receive_order_is_idempotent_and_refuses_what_it_cannot_place(demo_city):
    dispatcher = Actor.system("12345")
    lon, lat = inside(GRID)
    fields = orders.OrderFields(
        number="H-1", title="噪音扰民", address="碧沙岗公园", lon=lon, lat=lat, channel="import"
    )
    first = orders.receive_order(actor=dispatcher, system="12345", source="pull", fields=fields)
    again = orders.receive_order(actor=dispatcher, system="12345", source="pull", fields=fields)
    assert first.created and not again.created and again.case.pk == first.case.pk
    assert WorkOrder.objects.filter(system="12345", number="H-1").count() == 1
    with pytest.raises(BadInput, match="无法定位"):
        orders.receive_order(
            actor=dispatcher,
            system="12345",
            source="pull",
            fields=orders.OrderFields(number="H-2", title="x", district="仓山区", channel="import"),
        )


def test_command_json_report_and_refusal(tmp_path, good_rows):
    out = StringIO()
    call_command(
        "cases", "import", str(write_csv(tmp_path / "o.csv", good_rows)), "--system", SYSTEM, "--json", stdout=out
    )
    assert json.loads(out.getvalue())["created"] == 3
    bad = write_csv(tmp_path / "bad.csv", [["X-1", "not a date", "", "", "", "", "", "", "", "标题", "", ""]])
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("cases", "import", str(bad), "--system", SYSTEM, "--json", stdout=out)
    assert json.loads(out.getvalue())["errors"][0]["column"] == "受理时间"


@pytest.mark.parametrize(
    "preset, name, reasons",
    [
        ("fuzhou12345", "complaints_fuzhou12345_sample.csv", {"鼓楼区": 39}),
        ("teddy2020", "complaints_teddy2020_sample.csv", {}),
    ],
)
def test_real_complaint_files_are_reported_placed_or_unplaced(data_dir, demo_city, preset, name, reasons):
    """Neither city is 中原区: every row is unplaced (by district, or no name of ours in the text), none is
    forced into a grid; the rows themselves all read (dates in two formats, web-page whitespace)."""
    out = StringIO()
    call_command("cases", "import", str(data_dir / name), "--format", preset, "--skip-unplaced", "--json", stdout=out)
    report = json.loads(out.getvalue())
    assert report["errors"] == [] and report["rows"] == 60
    assert report["placed_by_coordinates"] + report["placed_by_address"] == report["created"] == 0
    assert report["unplaced"] == 60
    for district, count in reasons.items():
        assert sum(n for why, n in report["unplaced_reasons"].items() if district in why) == count
