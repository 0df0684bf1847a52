"""人大代表进网格 in the admin, view only: everything is written by the services (the API, the deputies' pages,
gridgov.deputies.receptions). Residents appear by their masked names and phones only."""

from django.contrib import admin

from gridgov.core.admin_forms import ViewOnlyAdminMixin
from gridgov.deputies.models import DeputyProfile, Hop, LiaisonStation, Need, Reception, Suggestion


@admin.register(DeputyProfile)
class ProfileAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("user", "level")
    list_filter = ("level",)


@admin.register(LiaisonStation)
class StationAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("name", "grid", "address")
    search_fields = ("name", "grid__code")


@admin.register(Reception)
class ReceptionAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("station", "day", "residents_received")
    list_filter = ("day",)


class HopInline(ViewOnlyAdminMixin, admin.TabularInline):
    model = Hop
    fields = ("from_deputy", "from_level", "to_level", "reason", "at")
    extra = 0


@admin.register(Need)
class NeedAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("number", "grid", "source", "level", "status", "deputy", "case", "rating", "collected_at")
    list_filter = ("status", "level", "source")
    search_fields = ("number", "grid__code")
    fields: tuple[str, ...] = ("number", "grid", "source", "text", "name_masked", "phone_masked", "level", "status")
    fields += ("deputy", "case", "result", "rating", "rated_by", "collected_at", "closed_at")
    inlines = [HopInline]


@admin.register(Suggestion)
class SuggestionAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("number", "title", "deputy", "unit", "adoption", "rating", "filed_at")
    list_filter = ("adoption", "rating")
