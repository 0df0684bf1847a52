"""Free text from forms and the API (表单文字): stripped, required or not, within a length; one rule for the
apps above cases (cases keep theirs in cases/services/inputs.py, with the field names of the case file)."""

from __future__ import annotations

from django.utils.translation import gettext

from gridgov.core.errors import BadInput


def clean_text(value: object, what: str, *, limit: int, required: bool = False) -> str:
    """`value` as text, stripped; BadInput naming `what` when required and empty, or longer than `limit`."""
    value = str(value or "").strip()
    if required and not value:
        raise BadInput(gettext("%(what)s is required") % {"what": what})
    if len(value) > limit:
        raise BadInput(gettext("%(what)s is limited to %(n)d characters") % {"what": what, "n": limit})
    return value
