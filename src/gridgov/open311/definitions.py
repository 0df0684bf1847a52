"""Writes of the services' extra fields (GeoReport v2 service definitions), as the admin makes them: checked
and audited, one transaction each."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext

from gridgov.core import audit
from gridgov.core.errors import BadInput
from gridgov.open311.models import Datatype, ServiceAttribute

LISTS = (Datatype.SINGLE, Datatype.MULTI)


def check_attribute(attribute: ServiceAttribute) -> None:
    """BadInput when the field does not hold together: on a branch of the tree, or choices not as its type wants."""
    if attribute.category_id is None or not attribute.category.is_leaf:
        raise BadInput(gettext("extra fields belong to a leaf of the category tree (a service)"))
    values = attribute.values or []
    if attribute.datatype not in LISTS:
        if values:
            raise BadInput(gettext("only a one-of-a-list or several-of-a-list field has choices"))
        return
    shaped = isinstance(values, list) and all(
        isinstance(v, dict) and set(v) == {"key", "name"} and str(v["key"]).strip() and str(v["name"]).strip()
        for v in values
    )
    if not values or not shaped:
        raise BadInput(gettext('a list field needs its choices as [{"key": "…", "name": "…"}, …]'))
    keys = [str(v["key"]) for v in values]
    if len(set(keys)) != len(keys):
        raise BadInput(gettext("each choice needs its own key"))


@transaction.atomic
def save_attribute(*, attribute: ServiceAttribute, actor=None) -> ServiceAttribute:
    """Add or change an extra field of a service (a leaf category)."""
    check_attribute(attribute)
    created = attribute.pk is None
    attribute.save()
    audit.record(
        actor=actor,
        action="open311.attribute_add" if created else "open311.attribute_change",
        object_type="open311.serviceattribute",
        object_id=str(attribute.pk),
        data={"category": attribute.category.code, "code": attribute.code, "datatype": attribute.datatype},
    )
    return attribute


@transaction.atomic
def delete_attribute(*, attribute_id: int, actor=None) -> None:
    attribute = ServiceAttribute.objects.select_related("category").get(pk=attribute_id)
    data = {"category": attribute.category.code, "code": attribute.code}
    attribute.delete()
    audit.record(
        actor=actor,
        action="open311.attribute_delete",
        object_type="open311.serviceattribute",
        object_id=str(attribute_id),
        data=data,
    )
