"""Campaigns and covert findings in the admin, view only: they are written through the services (the API,
the console and the phones), which check scope and write the audit log."""

from django.contrib import admin

from gridgov.campaigns.models import Campaign, CampaignTarget, ChecklistItem, CheckResult, CovertFinding
from gridgov.core.admin_forms import ViewOnlyAdminMixin


class ItemInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = ChecklistItem
    fields = ("position", "text", "needs_photo", "needs_note")
    extra = 0


@admin.register(Campaign)
class CampaignAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("title", "kind", "grid", "start_date", "due_date", "status", "created_by")
    list_filter = ("kind", "status")
    search_fields = ("title", "grid__code")
    list_select_related = ("grid", "created_by")
    inlines = [ItemInline]


@admin.register(CampaignTarget)
class TargetAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("campaign", "grid", "pushed_at")
    search_fields = ("grid__code", "campaign__title")
    list_select_related = ("campaign", "grid")


@admin.register(CheckResult)
class ResultAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("target", "item", "outcome", "worker", "case", "on_spot", "at")
    list_filter = ("outcome", "on_spot")
    list_select_related = ("target__grid", "item", "worker", "case")


@admin.register(CovertFinding)
class FindingAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("found_at", "street", "grid", "category", "title", "case", "inspector")
    list_filter = ("category",)
    search_fields = ("street__code", "grid__code", "title")
    list_select_related = ("street", "grid", "case", "inspector")
    date_hierarchy = "found_at"
