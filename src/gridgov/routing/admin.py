from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from gridgov.core.admin_io import Column, ImportExportMixin, choice_label
from gridgov.people.models import Unit
from gridgov.routing.models import Category, DispatchRule
from gridgov.routing.services import import_categories, import_dispatch_rules, refresh_tree

CATEGORY_COLUMNS = (
    Column("code", _("code"), required=True),
    Column("name", _("name")),
    Column("tree", _("tree"), choice_label("tree"), help=_("by name or value: 数字城管事件 / event")),
    Column("parent", _("parent code"), "parent.code", help=_("empty for a top-level class")),
    Column("depth", _("depth"), imported=False, help=_("follows from the parents")),
    Column("is_leaf", _("leaf"), imported=False, help=_("follows from the parents")),
    Column("complexity", _("default complexity"), choice_label("complexity")),
    Column("sign_hours", _("hours to sign (working)")),
    Column("resolve_days", _("days to resolve (working)")),
    Column("urgent", _("urgent (clock hours)"), help=_("是/否")),
    Column("resolve_hours", _("hours to resolve when urgent (clock)"), help=_("only for urgent classes")),
    Column("unit_kind", _("default responsible unit"), choice_label("unit_kind")),
    Column("keywords", _("keywords")),
    Column("active", _("active"), help=_("是/否")),
)
RULE_COLUMNS = (
    Column("category", _("category code"), "category.code", required=True),
    Column("category_name", _("category name"), "category.name", imported=False),
    Column("grid_level", _("grid level"), help=_("0–4; empty: any level")),
    Column("district", _("district code"), help=_("empty: every district")),
    Column("unit", _("unit code"), help=_("a unit code, a grid code, @1…@4 (the grid's street, community …), or "
                                          "empty for the grid itself")),
    Column("unit_name", _("unit name"), lambda rule: DispatchRuleAdmin.unit_name(None, rule), imported=False),
    Column("assisting", _("assisting unit codes"), help=_("separated by commas")),
    Column("note", _("note")),
)


@admin.register(Category)
class CategoryAdmin(ImportExportMixin, admin.ModelAdmin):
    """Classes and their limits. `gridgov routing load` restores the shipped values of shipped classes."""

    list_display = ("code", "name", "tree", "depth", "is_leaf", "complexity", "sign_hours", "resolve_days",
                    "urgent", "resolve_hours", "unit_kind", "active")
    list_filter = ("tree", "is_leaf", "urgent", "complexity", "unit_kind", "active")
    search_fields = ("code", "name", "keywords")
    autocomplete_fields = ("parent",)
    readonly_fields = ("depth", "is_leaf")  # follow from the parent links (services.refresh_tree)
    list_per_page = 100
    io_columns = CATEGORY_COLUMNS
    io_import = staticmethod(import_categories)

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
class DispatchRuleAdmin(ImportExportMixin, admin.ModelAdmin):
    """The dispatch catalogue (派单目录), edited in place in the list."""

    list_display = ("category", "grid_level", "district", "unit", "unit_name", "assisting", "note")
    list_display_links = ("category",)
    list_editable = ("grid_level", "district", "unit", "assisting", "note")
    list_filter = ("category__tree", "grid_level", "district")
    search_fields = ("category__code", "category__name", "unit", "assisting", "note")
    autocomplete_fields = ("category",)
    list_select_related = ("category",)
    list_per_page = 100
    io_columns = RULE_COLUMNS
    io_import = staticmethod(import_dispatch_rules)

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
