"""Helpers for the admin tests of issue 9: a superuser's client and a change form's data as the browser posts it."""

from django.db.models import Model

from gridgov.core.models import AuditEvent


def _value(value):
    if isinstance(value, Model):
        return value.pk
    return value


def form_data(response) -> dict:
    """What the change form in `response` would post unchanged: its fields' values and the inlines' forms."""
    assert response.status_code == 200, response.content[:2000]
    data: dict = {}

    def add(form):
        for name in form.fields:
            value = _value(form[name].value())
            if value is None or value is False:
                continue
            data[form.add_prefix(name)] = "on" if value is True else value

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.forms:
            add(form)
    return data


def audit_rows(action: str, object_id=None) -> list[AuditEvent]:
    rows = AuditEvent.objects.filter(action=action)
    if object_id is not None:
        rows = rows.filter(object_id=str(object_id))
    return list(rows)
