"""Invariants between tables kept in code (不变量), checked when their module is imported.

An `assert` at module level vanishes under `python -O`; `require_same_keys` does not: a module whose two
tables disagree (an action without its service, an event without its label …) fails to import, in every
process and whatever the interpreter's flags (tests/core/test_invariants.py proves it under -O).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ImproperlyConfigured


def require_same_keys(first: Iterable, second: Iterable, rule: str) -> None:
    """Raise ImproperlyConfigured, naming the odd keys, unless `first` and `second` hold the same keys."""
    first, second = set(first), set(second)
    if first != second:
        raise ImproperlyConfigured(
            f"{rule}: only in the first {sorted(first - second)}, only in the second {sorted(second - first)}"
        )
