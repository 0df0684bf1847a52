"""The monthly report (gridgov report): a workbook whose figures are the selectors', whose ledger is the
month's cases, and in which no reporter's name or phone appears."""

import io
import json
from datetime import date, datetime, timedelta
from io import StringIO

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import translation

from gridgov.assessment import report, scoring, selectors, services
from gridgov.cases.models import Case
from gridgov.core.errors import BadInput, NotFound
from gridgov.people.models import Post, Unit
from tests.cases import helpers
from tests.cases.helpers import bring

MONTH = "2026-09"
START = datetime.fromisoformat("2026-09-07T09:30:00+08:00")
RANGE = (date(2026, 9, 1), date(2026, 9, 30))
PATHS = [
    "evaluated_satisfied",
    "evaluated_after_reopen",
    "closed",
    "verified_on_spot",
    "in_progress_rework",
    "registered_after_return",
    "rejected",
    "extension_pending",
    "resolved_grid",
]
RESIDENT = {"reporter_name": "欧阳娜娜", "reporter_phone": "15912345678"}


@pytest.fixture
def month_cases(demo_city):
    """Cases of September 2026 in two streets (bring() also files an open master case beside each),
    a resident's report with a phone number in its title, and cases just outside the month."""
    for n, path in enumerate(PATHS):
        bring(path, at=START + timedelta(days=n, hours=n))
    helpers.report(grid="410102002001001", at=START + timedelta(days=3), **RESIDENT)
    helpers.report(at=START + timedelta(days=5), title="路灯不亮 请回电13812345678", **RESIDENT)
    helpers.report(at=datetime.fromisoformat("2026-08-31T23:50:00+08:00"))  # the month before
    helpers.report(at=datetime.fromisoformat("2026-10-01T00:10:00+08:00"))  # the month after
    services.catch_up()
    return list(selectors.cases_of("region", "410102", *RANGE).order_by("reported_at", "number"))


def open_book(content: bytes):
    return openpyxl.load_workbook(io.BytesIO(content))


def table(sheet) -> list[dict]:
    """The sheet's rows under its header, as dicts, up to the first blank row."""
    rows = sheet.iter_rows(values_only=True)
    header = next(rows)
    out = []
    for row in rows:
        if all(v is None for v in row):
            break
        out.append(dict(zip(header, row, strict=False)))
    return out


def every_text(book) -> str:
    return "\n".join(
        str(v) for sheet in book for row in sheet.iter_rows(values_only=True) for v in row if v is not None
    )


def test_the_workbook_has_four_sheets_with_frozen_chinese_headers(month_cases):
    book = open_book(report.monthly_workbook(region="410102", month=MONTH))
    assert book.sheetnames == ["指标", "排名", "案件台账", "热点"]
    firsts = {s.title: [c.value for c in s[1]][:3] for s in book}
    assert firsts == {
        "指标": ["编码", "名称", "层级"],
        "排名": ["考核方案", "考核对象", "排名"],
        "案件台账": ["案件编号", "上报时间", "标题"],
        "热点": ["时段", "网格编码", "网格"],
    }
    for sheet in book:
        assert sheet.freeze_panes and sheet.freeze_panes.endswith("2")  # the header row stays in view
        assert all(c.font.b for c in sheet[1] if c.value)
        assert sheet.column_dimensions["A"].width >= 8 and sheet.column_dimensions["C"].width >= 8
    ledger = book["案件台账"]
    assert ledger["B2"].number_format == "yyyy-mm-dd hh:mm" and isinstance(ledger["B2"].value, datetime)


def test_the_indicators_are_the_selectors(month_cases):
    book = open_book(report.monthly_workbook(region="410102", month=MONTH))
    rows = table(book["指标"])
    streets = list(
        selectors.Grid.objects.filter(parent__code="410102", valid_to__isnull=True)
        .order_by("code")
        .values_list("code", flat=True)
    )
    assert [r["编码"] for r in rows] == ["410102", *streets]
    for row in rows:
        want = selectors.indicators(kind="region", code=row["编码"], start=RANGE[0], end=RANGE[1])
        assert (row["受理数"], row["立案数"], row["办结数"], row["按期办结数"]) == (
            want["received"],
            want["registered"],
            want["closed"],
            want["closed_on_time"],
        )
        for name, label in report.RATE_NAMES.items():
            assert row[label] == pytest.approx(want[name]) if want[name] is not None else row[label] is None
            assert row[f"{label}（分子/分母）"] == "{}/{}".format(*want["fractions"][name])
        for level, label in report.RESOLVED_NAMES.items():
            assert row[f"{label}（件数/办结数）"] == "{}/{}".format(*want["fractions"]["resolved_at_level"][level])
    district = rows[0]
    assert district["受理数"] == len(month_cases) > 10
    assert district["办结数"] == 3 and district["办结率（分子/分母）"] == f"{district['办结数']}/{district['立案数']}"
    assert book["指标"]["H2"].number_format == "0.00%"  # 办结率 shown as a percentage of the exact fraction
    # the raw event log gives the same numbers as the rollups the report reads
    assert selectors.totals("region", "410102", *RANGE) == selectors.totals_from_events("region", "410102", *RANGE)


def test_the_ledger_is_the_months_cases(month_cases):
    book = open_book(report.monthly_workbook(region="410102", month=MONTH))
    rows = table(book["案件台账"])
    assert [r["案件编号"] for r in rows] == [c.number for c in month_cases]
    by_number = {c.number: c for c in Case.objects.select_related("grid", "category")}
    for row in rows:
        case = by_number[row["案件编号"]]
        assert row["网格编码"] == case.grid.code and row["网格"] == case.grid.name
        assert row["类别"] == (case.category.name if case.category else None)
        assert row["上报时间"] == report._local(case.reported_at)
        assert (row["结案时间"] is None) == (case.closed_at is None)
    statuses = {r["状态"] for r in rows}
    assert {"已评价", "已结案", "不予立案", "处置中"} <= statuses
    assert {r["满意度"] for r in rows} >= {"满意", "不满意"}
    assert any(r["主办单位"] == "中原区城管执法局" for r in rows)
    assert {r["解决层级"] for r in rows if r["状态"] in ("已结案", "已评价")} <= {"网格", "社区", "街道", "区"}
    # 按期办结 is said for closed cases only, and adds up to the indicator
    closed = [r for r in rows if r["状态"] in ("已结案", "已评价")]
    assert all(r["按期办结"] in ("是", "否") for r in closed)
    assert all(r["按期办结"] is None for r in rows if r not in closed)
    district = table(book["指标"])[0]
    assert sum(r["按期办结"] == "是" for r in rows) == district["按期办结数"]
    assert len(closed) == district["办结数"]


def test_a_street_report_holds_its_communities_and_its_own_cases(month_cases):
    street = helpers.STREET
    book = open_book(report.monthly_workbook(region=street, month=MONTH))
    rows = table(book["指标"])
    assert rows[0]["编码"] == street and all(r["编码"].startswith(street) and len(r["编码"]) == 12 for r in rows[1:])
    ledger = table(book["案件台账"])
    assert ledger and all(r["网格编码"].startswith(street) for r in ledger)
    assert len(ledger) == selectors.cases_of("region", street, *RANGE).count()
    schemes = {r["考核方案"] for r in table(book["排名"])}
    assert any("community-100" in s for s in schemes) and not any("street-100" in s for s in schemes)


def test_the_rankings_are_scorings(month_cases):
    book = open_book(report.monthly_workbook(region="410102", month=MONTH))
    rows = table(book["排名"])
    for code in ("street-100", "unit-3rates", "worker-1000"):
        want = scoring.ranking(code, MONTH, "410102", public=True)
        got = [r for r in rows if r["考核方案"].endswith(f"（{code}）")]
        assert [(r["排名"], r["名称"], r["得分"]) for r in got] == [
            (i["rank"], i["name"], pytest.approx(i["score"])) for i in want["items"]
        ]
        assert [r["名次变化（较上月，正数为上升）"] for r in got] == [i["rank_change"] for i in want["items"]]
    streets = [r for r in rows if r["考核对象"] == "下级网格"]
    assert len(streets) == 14 and streets[0]["满分"] == 100
    assert (
        len([r for r in rows if r["考核对象"] == "承办单位"])
        == Unit.objects.filter(district="410102", active=True).count()
    )
    assert len([r for r in rows if r["考核对象"] == "网格员"]) == Post.objects.filter(role="grid_worker").count()
    # a street that had cases scores above zero; the change since August is the whole score
    top = streets[0]
    assert top["得分"] > 0 and top["得分变化（较上月）"] == pytest.approx(top["得分"])


def test_no_reporter_name_or_phone_anywhere(month_cases):
    text = every_text(open_book(report.monthly_workbook(region="410102", month=MONTH)))
    people = Case.objects.exclude(reporter_name="", reporter_phone="").values_list("reporter_name", "reporter_phone")
    assert people.count() >= 10
    for name, phone in people:
        assert not name or name not in text
        assert not phone or phone not in text
    assert "13812345678" not in text and "138****5678" in text  # a number typed into a title is masked
    assert "15912345678" not in text and "欧阳娜娜" not in text
    # the workers in the ranking appear masked, as on the public rankings
    for full_name in (
        get_user_model().objects.filter(posts__role="grid_worker").values_list("first_name", flat=True)[:50]
    ):
        assert len(full_name) < 2 or full_name not in text


def run_report(*args) -> str:
    out = StringIO()
    call_command("report", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_the_command_writes_the_file(month_cases, tmp_path, monkeypatch):
    target = tmp_path / "out.xlsx"
    data = json.loads(run_report("--month", MONTH, "--region", "410102", "--output", str(target), "--json"))
    assert data == {
        "file": str(target.resolve()),
        "sheets": ["指标", "排名", "案件台账", "热点"],
        "cases": len(month_cases),
    }
    assert len(table(openpyxl.load_workbook(target)["案件台账"])) == len(month_cases)

    monkeypatch.chdir(tmp_path)
    text = run_report("--month", MONTH, "--region", helpers.STREET)
    default = tmp_path / f"report-{helpers.STREET}-{MONTH}.xlsx"
    assert default.exists() and str(default.name) in text
    assert openpyxl.load_workbook(default).sheetnames == ["指标", "排名", "案件台账", "热点"]


@pytest.mark.parametrize("month", ["2026-13", "2026-1", "26-09", "September", "2026-09-01", ""])
@translation.override("en")  # the English wording (the default, Chinese, is tested in tests/cases/test_messages_zh.py)
def test_a_bad_month_is_a_clear_error(demo_city, tmp_path, month):
    with pytest.raises(BadInput, match="month must look like 2026-11"):
        report.monthly_workbook(region="410102", month=month)
    with pytest.raises(CommandError, match="month must look like 2026-11"):
        run_report("--month", month, "--region", "410102", "--output", str(tmp_path / "x.xlsx"))
    assert not (tmp_path / "x.xlsx").exists()


@translation.override("en")
def test_an_unknown_region_is_not_found(demo_city, tmp_path):
    with pytest.raises(NotFound, match="no grid with code '999999'"):
        report.monthly_workbook(region="999999", month=MONTH)
    with pytest.raises(CommandError, match="no grid with code"):
        run_report("--month", MONTH, "--region", "999999", "--output", str(tmp_path / "x.xlsx"))
    with pytest.raises(CommandError, match=r"\.xlsx"):
        run_report("--month", MONTH, "--region", "410102", "--output", str(tmp_path / "x.csv"))


def test_an_empty_month_gives_empty_tables_not_errors(demo_city):
    book = open_book(report.monthly_workbook(region="410102", month="2031-02"))
    district = table(book["指标"])[0]
    assert district["受理数"] == 0 and district["办结率"] is None and district["办结率（分子/分母）"] == "0/0"
    assert table(book["案件台账"]) == []


def test_safe_title_masks_numbers_and_the_reporters_name():
    assert report.safe_title("张三家门口井盖丢了，电话13912345678", "张三") == "张*家门口井盖丢了，电话139****5678"
    assert report.safe_title("3号楼漏水", "") == "3号楼漏水"
    assert report.safe_title("座机 0371-6666666 或 037166666666") == "座机 0371-*****66 或 037*****6666"
    assert report.safe_title("2026年3号楼12单元") == "2026年3号楼12单元"  # short numbers are not phones
