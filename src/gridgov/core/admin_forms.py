"""Admin forms whose save is a service call (配置变更走服务): checked, audited, never a bare model write.

A `ServiceForm` names the service call in `apply(actor)`. Its `clean()` runs that call once inside a
transaction that is rolled back, so the service's own checks (a unit that does not exist, an invalid
polygon, a scope that is no grid) come back as form errors and nothing is written; the admin's
`save_model` then runs it for real. `ServiceAdminMixin` wires this into the change form and the
changelist's list_editable rows, and sends deletes to `delete_object(request, obj)` (or refuses them).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction

from gridgov.core.errors import GridgovError


def _messages(exc: Exception) -> list[str]:
    """What a service's error says, as form error messages."""
    errors = getattr(exc, "errors", None)  # RowErrors and the grid import's errors carry rows
    if errors:
        return [str(getattr(e, "message", e)) for e in errors]
    return [exc.message if isinstance(exc, GridgovError) else str(exc)]


class ServiceForm(forms.ModelForm):
    """A ModelForm saved by `apply(actor)`, a service call; `actor` is set by ServiceAdminMixin."""

    actor: Any = None
    # the refusals a service raises (RowErrors is one); a form adds its app's own, such as a grid import's
    service_errors: tuple[type[Exception], ...] = (GridgovError,)

    def value(self, name: str) -> Any:
        """A field's submitted value, or the instance's when the form does not have the field
        (a changelist row edits only the list_editable columns)."""
        if name in self.fields:
            return self.cleaned_data.get(name)
        return getattr(self.instance, name)

    def apply(self, actor) -> Any:
        raise NotImplementedError

    def clean(self):
        cleaned = super().clean()
        if self._errors:
            return cleaned  # the fields are wrong already: the service would only repeat it
        try:
            with transaction.atomic():
                self.apply(self.actor)
                transaction.set_rollback(True)  # a check only: save_model writes
        except self.service_errors as exc:
            raise ValidationError(_messages(exc)) from exc
        return cleaned


class ServiceAdminMixin:
    """Mix into a ModelAdmin (before admin.ModelAdmin) whose `form` is a ServiceForm.

    Saves go through `form.apply`; deletes through `delete_object`, which an admin defines or, when it
    does not, deletes are refused. Inlines must be read-only.
    """

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def get_changelist_form(self, request, **kwargs):
        kwargs.setdefault("form", self.form)
        form = super().get_changelist_form(request, **kwargs)
        return type(form.__name__, (form,), {"actor": request.user})

    def save_model(self, request, obj, form, change):
        saved = form.apply(request.user)
        if saved is not None and getattr(saved, "pk", None) is not None:
            obj.pk = saved.pk

    def save_related(self, request, form, formsets, change):
        """No many-to-many fields and only read-only inlines: nothing else to write (the admin's change
        message still asks the inlines what they saved)."""
        for formset in formsets:
            formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []

    def has_delete_permission(self, request, obj=None):
        return hasattr(self, "delete_object") and super().has_delete_permission(request, obj)

    def delete_model(self, request, obj):
        self.delete_object(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_object(request, obj)


class ViewOnlyAdminMixin:
    """Mix into a ModelAdmin or an inline (before it) for what only services write — audit events,
    notifications, cases and their events, boundary history: the admin looks, never changes."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
