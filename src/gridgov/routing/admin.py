from django.contrib import admin
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext_lazy as _

from gridgov.core.admin_forms import ServiceAdminMixin, ServiceForm
from gridgov.core.admin_io import Column, ImportExportMixin, choice_label
from gridgov.people.actors import admin_actor
from gridgov.people.models import Unit
from gridgov.routing.edits import delete_dispatch_rule, save_category, save_dispatch_rule
from gridgov.routing.models import Category, DispatchRule, ModeRule
from gridgov.routing.services import import_categories, import_dispatch_rules
from gridgov.routing.services.modes import save_mode_rule

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


def _unit_name(rule):
    """The unit's name on the list and in the export (the queryset annotates it; a code else)."""
    if rule.unit_name:
        return rule.unit_name
    if not rule.unit:
        return _("the grid itself")
    if rule.unit.startswith("@"):
        return _("the grid's ancestor at level %(level)s") % {"level": rule.unit[1:]}
    return "—"


RULE_COLUMNS = (
    Column("category", _("category code"), "category.code", required=True),
    Column("category_name", _("category name"), "category.name", imported=False),
    Column("grid_level", _("grid level"), help=_("0–4; empty: any level")),
    Column("district", _("district code"), help=_("empty: every district")),
    Column(
        "unit",
        _("unit code"),
        help=_("a unit code, a grid code, @1…@4 (the grid's street, community …), or empty for the grid itself"),
    ),
    Column("unit_name", _("unit name"), _unit_name, imported=False),
    Column("assisting", _("assisting unit codes"), help=_("separated by commas")),
    Column("note", _("note")),
)


class CategoryForm(ServiceForm):
    class Meta:
        model = Category
        fields = (
            "code",
            "name",
            "tree",
            "parent",
            "complexity",
            "sign_hours",
            "resolve_days",
            "urgent",
            "resolve_hours",
            "unit_kind",
            "keywords",
            "active",
        )

    def apply(self, actor):
        parent = self.value("parent")
        return save_category(
            code=self.value("code"),
            name=self.value("name"),
            tree=self.value("tree"),
            parent=parent.code if parent else None,
            complexity=self.value("complexity"),
            sign_hours=self.value("sign_hours"),
            resolve_days=self.value("resolve_days"),
            urgent=bool(self.value("urgent")),
            resolve_hours=self.value("resolve_hours"),
            unit_kind=self.value("unit_kind"),
            keywords=self.value("keywords") or "",
            active=bool(self.value("active")),
            actor=actor,
        )


class DispatchRuleForm(ServiceForm):
    class Meta:
        model = DispatchRule
        fields = ("category", "grid_level", "district", "unit", "assisting", "note")

    def apply(self, actor):
        return save_dispatch_rule(
            rule_id=self.instance.pk,
            category=self.value("category"),
            grid_level=self.value("grid_level"),
            district=self.value("district") or "",
            unit=self.value("unit") or "",
            assisting=self.value("assisting") or "",
            note=self.value("note") or "",
            actor=actor,
        )


@admin.register(Category)
class CategoryAdmin(ServiceAdminMixin, ImportExportMixin, admin.ModelAdmin):
    """Classes and their limits. `gridgov routing load` restores the shipped values of shipped classes.
    Saved through routing.edits (checked, audited; depths and leaves follow); classes are switched off
    (active), never deleted: cases are filed under them."""

    list_display = (
        "code",
        "name",
        "tree",
        "depth",
        "is_leaf",
        "complexity",
        "sign_hours",
        "resolve_days",
        "urgent",
        "resolve_hours",
        "unit_kind",
        "active",
    )
    list_filter = ("tree", "is_leaf", "urgent", "complexity", "unit_kind", "active")
    search_fields = ("code", "name", "keywords")
    autocomplete_fields = ("parent",)
    form = CategoryForm
    list_per_page = 100
    io_columns = CATEGORY_COLUMNS
    io_import = staticmethod(import_categories)

    def get_readonly_fields(self, request, obj=None):
        # depth and leaf follow from the parent links (services.refresh_tree); a class keeps its code
        return ("code", "depth", "is_leaf") if obj else ("depth", "is_leaf")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("parent")


@admin.register(DispatchRule)
class DispatchRuleAdmin(ServiceAdminMixin, ImportExportMixin, admin.ModelAdmin):
    """The dispatch catalogue (派单目录), edited in place in the list; every save and delete goes through
    routing.edits, which refuses units and grids that do not exist and writes the audit log."""

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
    form = DispatchRuleForm

    def delete_object(self, request, obj):
        delete_dispatch_rule(rule_id=obj.pk, actor=request.user)

    def get_queryset(self, request):
        # The unit's name in the same query: unit is a code, not a foreign key (it may be a grid or @N).
        names = Unit.objects.filter(code=OuterRef("unit")).values("name")[:1]
        return super().get_queryset(request).annotate(unit_name=Subquery(names))

    @admin.display(description=_("unit name"), ordering="unit")
    def unit_name(self, obj):
        return _unit_name(obj)


class ModeRuleForm(ServiceForm):
    class Meta:
        model = ModeRule
        fields = (
            "mode",
            "complexities",
            "resolve_working_hours",
            "site_visit_required",
            "consultation_required",
            "progress_every_days",
            "district_lead_required",
            "note",
        )

    def apply(self, actor):
        return save_mode_rule(
            actor=admin_actor(actor),
            mode=self.value("mode"),
            complexities=self.value("complexities") or "",
            resolve_working_hours=self.value("resolve_working_hours"),
            site_visit_required=bool(self.value("site_visit_required")),
            consultation_required=bool(self.value("consultation_required")),
            progress_every_days=self.value("progress_every_days"),
            district_lead_required=bool(self.value("district_lead_required")),
            note=self.value("note") or "",
        )


@admin.register(ModeRule)
class ModeRuleAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """办理方式规则: which complexities each mode takes and what it asks before a result; saves go through
    routing.services.modes (checked, audited). The four modes are fixed: no adding or deleting."""

    list_display = (
        "mode",
        "complexities",
        "resolve_working_hours",
        "site_visit_required",
        "consultation_required",
        "progress_every_days",
        "district_lead_required",
    )
    form = ModeRuleForm

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
