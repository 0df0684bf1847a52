from django.contrib import admin
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from gridgov.core.admin_io import Column, ImportExportMixin
from gridgov.worktime.calendar import statutory_workday
from gridgov.worktime.models import WorkdayOverride
from gridgov.worktime.services import delete_override, import_overrides, set_override

OVERRIDE_COLUMNS = (
    Column("date", _("date"), required=True, help=_("2027-01-01 (2027/1/1 and spreadsheet dates work too)")),
    Column("weekday", _("weekday"), lambda o: formats.date_format(o.date, "l"), imported=False),
    Column("is_workday", _("workday"), required=True, help=_("是: a workday (上班); 否: a day off (休息)")),
    Column("note", _("note")),
)


class YearFilter(admin.SimpleListFilter):
    title = _("year")
    parameter_name = "year"

    def lookups(self, request, model_admin):
        years = model_admin.get_queryset(request).dates("date", "year", order="DESC")
        return [(str(year.year), str(year.year)) for year in years]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(date__year=int(self.value()))
        return queryset


@admin.register(WorkdayOverride)
class WorkdayOverrideAdmin(ImportExportMixin, admin.ModelAdmin):
    """Every save, delete and import goes through the services: audited, and the calendar snapshot refreshed."""

    list_display = ("date", "weekday", "is_workday", "statutory", "note", "updated_at")
    list_filter = (YearFilter, "is_workday")
    search_fields = ("note",)
    date_hierarchy = "date"
    fields = ("date", "is_workday", "note")
    list_per_page = 100
    io_columns = OVERRIDE_COLUMNS
    io_import = staticmethod(import_overrides)

    def get_readonly_fields(self, request, obj=None):
        # Moving an override to another day would be a delete and a create: make that explicit.
        return ("date",) if obj is not None else ()

    @admin.display(description=_("weekday"))
    def weekday(self, obj: WorkdayOverride) -> str:
        return formats.date_format(obj.date, "l")

    @admin.display(description=_("statutory workday"), boolean=True)
    def statutory(self, obj: WorkdayOverride) -> bool:
        return statutory_workday(obj.date)

    def save_model(self, request, obj, form, change):
        saved = set_override(day=obj.date, is_workday=obj.is_workday, note=obj.note, actor=request.user)
        obj.pk, obj.updated_at = saved.pk, saved.updated_at

    def delete_model(self, request, obj):
        delete_override(day=obj.date, actor=request.user)

    def delete_queryset(self, request, queryset):
        for day in queryset.values_list("date", flat=True):
            delete_override(day=day, actor=request.user)
