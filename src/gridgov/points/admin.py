"""Points in the admin. Rules (积分规则) are edited here, each save a call of services.save_rule (checked and
audited); accounts, entries and the supermarkets' shelves are view only: the counter, the API and the sync
write them. Residents appear by their masked names only."""

from django.contrib import admin

from gridgov.core.admin_forms import ServiceAdminMixin, ServiceForm, ViewOnlyAdminMixin
from gridgov.people.actors import admin_actor
from gridgov.points import services
from gridgov.points.models import Account, Entry, Item, PointsRule, RedemptionLine, Supermarket


class RuleForm(ServiceForm):
    class Meta:
        model = PointsRule
        fields = ("kind", "name", "points", "active", "daily_cap")

    def apply(self, actor):
        return services.save_rule(
            actor=admin_actor(actor),
            kind=self.value("kind"),
            name=self.value("name") or "",
            points=self.value("points") or 0,
            active=bool(self.value("active")),
            daily_cap=self.value("daily_cap"),
        )


@admin.register(PointsRule)
class RuleAdmin(ServiceAdminMixin, admin.ModelAdmin):
    form = RuleForm
    list_display = ("kind", "name", "points", "daily_cap", "active")
    list_editable = ("points", "daily_cap", "active")

    def get_readonly_fields(self, request, obj=None):
        return ("kind",) if obj is not None else ()  # entries name their kind: a kind is never renamed


class EntryInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = Entry
    fields = ("at", "amount", "balance_after", "reason", "source_kind", "source_ref", "actor")
    extra = 0


@admin.register(Account)
class AccountAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("resident", "balance", "opened_at")
    search_fields = ("code",)
    fields = ("resident", "balance", "opened_at")
    list_select_related = ("resident",)
    inlines = [EntryInline]


@admin.register(Entry)
class EntryAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("at", "account", "amount", "balance_after", "source_kind", "source_ref", "reason")
    list_filter = ("source_kind",)
    list_select_related = ("account__resident",)
    date_hierarchy = "at"


class ItemInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = Item
    fields = ("name", "points", "stock", "active")
    extra = 0


@admin.register(Supermarket)
class SupermarketAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "community", "active")
    list_select_related = ("community",)
    inlines = [ItemInline]


@admin.register(RedemptionLine)
class LineAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("entry", "item", "quantity", "points")
