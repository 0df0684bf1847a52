"""The shared admin import/export helper (core/admin_io.py): reading tables, writing safe files, permissions."""

import io

import openpyxl
import pytest

from gridgov.core.admin_io import Column, read_table, xlsx_response
from gridgov.core.rows import RowErrors, choice, parse_bool, parse_date, text
from gridgov.people.models import Role
from tests.core.admin_io_util import csv_upload, table, xlsx_upload

COLUMNS = (Column("code", "编码", required=True), Column("name", "名称"), Column("depth", "层级", imported=False))


def read(upload, columns=COLUMNS):
    return read_table(upload.read(), upload.name, columns)


def test_headers_in_chinese_english_or_by_name_and_row_numbers():
    # a blank line is skipped; a short line has blank cells
    rows = read(csv_upload([["编码", " Name ", "层级"], ["A1", "甲", "3"], ["", "", ""], ["A2"]]))
    assert rows == [{"row": 2, "code": "A1", "name": "甲"}, {"row": 4, "code": "A2", "name": ""}]


def test_gb18030_csv_and_excel_cells():
    assert read(csv_upload([["编码", "名称"], ["A1", "网格"]], encoding="gb18030"))[0]["name"] == "网格"
    rows = read(xlsx_upload([["code", "name"], [410102001, 12.0]]))
    assert rows == [{"row": 2, "code": "410102001", "name": "12"}]


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        (["编码", "备注"], "备注"),  # an unknown column: refused rather than silently dropped
        (["编码", "code"], "code"),  # the same column twice
        (["名称"], "编码"),  # a required column missing
    ],
)
def test_bad_headers_are_row_1_errors(header, problem):
    with pytest.raises(RowErrors) as caught:
        read(csv_upload([header, ["x"] * len(header)]))
    assert caught.value.errors[0].row == 1 and problem in caught.value.errors[0].message


@pytest.mark.parametrize(
    ("name", "content"), [("a.txt", b"code\nx"), ("a.xlsx", b"not a zip"), ("a.csv", b"\xff\xfe\xfa")]
)
def test_unreadable_files(name, content):
    with pytest.raises(RowErrors) as caught:
        read_table(content, name, COLUMNS)
    assert caught.value.errors[0].row == 0


def test_a_file_with_only_a_header_is_refused():
    with pytest.raises(RowErrors):
        read(csv_upload([["编码"]]))


def test_excel_export_never_writes_formulas():
    response = xlsx_response(["a"], [['=HYPERLINK("http://x")'], [3]], "x.xlsx", "表[1]")
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    sheet = book.active
    assert sheet["A2"].data_type == "s" and sheet["A2"].value.startswith("'=")  # issue 10: behind a quote
    assert sheet["A3"].value == 3 and sheet.title == "表1"


def test_cell_parsing():
    assert [parse_bool(v) for v in ("是", "否", "TRUE", "0", True, "maybe")] == [True, False, True, False, True, None]
    assert str(parse_date("2027/1/2")) == str(parse_date("20270102")) == "2027-01-02"
    assert parse_date("2027-02-30") is None
    assert text(3.0) == "3" and text(None) == ""
    assert choice("网格员", Role) == choice("Grid Worker", Role) == choice("grid_worker", Role) == "grid_worker"
    assert choice("boss", Role) is None


def test_export_table_helper_reads_both_formats(db):
    from gridgov.core.admin_io import csv_response

    assert table(csv_response(["编码"], [["A"]], "x.csv")) == [["编码"], ["A"]]
    assert table(xlsx_response(["编码"], [["A"]], "x.xlsx", "t")) == [["编码"], ["A"]]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url",
    [
        "/admin/grids/grid/",
        "/admin/people/post/",
        "/admin/people/unit/",
        "/admin/routing/category/",
        "/admin/routing/dispatchrule/",
        "/admin/worktime/workdayoverride/",
    ],
)
def test_every_list_has_the_buttons_and_an_unknown_format_is_refused(client, django_user_model, url):
    client.force_login(django_user_model.objects.create_superuser("io-btn", "b@example.org", "io-Btn-pass-1"))
    page = client.get(url, {"q": "1"}).content.decode()
    assert f'href="{url}export/csv/?q=1"' in page and f'href="{url}export/xlsx/?q=1"' in page
    assert f'href="{url}import/"' in page
    form = client.get(f"{url}import/")
    assert form.status_code == 200 and 'type="file"' in form.content.decode()
    assert client.get(f"{url}export/pdf/").status_code == 403
    client.logout()
    assert client.get(f"{url}export/csv/").status_code == 302
