from django.contrib import admin

from gridgov.people.models import Post, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "district", "phone", "active")
    list_filter = ("kind", "active", "district")
    search_fields = ("code", "name")


@admin.register(Post)
class PostAdmin(admin.ModelAdmin):
    """Posts are the permissions: a role over a scope (grid subtree or unit)."""

    list_display = ("user", "role", "scope", "title", "phone", "public", "active")
    list_filter = ("role", "active", "public")
    search_fields = ("user__username", "user__first_name", "scope", "title")
    autocomplete_fields = ("user",)
    list_select_related = ("user",)
    list_per_page = 100
