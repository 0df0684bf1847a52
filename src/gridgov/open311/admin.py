"""Open311 in the admin: client applications' keys (made through open311.keys: the plain key is shown once,
on the page after saving, and never stored), the services' extra fields, and what clients posted (view only;
the e-mail is never shown)."""

from django import forms
from django.contrib import admin, messages
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from gridgov.core.admin_forms import ViewOnlyAdminMixin
from gridgov.core.errors import GridgovError
from gridgov.open311 import definitions, keys
from gridgov.open311.models import ApiKey, ServiceAttribute, Submission


class NewKeyForm(forms.ModelForm):
    class Meta:
        model = ApiKey
        fields = ("name", "per_minute")


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "per_minute", "active", "created_at")
    list_filter = ("active",)
    search_fields = ("name",)
    actions = ("switch_off", "switch_on")

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = NewKeyForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request, obj=None):
        return ("name", "per_minute") if obj is None else ("name", "prefix", "per_minute", "active", "created_at")

    def get_readonly_fields(self, request, obj=None):
        return () if obj is None else ("name", "prefix", "active", "created_at")

    def has_delete_permission(self, request, obj=None):
        return False  # switched off, never deleted: its requests keep pointing at it

    def save_model(self, request, obj, form, change):
        if change:
            keys.set_key_rate(key_id=obj.pk, per_minute=form.cleaned_data["per_minute"], actor=request.user)
            return
        key, plain = keys.create_key(
            name=form.cleaned_data["name"], per_minute=form.cleaned_data["per_minute"], actor=request.user
        )
        obj.pk = key.pk
        messages.warning(
            request,
            gettext("The API key of %(name)s is %(key)s — copy it now: it is shown only this once.")
            % {"name": key.name, "key": plain},
        )

    @admin.action(description=_("Switch the selected keys off"))
    def switch_off(self, request, queryset):
        for pk in queryset.values_list("pk", flat=True):
            keys.set_key_active(key_id=pk, active=False, actor=request.user)

    @admin.action(description=_("Switch the selected keys on"))
    def switch_on(self, request, queryset):
        for pk in queryset.values_list("pk", flat=True):
            keys.set_key_active(key_id=pk, active=True, actor=request.user)


class AttributeForm(forms.ModelForm):
    class Meta:
        model = ServiceAttribute
        fields = (
            "category",
            "code",
            "description",
            "datatype",
            "datatype_description",
            "required",
            "variable",
            "order",
            "values",
        )

    def clean(self):
        data = super().clean()
        probe = ServiceAttribute(
            category=data.get("category"), datatype=data.get("datatype"), values=data.get("values") or []
        )
        if data.get("category") is not None:
            try:
                definitions.check_attribute(probe)
            except GridgovError as exc:
                raise forms.ValidationError(exc.message) from exc
        return data


@admin.register(ServiceAttribute)
class ServiceAttributeAdmin(admin.ModelAdmin):
    list_display = ("category", "code", "datatype", "required", "order")
    list_filter = ("datatype", "required")
    search_fields = ("category__code", "category__name", "code", "description")
    autocomplete_fields = ("category",)

    form = AttributeForm

    def save_model(self, request, obj, form, change):
        definitions.save_attribute(attribute=obj, actor=request.user)

    def delete_model(self, request, obj):
        definitions.delete_attribute(attribute_id=obj.pk, actor=request.user)

    def delete_queryset(self, request, queryset):
        for pk in queryset.values_list("pk", flat=True):
            definitions.delete_attribute(attribute_id=pk, actor=request.user)


@admin.register(Submission)
class SubmissionAdmin(ViewOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("case", "client", "token", "created_at")
    list_filter = ("client",)
    search_fields = ("case__number", "token")
    list_select_related = ("case", "client")
    fields = (
        "case",
        "client",
        "token",
        "device_id",
        "account_id",
        "address_id",
        "media_urls",
        "attributes",
        "created_at",
    )
