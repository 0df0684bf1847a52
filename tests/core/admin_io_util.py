"""Helpers for the admin import/export tests: a superuser's client, reading exported files, uploading."""

import csv
import io

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from gridgov.core.models import AuditEvent


def table(response) -> list[list[str]]:
    """An exported CSV or .xlsx attachment as rows of text, the header first."""
    assert response.status_code == 200, response.content[:2000]
    assert response["Content-Disposition"].startswith("attachment")
    if response["Content-Type"].startswith("text/csv"):
        body = response.content.decode("utf-8")
        assert body.startswith("\ufeff"), "Excel needs the BOM to read UTF-8"
        return list(csv.reader(io.StringIO(body[1:])))
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    rows = [["" if v is None else str(v) for v in row] for row in book.worksheets[0].iter_rows(values_only=True)]
    book.close()
    return rows


def as_dicts(rows: list[list[str]]) -> list[dict[str, str]]:
    header, *body = rows
    return [dict(zip(header, row, strict=False)) for row in body]


def csv_upload(rows: list[list], name: str = "upload.csv", encoding: str = "utf-8-sig") -> SimpleUploadedFile:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode(encoding), content_type="text/csv")


def xlsx_upload(rows: list[list], name: str = "upload.xlsx") -> SimpleUploadedFile:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


def reupload(response, name: str | None = None) -> SimpleUploadedFile:
    """An export, uploaded again as it came."""
    filename = name or response["Content-Disposition"].split('filename="')[1].rstrip('"')
    return SimpleUploadedFile(filename, response.content)


def post_import(client, url: str, upload, dry_run: bool = False):
    data = {"file": upload}
    if dry_run:
        data["dry_run"] = "1"
    return client.post(url + "import/", data)


def error_rows(response) -> list[tuple[str, str, str]]:
    """(row, key, message) of each problem the import page lists."""
    assert response.status_code == 200
    return [(str(e.row), e.code, e.message) for e in response.context["errors"]]


def audit_count(**filters) -> int:
    return AuditEvent.objects.filter(**filters).count()
