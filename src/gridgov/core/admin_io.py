"""Export and import for admin list pages (导入导出): CSV and Excel out, CSV and Excel in.

A ModelAdmin that mixes in `ImportExportMixin` and names its `io_columns` gets
- "Export CSV" / "Export Excel" buttons that export the changelist as filtered and searched (every page,
  not just the one shown), and the same two as actions on selected rows; headers are the columns'
  translated headers, so Chinese by default;
- an "Import" page: upload a CSV or .xlsx file; the rows go to the admin's `io_import` service, which
  checks every row before it writes anything and writes its own audit event. Any wrong row: nothing is
  written and the page lists each row's problems. "Check only" runs the whole import and rolls it back.

An import reads a file's header row by column name (`code`), by header in Chinese or English (编码, code)
or by alias; columns the file lacks are not passed on, so services keep what is in the database for them.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import openpyxl
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from openpyxl.cell import WriteOnlyCell

from gridgov.core.errors import GridgovError
from gridgov.core.rows import RowError, RowErrors, sheet_value, text

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ERRORS_SHOWN = 500
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class Column:
    """One column of a list's files.

    `name` is what the import service reads; `value` gives the exported value (an attribute path such as
    "user.username", or a function of the object; default: the attribute `name`); `imported` False marks
    a column that is only exported (depth, weekday) and is ignored when a file brings it back.
    """

    name: str
    header: str | Promise
    value: str | Callable[[Any], Any] | None = None
    imported: bool = True
    required: bool = False
    help: str | Promise = ""
    aliases: tuple[str, ...] = ()

    def get(self, obj) -> Any:
        if callable(self.value):
            return self.value(obj)
        value: Any = obj
        for part in (self.value or self.name).split("."):
            value = getattr(value, part) if value is not None else None
        return value


def cell(value: Any) -> Any:
    """An exported value: yes/no for booleans, a code for a related row, "" for None; numbers stay numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return gettext("Yes") if value else gettext("No")
    if isinstance(value, models.Model):
        return getattr(value, "code", None) or str(value)
    if isinstance(value, Promise):
        return str(value)
    return value


def choice_label(field: str) -> Callable[[Any], str]:
    """A column value: the label of a choice field (网格员 rather than grid_worker); imports accept both."""
    return lambda obj: getattr(obj, f"get_{field}_display")()


# ---- reading uploads ---------------------------------------------------------------------------


def _csv_rows(data: bytes) -> Iterator[list[str]]:
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            content = data.decode("gb18030")  # what Excel on a Chinese Windows saves
        except UnicodeDecodeError as exc:
            raise RowErrors([RowError(0, "", gettext("the CSV file is neither UTF-8 nor GB18030 text"))]) from exc
    return iter(csv.reader(io.StringIO(content, newline="")))


def _xlsx_rows(data: bytes) -> Iterator[tuple]:
    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises zipfile, KeyError and its own errors for a bad file
        raise RowErrors([RowError(0, "", gettext("cannot read the Excel file: %(error)s") % {"error": exc})]) from exc
    try:
        yield from book.worksheets[0].iter_rows(values_only=True)
    finally:
        book.close()


def _key(header: Any) -> str:
    return "".join(text(header).split()).casefold()


def header_names(columns: Sequence[Column]) -> dict[str, Column]:
    """Every header a file may use for each column: its name, its header in Chinese and in English, aliases."""
    names: dict[str, Column] = {}
    for column in columns:
        spellings = [column.name, str(column.header), *column.aliases]
        for language in ("zh-hans", "en"):
            with translation.override(language):
                spellings.append(str(column.header))
        for spelling in spellings:
            names.setdefault(_key(spelling), column)
    return names


def read_table(data: bytes, filename: str, columns: Sequence[Column]) -> list[dict[str, Any]]:
    """A CSV or .xlsx file as rows for an import service: `{column name: text, "row": number}`.

    Raises RowErrors for a file that cannot be read, an unknown or repeated header, or a missing column.
    """
    suffix = Path(filename).suffix.lower()
    if suffix == ".csv":
        lines: Iterator = _csv_rows(data)
    elif suffix == ".xlsx":
        lines = _xlsx_rows(data)
    else:
        raise RowErrors(
            [
                RowError(
                    0,
                    "",
                    gettext("unknown file type %(suffix)s: upload a .csv or .xlsx file") % {"suffix": suffix or "—"},
                )
            ]
        )
    header = next(lines, None)
    if not header or not any(text(h) for h in header):
        raise RowErrors([RowError(1, "", gettext("the first row must hold the column headers"))])
    known = header_names(columns)
    errors: list[RowError] = []
    names: list[str | None] = []
    for h in header:
        column = known.get(_key(h))
        if column is None and text(h):
            errors.append(
                RowError(
                    1,
                    text(h),
                    gettext("unknown column %(header)s: use %(headers)s, or delete it")
                    % {"header": text(h), "headers": "、".join(str(c.header) for c in columns)},
                )
            )
        elif column is not None and column.name in names:
            errors.append(RowError(1, text(h), gettext("column %(header)s appears twice") % {"header": text(h)}))
        names.append(column.name if column is not None and column.imported else None)
    for column in columns:
        if column.required and column.name not in names:
            errors.append(RowError(1, "", gettext("column %(header)s is missing") % {"header": column.header}))
    if errors:
        raise RowErrors(errors)
    rows = []
    for number, values in enumerate(lines, start=2):
        if values is None or all(text(v) == "" for v in values):
            continue
        row: dict[str, Any] = {"row": number}
        for name, value in zip(names, values, strict=False):
            if name is not None:
                row[name] = text(value)
        for name in names[len(values) :]:  # a short CSV line: its last cells are blank
            if name is not None:
                row[name] = ""
        rows.append(row)
    if not rows:
        raise RowErrors([RowError(0, "", gettext("the file has no rows below its header"))])
    return rows


# ---- writing exports ---------------------------------------------------------------------------


def csv_response(headers: Sequence[Any], rows: Iterable[Sequence[Any]], filename: str) -> HttpResponse:
    """UTF-8 with a BOM, so that Excel shows the Chinese; formula-like text is written as text (sheet_value)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")  # CRLF: a CR inside a cell is then quoted, never a new row
    writer.writerow([str(h) for h in headers])
    writer.writerows([sheet_value(v) for v in values] for values in rows)
    return attachment("\ufeff" + out.getvalue(), CSV_TYPE, filename)


def xlsx_response(headers: Sequence[Any], rows: Iterable[Sequence[Any]], filename: str, title: str) -> HttpResponse:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(title))
    sheet.freeze_panes = "A2"
    sheet.append([str(h) for h in headers])
    for values in rows:
        cells = []
        for value in values:
            value = sheet_value(value)  # text that starts like a formula gets a quote: it stays text
            c = WriteOnlyCell(sheet, value=value)
            if isinstance(value, str):
                c.data_type = "s"
            cells.append(c)
        sheet.append(cells)
    out = io.BytesIO()
    book.save(out)
    return attachment(out.getvalue(), XLSX_TYPE, filename)


def _sheet_title(title: str) -> str:
    return "".join(ch for ch in title if ch not in "[]:*?/\\")[:31] or "Sheet1"


def attachment(content, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# ---- the admin mixin ---------------------------------------------------------------------------


@admin.action(description=_("Export selected rows as CSV"))
def export_csv(modeladmin, request, queryset):
    return modeladmin.export_response(request, queryset, "csv")


@admin.action(description=_("Export selected rows as Excel"))
def export_xlsx(modeladmin, request, queryset):
    return modeladmin.export_response(request, queryset, "xlsx")


if TYPE_CHECKING:  # the mixin's `self` is a ModelAdmin: its model, admin_site and permission checks
    from django.contrib.admin import ModelAdmin as _AdminBase
else:
    _AdminBase = object


class ImportExportMixin(_AdminBase):
    """Mix into a ModelAdmin before admin.ModelAdmin; set `io_columns` and, to import, `io_import`."""

    io_columns: tuple[Column, ...] = ()
    io_import: Callable[..., Any] | None = None  # a service: (*, rows, actor, source) -> {created, updated, …}
    io_import_help: str | Promise = ""
    io_import_suffixes: tuple[str, ...] = (".csv", ".xlsx")
    actions = [export_csv, export_xlsx]
    change_list_template = "admin/gridgov/io_change_list.html"

    # -- hooks an admin may override --
    def export_formats(self) -> list[tuple[str, str]]:
        return [("csv", gettext("Export CSV")), ("xlsx", gettext("Export Excel"))]

    def export_queryset(self, request, queryset):
        return queryset

    def export_response(self, request, queryset, fmt: str) -> HttpResponse:
        queryset = self.export_queryset(request, queryset)
        columns = self.io_columns
        rows = ([cell(c.get(obj)) for c in columns] for obj in queryset.iterator(chunk_size=2000))
        headers = [c.header for c in columns]
        name = self.export_filename(fmt)
        if fmt == "csv":
            return csv_response(headers, rows, name)
        if fmt == "xlsx":
            return xlsx_response(headers, rows, name, str(self.model._meta.verbose_name_plural))
        raise PermissionDenied  # an unknown format is a bad link; a 403 says so without a traceback

    def export_filename(self, fmt: str) -> str:
        return f"{self.model._meta.model_name}-{timezone.localdate():%Y%m%d}.{fmt}"

    def has_import_permission(self, request) -> bool:
        return self.io_import is not None and self.has_add_permission(request) and self.has_change_permission(request)

    def read_upload(self, request, data: bytes, filename: str) -> Any:
        return read_table(data, filename, self.io_columns)

    def import_rows(self, request, rows: Any, source: str) -> dict[str, int]:
        importer = type(self).io_import
        if importer is None:  # has_import_permission refuses the page first; a subclass calling this without one
            raise PermissionDenied
        return importer(rows=rows, actor=request.user, source=source)

    def import_message(self, result: dict[str, int], dry_run: bool) -> str:
        counts = {k: result.get(k, 0) for k in ("created", "updated", "unchanged")}
        if dry_run:
            return (
                gettext(
                    "Check passed, nothing was written: this file would create %(created)d, update "
                    "%(updated)d and leave %(unchanged)d rows unchanged."
                )
                % counts
            )
        return gettext("Imported: %(created)d created, %(updated)d updated, %(unchanged)d unchanged.") % counts

    # -- views --
    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path("export/<str:fmt>/", self.admin_site.admin_view(self.export_view), name="%s_%s_export" % info),
            path("import/", self.admin_site.admin_view(self.import_view), name="%s_%s_import" % info),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra = {"io_export_formats": self.export_formats(), "io_can_import": self.has_import_permission(request)}
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    def export_view(self, request: HttpRequest, fmt: str) -> HttpResponse:
        """The changelist as filtered and searched, every page of it."""
        if not self.has_view_or_change_permission(request) or fmt not in dict(self.export_formats()):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            return HttpResponseRedirect(self._changelist_url() + "?e=1")
        return self.export_response(request, changelist.queryset, fmt)

    def _changelist_url(self) -> str:
        opts = self.model._meta
        return reverse(f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_changelist")

    def import_view(self, request: HttpRequest) -> HttpResponse:
        if not self.has_import_permission(request):
            raise PermissionDenied
        title = gettext("Import %(name)s") % {"name": self.model._meta.verbose_name_plural}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            "columns": [c for c in self.io_columns if c.imported],
            "help": self.io_import_help,
            "suffixes": ",".join(self.io_import_suffixes),
            "errors": [],
            "more_errors": 0,
            "dry_run": False,
            "checked": None,
            "changelist_url": self._changelist_url(),
        }
        if request.method == "POST":
            upload = request.FILES.get("file")
            context["dry_run"] = dry_run = bool(request.POST.get("dry_run"))
            try:
                result = self._import(request, upload, dry_run)
            except RowErrors as exc:
                context["errors"] = exc.errors[:MAX_ERRORS_SHOWN]
                context["more_errors"] = max(0, len(exc.errors) - MAX_ERRORS_SHOWN)
            except GridgovError as exc:
                context["errors"] = [RowError(0, "", exc.message)]
            else:
                if dry_run:
                    context["checked"] = self.import_message(result, dry_run=True)
                else:
                    self.message_user(request, self.import_message(result, dry_run=False), messages.SUCCESS)
                    return HttpResponseRedirect(self._changelist_url())
        return TemplateResponse(request, "admin/gridgov/io_import.html", context)

    def _import(self, request, upload, dry_run: bool) -> dict[str, int]:
        if upload is None:
            raise RowErrors([RowError(0, "", gettext("choose a file to upload"))])
        if upload.size > MAX_UPLOAD_BYTES:
            raise RowErrors(
                [
                    RowError(
                        0,
                        "",
                        gettext("the file is larger than %(mb)d MB: split it")
                        % {"mb": MAX_UPLOAD_BYTES // (1024 * 1024)},
                    )
                ]
            )
        with transaction.atomic():
            parsed = self.read_upload(request, upload.read(), upload.name)
            result = self.import_rows(request, parsed, f"admin upload {upload.name}")
            if dry_run:
                transaction.set_rollback(True)
        return result
