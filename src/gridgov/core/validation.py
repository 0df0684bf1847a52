"""Schema validation errors (pydantic, through Django Ninja) as sentences in the reader's language.

pydantic writes its `msg` in English only; we say the same from the error's `type` and `ctx`, so a
resident's phone shows 「title：必填」 rather than "Field required". Field names stay as the API
spells them (they are codes a client sends).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext, pgettext

# Parts of `loc` that say where the value came from, not which field it is.
_SOURCES = frozenset({"body", "query", "payload", "path", "form", "file"})


def _problem(error: Mapping[str, Any]) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return gettext("this field is required")
    if kind == "extra_forbidden":
        return gettext("this field is not accepted")
    if kind in ("string_type", "string_unicode"):
        return gettext("must be text")
    if kind in ("int_type", "int_parsing", "int_from_float", "int_parsing_size"):
        return gettext("must be a whole number")
    if kind in ("float_type", "float_parsing", "decimal_type", "decimal_parsing", "finite_number"):
        return gettext("must be a number")
    if kind in ("bool_type", "bool_parsing"):
        return gettext("must be true or false")
    if kind in ("list_type", "tuple_type", "set_type"):
        return gettext("must be a list")
    if kind in ("dict_type", "model_type", "model_attributes_type", "dataclass_type"):
        return gettext("must be an object")
    if kind.startswith("date") or kind.startswith("datetime"):
        return gettext("must be a date like 2026-11-01")
    if kind in ("literal_error", "enum"):
        # pydantic says "'a', 'b' or 'c'": keep the codes, say the "or" in the reader's language
        expected = str(ctx.get("expected", ""))
        return gettext("must be one of %(expected)s") % {
            "expected": any_of(re.findall(r"'[^']*'", expected)) or expected
        }
    if kind == "string_too_long":
        return gettext("must be at most %(max)s characters") % {"max": ctx.get("max_length", "")}
    if kind == "string_too_short":
        return gettext("must be at least %(min)s characters") % {"min": ctx.get("min_length", "")}
    if kind == "too_long":
        return gettext("has too many items (at most %(max)s)") % {"max": ctx.get("max_length", "")}
    if kind == "too_short":
        return gettext("has too few items (at least %(min)s)") % {"min": ctx.get("min_length", "")}
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        sign = {"greater_than": ">", "greater_than_equal": "≥", "less_than": "<", "less_than_equal": "≤"}[kind]
        limit = ctx.get(
            {"greater_than": "gt", "greater_than_equal": "ge", "less_than": "lt", "less_than_equal": "le"}[kind], ""
        )
        return gettext("must be %(sign)s %(limit)s") % {"sign": sign, "limit": limit}
    if kind in ("json_invalid", "json_type"):
        return gettext("is not valid JSON")
    return gettext("this value is not valid")


def any_of(names: Iterable[str]) -> str:
    """ "a, b or c" / "a、b或c"."""
    names = [str(n) for n in names]
    if len(names) <= 1:
        return "".join(names)
    return gettext("%(some)s or %(last)s") % {
        "some": pgettext("list separator", ", ").join(names[:-1]),
        "last": names[-1],
    }


def field_of(error: Mapping[str, Any]) -> str:
    return ".".join(str(p) for p in error.get("loc", ()) if p not in _SOURCES)


def describe_errors(errors: Iterable[Mapping[str, Any]]) -> str:
    """「title：必填；lon：必须是数字」/ "title: this field is required; lon: must be a number"."""
    parts = [
        gettext("%(field)s: %(problem)s") % {"field": field_of(e) or gettext("request body"), "problem": _problem(e)}
        for e in errors
    ]
    return gettext("; ").join(parts) or gettext("the request is not valid")
