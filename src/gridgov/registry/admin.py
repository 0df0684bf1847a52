"""The registry in the admin: looked at, masked, never written here except through the import service.

No page shows a name, ID number or phone in full: lists and detail pages show the masked columns only,
and exports the same (core.admin_io). Records change through the services (the API, the import).
"""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from gridgov.core.admin_forms import ServiceAdminMixin, ServiceForm, ViewOnlyAdminMixin
from gridgov.core.admin_io import Column, ImportExportMixin
from gridgov.people.actors import Actor
from gridgov.registry import imports, services
from gridgov.registry.models import AccessLog, Address, Building, Household, Organisation, Resident, Tag

READ_ONLY_COMMON = ("grid", "collected_at", "active")


@admin.register(Address)
class AddressAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("full_text", "level", "grid", "lon", "lat", "collected_at", "active")
    list_filter = ("level", "active")
    search_fields = ("full_text", "grid__code")
    list_select_related = ("grid",)


@admin.register(Building)
class BuildingAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("address", "use", "floors", *READ_ONLY_COMMON)
    list_filter = ("use", "active")
    list_select_related = ("address", "grid")


@admin.register(Household)
class HouseholdAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("address", "size", *READ_ONLY_COMMON)
    list_filter = ("active",)
    search_fields = ("address__full_text", "grid__code")
    list_select_related = ("address", "grid")


class TagForm(ServiceForm):
    class Meta:
        model = Tag
        fields = ("code", "name", "visit_every_days", "active")

    def apply(self, actor):
        return services.save_tag(
            actor=Actor.of(actor),
            code=self.value("code"),
            name=self.value("name"),
            visit_every_days=self.value("visit_every_days"),
            active=bool(self.value("active")),
        )


@admin.register(Tag)
class TagAdmin(ServiceAdminMixin, admin.ModelAdmin):
    """Key groups and their care-visit cadence: saved through services.save_tag (audited); never deleted,
    only made inactive (residents keep their tags)."""

    form = TagForm
    list_display = ("code", "name", "visit_every_days", "active")
    list_editable = ("visit_every_days", "active")


def _tags(resident: Resident) -> str:
    return "、".join(t.name for t in resident.tags.all())


@admin.register(Resident)
class ResidentAdmin(ImportExportMixin, ViewOnlyAdminMixin, admin.ModelAdmin):
    """Masked columns only: the encrypted ones and their digests are not on any admin page."""

    list_display = ("name_masked", "id_masked", "phone_masked", "household", *READ_ONLY_COMMON)
    list_filter = ("active", "tags")
    search_fields = ("household__address__full_text", "grid__code")
    list_select_related = ("household__address", "grid")
    fields = ("name_masked", "id_masked", "phone_masked", "household", "tags", *READ_ONLY_COMMON)
    readonly_fields = fields
    io_columns = (
        Column("compound", _("compound"), value=lambda r: _level(r, "compound")),
        Column("building", _("building no."), value=lambda r: _level(r, "building")),
        Column("entrance", _("entrance no."), value=lambda r: _level(r, "entrance")),
        Column("dwelling", _("dwelling no."), value=lambda r: _level(r, "dwelling")),
        Column("name", pgettext_lazy("registry", "name"), value="name_masked"),
        Column("id_number", _("ID number"), value="id_masked"),
        Column("phone", pgettext_lazy("registry", "phone"), value="phone_masked"),
        Column("tags", _("key groups"), value=_tags),
        Column("grid", _("grid code"), value="grid.code"),
    )
    io_import_help = _(
        "One row per person: 小区, 楼栋, 单元, 户号, 姓名, 身份证号, 联系电话, 标签 (and 网格 or 经度/纬度 for a new "
        "compound). Exports are masked and cannot be imported back."
    )

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("tags")

    def has_import_permission(self, request) -> bool:
        # writes go through imports.import_residents, which checks the person's posts itself
        return self.has_view_permission(request)

    def read_upload(self, request, data: bytes, filename: str):
        return imports.read_file(data, filename)

    def import_rows(self, request, rows, source: str):
        return imports.import_residents(rows=rows, actor=request.user, source=source)


def _level(resident: Resident, level: str) -> str:
    address = resident.household.address
    while address is not None:
        if address.level == level:
            return address.name
        address = address.parent
    return ""


@admin.register(Organisation)
class OrganisationAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = (
        *("name", "kind", "credit_code", "address_text", "contact_name", "contact_phone_masked"),
        *READ_ONLY_COMMON,
    )
    list_filter = ("kind", "active")
    search_fields = ("name", "credit_code", "address_text", "grid__code")
    list_select_related = ("grid",)
    fields = (
        *("kind", "name", "credit_code", "address", "address_text", "lon", "lat"),
        *("contact_name", "contact_phone_masked"),
        *READ_ONLY_COMMON,
    )
    readonly_fields = fields


@admin.register(AccessLog)
class AccessLogAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Who revealed which resident's data: read here, written only by residents.reveal_resident."""

    list_display = ("at", "user", "actor_label", "resident", "grid_code", "field", "reason")
    list_filter = ("field",)
    search_fields = ("user__username", "grid_code", "reason")
    list_select_related = ("user", "resident")
