from django.contrib import admin

from gridgov.grids.models import Grid, GridBoundary


class BoundaryInline(admin.TabularInline):
    model = GridBoundary
    fields = ("valid_from", "valid_to", "area_m2", "min_lon", "min_lat", "max_lon", "max_lat")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    """Attributes only: polygons change through `gridgov grids import`, which checks and versions them."""

    list_display = ("code", "name", "level", "parent", "kind", "households", "population", "valid_to")
    list_filter = ("level", "kind", ("valid_to", admin.EmptyFieldListFilter))
    search_fields = ("code", "name")
    readonly_fields = ("code", "level", "parent", "valid_from", "valid_to")
    fields = ("code", "name", "level", "parent", "kind", "households", "population", "valid_from", "valid_to")
    inlines = [BoundaryInline]
    list_select_related = ("parent",)
    list_per_page = 100

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # grids are retired, never deleted: cases keep pointing at them
