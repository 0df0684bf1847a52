"""A service's extra fields as a client sends them: `attribute[CODE]=v`, or for a multivaluelist
`attribute[CODE][]=a&attribute[CODE][]=b` (PHP style, as the spec's clients do); checked against the definition."""

from __future__ import annotations

import re

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext

from gridgov.core.errors import BadInput
from gridgov.open311.models import Datatype, ServiceAttribute

NAME = re.compile(r"^attribute\[([^\[\]]+)\](\[\])?$")
MAX_LENGTH = {Datatype.STRING: 200, Datatype.TEXT: 2000}


def sent(data) -> dict[str, list[str]]:
    """code → the values sent (empty ones dropped: an empty parameter is absent)."""
    found: dict[str, list[str]] = {}
    for name in data:
        match = NAME.match(name)
        if match:
            values = [v.strip() for v in data.getlist(name) if v.strip()]
            if values:
                found.setdefault(match.group(1), []).extend(values)
    return found


def _one(attr: ServiceAttribute, value: str) -> str:
    keys = {str(v["key"]) for v in attr.values}
    if attr.datatype in (Datatype.SINGLE, Datatype.MULTI) and value not in keys:
        raise BadInput(
            gettext("attribute[%(code)s]: %(value)r is not one of %(keys)s")
            % {"code": attr.code, "value": value, "keys": ", ".join(sorted(keys))}
        )
    if attr.datatype == Datatype.NUMBER:
        try:
            float(value)
        except ValueError:
            raise BadInput(gettext("attribute[%(code)s] must be a number") % {"code": attr.code}) from None
    if attr.datatype == Datatype.DATETIME:
        try:
            ok = parse_datetime(value) is not None
        except ValueError:
            ok = False
        if not ok:
            raise BadInput(gettext("attribute[%(code)s] must be a date-time (ISO 8601)") % {"code": attr.code})
    if len(value) > MAX_LENGTH.get(attr.datatype, 200):
        raise BadInput(gettext("attribute[%(code)s] is too long") % {"code": attr.code})
    return value


def checked(attrs: list[ServiceAttribute], given: dict[str, list[str]]) -> dict[str, str | list[str]]:
    """The values by code, each checked; BadInput for an unknown code, a missing required one, several values
    where one is expected, or a value of the wrong type or outside the list."""
    by_code = {a.code: a for a in attrs if a.variable}
    unknown = sorted(set(given) - set(by_code))
    if unknown:
        raise BadInput(
            gettext("unknown attribute(s) %(codes)s for this service: its definition lists %(known)s")
            % {"codes": ", ".join(unknown), "known": ", ".join(by_code) or "-"}
        )
    out: dict[str, str | list[str]] = {}
    for code, attr in by_code.items():
        values = given.get(code, [])
        if not values:
            if attr.required:
                raise BadInput(
                    gettext("attribute[%(code)s] is required: %(question)s")
                    % {"code": code, "question": attr.description}
                )
            continue
        if attr.datatype == Datatype.MULTI:
            out[code] = [_one(attr, v) for v in dict.fromkeys(values)]
        elif len(values) > 1:
            raise BadInput(gettext("attribute[%(code)s] takes one value") % {"code": code})
        else:
            out[code] = _one(attr, values[0])
    return out


def as_text(attrs: list[ServiceAttribute], values: dict[str, str | list[str]]) -> str:
    """The answers as lines for the case's description (what staff read): question: answer."""
    lines = []
    for attr in attrs:
        if attr.code not in values:
            continue
        names = {str(v["key"]): v["name"] for v in attr.values}
        answer = values[attr.code]
        shown = [names.get(v, v) for v in (answer if isinstance(answer, list) else [answer])]
        lines.append(f"{attr.description}: {'、'.join(shown)}")
    return "\n".join(lines)
