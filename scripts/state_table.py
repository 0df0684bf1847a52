"""Render the closed loop's table (src/gridgov/cases/transitions.py, TABLE) into docs/architecture.md §3.

    .venv/bin/python scripts/state_table.py          # rewrite the table between the markers
    .venv/bin/python scripts/state_table.py --check  # exit 1 when the docs are stale

tests/test_architecture.py checks that the docs carry exactly what `render` makes of the table, so the
document cannot drift from the data every surface (API, pages, permissions) reads. The block itself (markers,
rewrite, check) is gridgov.core.docblock's, shared with scripts/permission_matrix.py.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from gridgov.core.docblock import DocBlock

ROOT = Path(__file__).resolve().parents[1]
BLOCK = DocBlock(ROOT / "docs" / "architecture.md", "state-table", "scripts/state_table.py")


def render() -> str:
    """One markdown line per action of the table, in the table's order; `–` for an unchanged status."""
    from gridgov.cases.transitions import OPEN_STATUSES, TABLE

    lines = ["| action | 中文 | from | to | roles | relation to the case |", "|---|---|---|---|---|---|"]
    for t in TABLE.values():
        sources = "every open status" if t.sources == OPEN_STATUSES else ", ".join(sorted(t.sources))
        target = t.target or "(unchanged)"
        lines.append(
            f"| `{t.action}` | {t.label} | {sources} | {target} | {', '.join(sorted(t.roles))} | {t.relation} |"
        )
    return "\n".join(lines) + "\n"


def _setup_django() -> None:
    """The table imports the case model: a development environment is enough (no secret key needed)."""
    sys.path[:0] = [str(ROOT / "src")]
    from gridgov.devenv import declare_development

    declare_development()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "gridgov.settings")
    import django

    django.setup()


def main(argv: list[str]) -> int:
    _setup_django()
    return BLOCK.main(argv, render)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
