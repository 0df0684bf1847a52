import json
import tempfile
from pathlib import Path

import shapely
from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from gridgov.core.admin_forms import ServiceAdminMixin, ServiceForm, ViewOnlyAdminMixin
from gridgov.core.admin_io import XLSX_TYPE, Column, ImportExportMixin, attachment
from gridgov.core.errors import GridgovError
from gridgov.core.rows import RowErrors
from gridgov.grids import formats
from gridgov.grids.models import Grid, GridBoundary
from gridgov.grids.selectors import current_geometries
from gridgov.grids.services import GridImportError, edit_grid, import_grids, retire_grid
from gridgov.grids.widgets import BoundaryWidget

# The roster columns of grids/formats/columns.py (the same Chinese headers), for the import page.
GRID_COLUMNS = (
    Column("code", _("code"), required=True, help=_("6, 9, 12, 15 or 18 digits (GB/T 30428.1)")),
    Column("name", _("name")),
    Column("level", _("level"), help=_("0–4; follows from the code, checked when given")),
    Column("parent", _("parent code"), help=_("the code's prefix; checked when given")),
    Column("households", _("households")),
    Column("population", _("population")),
    Column("kind", _("kind"), help=_("综合/comprehensive or 专属/dedicated")),
    Column(
        "geometry",
        _("boundary"),
        help=_(
            "the polygon as WKT in WGS84 (Excel); a row without one keeps the "
            "grid's polygon. GeoJSON and zipped Shapefiles carry polygons too."
        ),
    ),
)
EXPORTS = {
    "csv": ("text/csv; charset=utf-8", formats.write_csv),
    "xlsx": (XLSX_TYPE, formats.write_excel),
    "geojson": ("application/geo+json", formats.write_geojson),
}


class BoundaryInline(ViewOnlyAdminMixin, admin.TabularInline):
    """The boundary history, read-only: a polygon changes through the map above (grids.services.edit_grid)."""

    model = GridBoundary
    fields = ("valid_from", "valid_to", "area_m2", "min_lon", "min_lat", "max_lon", "max_lat")
    readonly_fields = fields
    extra = 0
    can_delete = False


class GridForm(ServiceForm):
    """Name, kind, households and population, and the polygon drawn on the map; saved by edit_grid."""

    service_errors = (*ServiceForm.service_errors, GridImportError)

    boundary = forms.CharField(
        label=_("boundary"),
        required=False,
        widget=BoundaryWidget,
        help_text=_("GeoJSON in WGS84; left as it is, the polygon is kept"),
    )

    class Meta:
        model = Grid
        fields = ("name", "kind", "households", "population")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        grid = self.instance
        if grid.pk is None or "boundary" not in self.fields:
            return
        codes = [grid.code] + ([grid.parent.code] if grid.parent_id else [])
        siblings = (
            list(
                Grid.objects.filter(parent_id=grid.parent_id, valid_to__isnull=True)
                .exclude(pk=grid.pk)
                .values_list("code", "name")[:200]
            )
            if grid.parent_id
            else []
        )
        names = dict(siblings)
        geometries = current_geometries(codes + list(names))
        if grid.code in geometries:
            self.initial["boundary"] = shapely.to_geojson(geometries[grid.code])
        context = [
            {
                "type": "Feature",
                "properties": {"code": code, "name": names.get(code, "")},
                "geometry": json.loads(shapely.to_geojson(geom)),
            }
            for code, geom in geometries.items()
            if code != grid.code
        ]
        self.fields["boundary"].widget.context_features = {"type": "FeatureCollection", "features": context}

    def clean_boundary(self):
        """None when the map was not touched (the polygon is kept); else the drawn polygon."""
        text = (self.cleaned_data.get("boundary") or "").strip()
        if not text or text == (self.initial.get("boundary") or "").strip():
            return None
        try:
            return shapely.from_geojson(text)
        except (shapely.errors.GEOSException, ValueError) as exc:
            raise forms.ValidationError(gettext("the boundary is not a GeoJSON polygon: draw it again")) from exc

    def apply(self, actor):
        edit_grid(
            code=self.instance.code,
            name=self.value("name"),
            kind=self.value("kind"),
            households=self.value("households"),
            population=self.value("population"),
            geometry=self.value("boundary") if "boundary" in self.fields else None,
            actor=actor,
        )
        return self.instance


class StreetFilter(admin.SimpleListFilter):
    """A street (一级网格) and everything under it: codes nest, so a prefix is a subtree."""

    title = _("street")
    parameter_name = "street"

    def lookups(self, request, model_admin):
        return list(Grid.objects.filter(level=1, valid_to__isnull=True).order_by("code").values_list("code", "name"))

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(code__startswith=self.value())
        return queryset


@admin.register(Grid)
class GridAdmin(ServiceAdminMixin, ImportExportMixin, admin.ModelAdmin):
    """Attributes and the polygon (drawn on the map) through grids.services.edit_grid, which checks them, keeps
    the boundary history and bumps the tree version; new grids come from the import (here or `gridgov grids
    import`), and the "retire" action retires them with their subtrees (services.retire_grid, or `gridgov grids
    retire`). Exports hold the current grids of the filtered list, in the formats of grids/formats/."""

    list_display = ("code", "name", "level", "parent", "kind", "households", "population", "valid_to")
    list_filter = ("level", StreetFilter, "kind", ("valid_to", admin.EmptyFieldListFilter))
    search_fields = ("code", "name", "parent__code", "parent__name")
    readonly_fields = ("code", "level", "parent", "valid_from", "valid_to")
    fields = (
        "code",
        "name",
        "level",
        "parent",
        "kind",
        "households",
        "population",
        "boundary",
        "valid_from",
        "valid_to",
    )
    form = GridForm
    inlines = [BoundaryInline]
    list_select_related = ("parent",)
    list_per_page = 100
    io_columns = GRID_COLUMNS
    io_import_suffixes = (".xlsx", ".csv", ".geojson", ".json", ".zip")
    io_import_help = _(
        "Excel or CSV rosters, GeoJSON, or a Shapefile in a .zip, in WGS84. Retired grids are not "
        "exported; importing a retired code brings it back."
    )
    actions = [*ImportExportMixin.actions, "retire"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # grids are retired, never deleted: cases keep pointing at them

    def has_change_permission(self, request, obj=None):
        # a retired grid is history: it comes back through an import, not through its form
        return super().has_change_permission(request, obj) and (obj is None or obj.valid_to is None)

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return fields if self.has_change_permission(request, obj) else [f for f in fields if f != "boundary"]

    def has_retire_permission(self, request):
        return self.has_change_permission(request)

    @admin.action(description=_("Retire the selected grids and the grids under them"), permissions=("retire",))
    def retire(self, request, queryset):
        """撤销网格 through grids.services.retire_grid, one grid at a time; a grid under another selected one
        goes with it, and retired ones are left as they are."""
        codes = sorted(queryset.filter(valid_to__isnull=True).values_list("code", flat=True))
        tops = [c for c in codes if not any(c != other and c.startswith(other) for other in codes)]
        retired = 0
        for code in tops:
            try:
                retire_grid(code=code, actor=request.user)
            except GridgovError as exc:  # retired meanwhile by someone else: say so, go on with the others
                self.message_user(request, exc.message, messages.WARNING)
                continue
            retired += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d grid is retired, with the grids under it.",
                "%(count)d grids are retired, with the grids under them.",
                retired,
            )
            % {"count": retired},
        )

    def has_import_permission(self, request):
        return self.has_change_permission(request)  # new grids come from files, never from a form

    def export_formats(self):
        return [*super().export_formats(), ("geojson", gettext("Export GeoJSON"))]

    def export_response(self, request, queryset, fmt):
        content_type, write = EXPORTS[fmt]
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / f"grids.{fmt}"
            write(target, grids=queryset)
            return attachment(target.read_bytes(), content_type, self.export_filename(fmt))

    def read_upload(self, request, data, filename):
        suffix = Path(filename).suffix.lower()
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / f"upload{suffix}"
            source.write_bytes(data)
            try:
                return formats.read_file(source)
            except GridImportError as exc:
                raise RowErrors(exc.errors) from exc

    def import_rows(self, request, rows, source):
        try:
            return import_grids(items=rows, actor=request.user, source=source).as_dict()
        except GridImportError as exc:
            raise RowErrors(exc.errors) from exc

    def import_message(self, result, dry_run):
        message = super().import_message(result, dry_run)
        return message + " " + gettext("Boundaries changed: %(count)d.") % {"count": result["boundaries_changed"]}
