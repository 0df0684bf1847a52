"""Working-calendar overrides in the admin: out as CSV/Excel, back in through set_override (audited)."""

from datetime import date

import pytest

from gridgov.core.models import AuditEvent
from gridgov.worktime import calendar
from gridgov.worktime.models import WorkdayOverride
from gridgov.worktime.services import set_override
from tests.core.admin_io_util import csv_upload, error_rows, post_import, reupload, table, xlsx_upload

pytestmark = pytest.mark.django_db

URL = "/admin/worktime/workdayoverride/"


@pytest.fixture
def days(db):
    set_override(day=date(2026, 10, 8), is_workday=False, note="本地补休")
    set_override(day=date(2027, 1, 1), is_workday=False, note="元旦")
    set_override(day=date(2027, 2, 20), is_workday=True, note="春节调休上班")


def overrides():
    return list(WorkdayOverride.objects.values_list("date", "is_workday", "note", "updated_at"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_export_is_the_filtered_year(root, days, fmt):
    rows = table(root.get(f"{URL}export/{fmt}/", {"year": "2027"}))
    assert rows[0] == ["日期", "星期", "工作日", "备注"]
    # a CSV says 2027-01-01; Excel holds a real date cell, read back as a date and time
    assert [r[0][:10] for r in rows[1:]] == ["2027-01-01", "2027-02-20"]
    assert [r[1:] for r in rows[1:]] == [["星期五", "否", "元旦"], ["星期六", "是", "春节调休上班"]]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_round_trip_changes_nothing(root, days, fmt):
    before, events = overrides(), AuditEvent.objects.count()
    response = post_import(root, URL, reupload(root.get(f"{URL}export/{fmt}/")))
    assert response.status_code == 302, error_rows(response)
    assert overrides() == before
    summary = list(AuditEvent.objects.order_by("id")[events:])  # no day re-recorded, only the import
    assert [(e.action, e.actor, e.data["updated"]) for e in summary] == [("worktime.import", root.user, 0)]


def test_an_import_goes_through_set_override(root, days, django_capture_on_commit_callbacks):
    upload = xlsx_upload(
        [
            ["日期", "工作日", "备注"],
            [date(2031, 10, 11), "上班", "国庆调休"],
            ["2031/10/8", "休息", "国庆"],
            ["2027-01-01", "否", "元旦（改）"],
        ]
    )
    with django_capture_on_commit_callbacks(execute=True):
        response = post_import(root, URL, upload)
    assert response.status_code == 302, error_rows(response)
    assert WorkdayOverride.objects.get(date=date(2031, 10, 11)).is_workday is True
    assert WorkdayOverride.objects.get(date=date(2027, 1, 1)).note == "元旦（改）"
    assert calendar.is_workday(date(2031, 10, 11)) and not calendar.is_workday(date(2031, 10, 8))
    events = AuditEvent.objects.filter(action="worktime.override", actor=root.user)
    assert sorted(events.values_list("object_id", flat=True)) == ["2027-01-01", "2031-10-08", "2031-10-11"]
    summary = AuditEvent.objects.get(action="worktime.import")
    assert {k: summary.data[k] for k in ("created", "updated", "unchanged")} == {
        "created": 2,
        "updated": 1,
        "unchanged": 0,
    }


def test_a_bad_row_writes_nothing_and_is_named(root, days):
    before, events = overrides(), AuditEvent.objects.count()
    upload = csv_upload(
        [
            ["date", "is_workday", "note"],
            ["2031-05-06", "是", ""],
            ["2031-02-30", "是", ""],
            ["2031-05-07", "也许", ""],
            ["2031-05-06", "否", ""],
            ["", "是", "x" * 201],
        ]
    )
    problems = error_rows(post_import(root, URL, upload))
    assert [row for row, _, _ in problems] == ["3", "4", "5", "6", "6"]
    assert "2031-02-30" in problems[0][2] and "也许" in problems[1][2] and "2" in problems[2][2]
    assert overrides() == before and AuditEvent.objects.count() == events


def test_a_file_without_the_workday_column_is_refused(root, days):
    problems = error_rows(post_import(root, URL, csv_upload([["日期", "备注"], ["2031-05-06", "x"]])))
    assert problems[0][0] == "1" and "工作日" in problems[0][2]


def test_worktime_admin_is_for_staff_only(client, days):
    before = overrides()
    assert client.get(f"{URL}export/csv/").status_code == 302
    assert (
        client.post(f"{URL}import/", {"file": csv_upload([["日期", "工作日"], ["2031-05-06", "是"]])}).status_code
        == 302
    )
    assert overrides() == before
