"""The party layer in the admin, view only: groups, members, links, calls and answers are written through the
services (the API and /console/party/). Members' phones appear masked only."""

from django.contrib import admin

from gridgov.core.admin_forms import ViewOnlyAdminMixin
from gridgov.party.models import LiaisonLink, PartyGroup, PartyMember, Registration, WhistleAnswer, WhistleCall


@admin.register(PartyGroup)
class PartyGroupAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "grid", "leader", "created_on")
    search_fields = ("name", "grid__code")
    list_select_related = ("grid", "leader")
    fields = ("grid", "name", "leader", "created_on")


@admin.register(PartyMember)
class PartyMemberAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "grid", "kind", "employer", "phone_masked", "active")
    list_filter = ("kind", "active")
    search_fields = ("name", "grid__code")
    list_select_related = ("grid",)
    fields = ("name", "user", "grid", "group", "kind", "employer", "phone_masked", "joined_on", "active")


@admin.register(LiaisonLink)
class LiaisonLinkAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("member", "household", "start_date", "end_date")
    list_select_related = ("member", "household__address")
    fields = ("member", "household", "start_date", "end_date")


@admin.register(Registration)
class RegistrationAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("member", "community", "registered_at", "confirmed_at", "ended_at")
    list_select_related = ("member", "community")
    fields = ("member", "community", "registered_at", "confirmed_by", "confirmed_at", "ended_at")


class AnswerInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = WhistleAnswer
    fields = ("member", "answered_at", "hours", "confirmed_by", "confirmed_at")
    extra = 0


@admin.register(WhistleCall)
class WhistleCallAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("title", "grid", "starts_at", "people_needed", "status")
    list_filter = ("status",)
    search_fields = ("title", "grid__code")
    list_select_related = ("grid",)
    date_hierarchy = "starts_at"
    fields = (
        "grid",
        "title",
        "task",
        "place",
        "starts_at",
        "people_needed",
        "case",
        "status",
        "opened_by",
        "opened_at",
    )
    inlines = [AnswerInline]
