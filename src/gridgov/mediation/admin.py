"""Mediation in the admin, view only: teams, disputes and their records are written by the services (the API,
the mediator's pages, `gridgov.mediation.teams`). Parties appear by their masked names and phones only."""

from django.contrib import admin

from gridgov.core.admin_forms import ViewOnlyAdminMixin
from gridgov.mediation.models import Dispute, MediationSession, MediationTeam, Party, TeamMember


class MemberInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = TeamMember
    fields = ("user", "role")
    extra = 0


@admin.register(MediationTeam)
class TeamAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "code", "level", "kind", "domain", "short_name", "active")
    list_filter = ("level", "kind", "domain")
    search_fields = ("name", "code")
    fields = ("name", "code", "level", "kind", "domain", "short_name", "active")
    inlines = [MemberInline]


class PartyInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = Party
    fields = ("role", "name_masked", "phone_masked")
    extra = 0


class SessionInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = MediationSession
    fields = ("at", "place", "attendees", "notes")
    extra = 0


@admin.register(Dispute)
class DisputeAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("number", "title", "dispute_class", "domain", "grid", "team", "status", "due_at")
    list_filter = ("status", "dispute_class", "domain", "source")
    search_fields = ("number", "grid__code", "title")
    list_select_related = ("grid", "team")
    date_hierarchy = "received_at"
    fields = (
        "number",
        "dispute_class",
        "domain",
        "title",
        "description",
        "grid",
        "level",
        "team",
        "routing",
        "status",
        "source",
        "case",
        "visit",
        "received_at",
        "due_at",
        "extended_at",
        "extension_reason",
        "finished_at",
        "outcome",
    )
    inlines = [PartyInline, SessionInline]
