import csv
from io import StringIO

from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from gridgov.people.models import Unit
from gridgov.routing.models import Category, DispatchRule
from gridgov.routing.services import refresh_tree


@admin.action(description=_("Export selected rows as CSV"))
def export_csv(modeladmin, request, queryset):
    """The selected rows with the admin's `csv_fields`; UTF-8 with a BOM so that Excel reads the Chinese."""
    fields = modeladmin.csv_fields
    out = StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(fields)
    for obj in queryset:
        writer.writerow([modeladmin.csv_value(obj, f) for f in fields])
    name = f"{queryset.model._meta.model_name}-{timezone.localdate():%Y%m%d}.csv"
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


class CsvExportMixin:
    actions = [export_csv]
    csv_fields: tuple[str, ...] = ()

    def csv_value(self, obj, name: str):
        value = getattr(obj, name)
        if hasattr(value, "code"):  # a foreign key: its code is what a file needs
            return value.code
        return "" if value is None else value


@admin.register(Category)
class CategoryAdmin(CsvExportMixin, admin.ModelAdmin):
    """Classes and their limits. `gridgov routing load` restores the shipped values of shipped classes."""

    list_display = ("code", "name", "tree", "depth", "is_leaf", "complexity", "sign_hours", "resolve_days",
                    "urgent", "resolve_hours", "unit_kind", "active")
    list_filter = ("tree", "is_leaf", "urgent", "complexity", "unit_kind", "active")
    search_fields = ("code", "name", "keywords")
    autocomplete_fields = ("parent",)
    readonly_fields = ("depth", "is_leaf")  # follow from the parent links (services.refresh_tree)
    list_per_page = 100
    csv_fields = ("code", "name", "tree", "parent", "depth", "is_leaf", "complexity", "sign_hours",
                  "resolve_days", "urgent", "resolve_hours", "unit_kind", "keywords", "active")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent")

    # Adding, moving or deleting a class changes depths and which classes are leaves (cases are filed under leaves).
    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        refresh_tree()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        refresh_tree()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        refresh_tree()


@admin.register(DispatchRule)
class DispatchRuleAdmin(CsvExportMixin, admin.ModelAdmin):
    """The dispatch catalogue (派单目录), edited in place in the list."""

    list_display = ("category", "grid_level", "district", "unit", "unit_name", "assisting", "note")
    list_display_links = ("category",)
    list_editable = ("grid_level", "district", "unit", "assisting", "note")
    list_filter = ("category__tree", "grid_level", "district")
    search_fields = ("category__code", "category__name", "unit", "assisting", "note")
    autocomplete_fields = ("category",)
    list_select_related = ("category",)
    list_per_page = 100
    csv_fields = ("category", "grid_level", "district", "unit", "assisting", "note")

    def get_queryset(self, request):
        # The unit's name in the same query: unit is a code, not a foreign key (it may be a grid or @N).
        names = Unit.objects.filter(code=OuterRef("unit")).values("name")[:1]
        return super().get_queryset(request).annotate(unit_name=Subquery(names))

    @admin.display(description=_("unit name"), ordering="unit")
    def unit_name(self, obj):
        if obj.unit_name:
            return obj.unit_name
        if not obj.unit:
            return _("the grid itself")
        if obj.unit.startswith("@"):
            return _("the grid's ancestor at level %(level)s") % {"level": obj.unit[1:]}
        return "—"
