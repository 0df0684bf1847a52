from dataclasses import dataclass

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.db.models import OuterRef, Subquery
from django.db.models.functions import Coalesce, Length
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gridgov.core.admin_forms import ServiceAdminMixin, ServiceForm, ViewOnlyAdminMixin
from gridgov.core.admin_io import Column, ImportExportMixin, choice_label, read_table
from gridgov.core.rows import RowErrors
from gridgov.grids.models import Grid
from gridgov.people import roster
from gridgov.people.models import ApiToken, Post, Role, Unit
from gridgov.people.services import (
    POST_DETAILS,
    assign_post,
    edit_post,
    import_people,
    import_units,
    remove_post,
    revoke_token,
)

UNIT_COLUMNS = (
    Column("code", _("code"), required=True, help=_("D + the district code + 3 digits: D410102001")),
    Column("name", _("name")),
    Column("kind", _("kind"), choice_label("kind"), help=_("by name or value: 政府职能部门 / department")),
    Column("district", _("district code"), help=_("follows from the code; checked when given")),
    Column("phone", _("public phone")),
    Column("active", _("active"), help=_("是/否")),
)
ROSTER_COLUMNS = (
    Column(
        "username",
        _("username"),
        "user.username",
        required=True,
        help=_("the sign-in name; a new one creates an account without a password"),
    ),
    Column("full_name", _("full name"), "user.first_name", aliases=("姓名", "name")),
    Column("phone", _("phone"), help=_("the post's work phone, shown on the public board")),
    Column("role", _("role"), choice_label("role"), required=True, help=_("by name or value: 网格员 / grid_worker")),
    Column("scope", _("scope code"), help=_("a grid code; a unit code for a department handler")),
    Column(
        "unit",
        _("unit"),
        "scope_name",
        help=_(
            "the name of the scope's grid or unit, checked against the scope code; a department handler's "
            "row may give the unit instead of the scope code"
        ),
    ),
    Column("title", _("post title")),
    Column("public", _("public"), help=_("是/否: shown on the grid's public board")),
    Column("active", _("active"), help=_("是/否")),
)


@dataclass(frozen=True)
class SeedsRoster:
    """Rows of a roster in the communities' form, told apart from this list's own columns."""

    rows: list


class UnitForm(ServiceForm):
    class Meta:
        model = Unit
        fields = ("code", "name", "kind", "phone", "active")

    def apply(self, actor):
        code = self.value("code")
        import_units(
            rows=[
                {
                    "row": 1,
                    "code": code,
                    "name": self.value("name"),
                    "kind": self.value("kind"),
                    "phone": self.value("phone") or "",
                    "active": "1" if self.value("active") else "0",
                }
            ],
            actor=actor,
            source=f"admin edit {code}",
        )
        return Unit.objects.get(code=code)


class PostForm(ServiceForm):
    class Meta:
        model = Post
        fields = (
            "user",
            "role",
            "scope",
            "kind",
            "title",
            "workplace",
            "phone",
            "full_time",
            "start_date",
            "end_date",
            "public",
            "active",
        )

    def apply(self, actor):
        values = {name: self.value(name) for name in self._meta.fields}
        for name in ("title", "phone", "kind", "workplace"):
            values[name] = values[name] or ""
        if self.instance.pk is None:
            details = {name: values.pop(name) for name in POST_DETAILS}
            return assign_post(actor=actor, details=details, **values)
        return edit_post(post_id=self.instance.pk, actor=actor, **values)


@admin.register(Unit)
class UnitAdmin(ServiceAdminMixin, ImportExportMixin, admin.ModelAdmin):
    """Units are switched off (active), never deleted: cases and rules name them by code."""

    form = UnitForm
    list_display = ("code", "name", "kind", "district", "phone", "active")
    list_filter = ("kind", "active", "district")
    search_fields = ("code", "name", "phone")
    list_per_page = 100
    io_columns = UNIT_COLUMNS
    io_import = staticmethod(import_units)

    def get_readonly_fields(self, request, obj=None):
        return ("code", "district") if obj else ()


class ScopeFilter(admin.SimpleListFilter):
    """Posts by what their scope is: the district, a street, a community, a grid, a micro grid or a unit."""

    title = _("scope level")
    parameter_name = "scope_level"
    LENGTHS = {"0": 6, "1": 9, "2": 12, "3": 15, "4": 18}

    def lookups(self, request, model_admin):
        return [
            ("0", _("district")),
            ("1", _("street")),
            ("2", _("community")),
            ("3", _("level-3 grid")),
            ("4", _("micro grid")),
            ("unit", _("unit")),
        ]

    def queryset(self, request, queryset):
        if self.value() == "unit":
            return queryset.filter(scope__startswith="D")
        if self.value() in self.LENGTHS:
            return (
                queryset.exclude(scope__startswith="D")
                .alias(scope_length=Length("scope"))
                .filter(scope_length=self.LENGTHS[self.value()])
            )
        return queryset


@admin.register(Post)
class PostAdmin(ServiceAdminMixin, ImportExportMixin, admin.ModelAdmin):
    """Posts are the permissions: a role over a scope (grid subtree or unit). The roster (花名册) is this list.
    Every add, change and delete goes through people.services (checked and audited)."""

    form = PostForm

    list_display = (
        "user",
        "full_name",
        "role",
        "kind",
        "scope",
        "scope_name",
        "title",
        "phone",
        "end_date",
        "public",
        "active",
    )
    list_filter = ("role", "kind", ScopeFilter, "full_time", "active", "public")
    search_fields = ("user__username", "user__first_name", "scope", "title", "phone")
    autocomplete_fields = ("user",)
    list_select_related = ("user",)
    list_per_page = 100
    io_columns = ROSTER_COLUMNS
    io_import = staticmethod(import_people)
    io_import_help = _(
        "One row per post: a person with two posts has two rows. A roster in the communities' own form "
        "(姓名, 单位, 职务, 联系电话, 网格编码, 专职/兼职, 任职日期) is read too."
    )

    def read_upload(self, request, data: bytes, filename: str):
        """This list's own columns, else the communities' roster form (people/roster.py): the first
        error is the one shown when the file is neither."""
        try:
            return super().read_upload(request, data, filename)
        except RowErrors as own:
            try:
                return SeedsRoster(read_table(data, filename, roster.COLUMNS))
            except RowErrors:
                raise own from None

    def import_rows(self, request, rows, source: str):
        if isinstance(rows, SeedsRoster):
            return roster.import_roster(rows=rows.rows, actor=request.user, source=source)
        return super().import_rows(request, rows, source)

    def delete_object(self, request, obj):
        remove_post(post_id=obj.pk, actor=request.user)

    def get_queryset(self, request):
        # The scope's name in the same query: scope is a code, of a grid or of a unit.
        grid = Grid.objects.filter(code=OuterRef("scope")).values("name")[:1]
        unit = Unit.objects.filter(code=OuterRef("scope")).values("name")[:1]
        return super().get_queryset(request).annotate(scope_name=Coalesce(Subquery(grid), Subquery(unit)))

    def get_search_results(self, request, queryset, search_term):
        # A role's name finds its posts too: 网格员 lists the grid workers.
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        term = (search_term or "").strip()
        roles = [value for value, label in Role.choices if term and term in str(label)]
        if roles:
            found = found | queryset.filter(role__in=roles)
        return found, may_have_duplicates

    @admin.display(description=_("full name"), ordering="user__first_name")
    def full_name(self, obj):
        return obj.user.first_name

    @admin.display(description=_("unit"), ordering="scope_name")
    def scope_name(self, obj):
        return obj.scope_name or "—"

    def import_message(self, result, dry_run):
        message = super().import_message(result, dry_run)
        if result.get("users_created"):
            message += " " + gettext("%(count)d new accounts have no password yet: set one under Users.") % {
                "count": result["users_created"]
            }
        return message


class AccountAdmin(UserAdmin):
    """Accounts are switched off (active), never deleted: deleting one would take its posts with it past
    people.services (and the audit log), and its cases keep the name of who acted."""

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApiToken)
class ApiTokenAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    """Everyone's API tokens (never their keys: only hashes are stored); revoking goes through
    people.services (audited). Tokens are issued by signing in, never here."""

    list_display = ("user", "label", "created_at", "last_used_at", "expires_at", "revoked_at")
    list_filter = (("revoked_at", admin.EmptyFieldListFilter), "expires_at", "created_at")
    search_fields = ("user__username", "user__first_name", "label")
    list_select_related = ("user",)
    fields = ("user", "label", "created_at", "last_used_at", "expires_at", "revoked_at")
    actions = ("revoke",)
    list_per_page = 100

    def has_revoke_permission(self, request):
        return request.user.has_perm("people.change_apitoken")

    @admin.action(description=_("Revoke the selected tokens"), permissions=("revoke",))
    def revoke(self, request, queryset):
        for pk in queryset.filter(revoked_at__isnull=True).values_list("pk", flat=True):
            revoke_token(token_id=pk, actor=request.user)
        self.message_user(request, gettext("The selected tokens are revoked: their holders must sign in again."))


admin.site.unregister(get_user_model())
admin.site.register(get_user_model(), AccountAdmin)
