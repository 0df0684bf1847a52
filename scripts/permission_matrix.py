"""Render the permission matrix (src/gridgov/cases/data/permission_matrix.csv) into docs/permissions.md.

    .venv/bin/python scripts/permission_matrix.py          # rewrite the table between the markers
    .venv/bin/python scripts/permission_matrix.py --check  # exit 1 when the docs are stale

tests/cases/test_permission_matrix.py checks that the docs carry exactly what `render` makes of the data. The
block itself (markers, rewrite, check) is gridgov.core.docblock's, shared with scripts/state_table.py.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

from gridgov.core.docblock import DocBlock

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "src" / "gridgov" / "cases" / "data" / "permission_matrix.csv"
BLOCK = DocBlock(ROOT / "docs" / "permissions.md", "permission-matrix", "scripts/permission_matrix.py")


def _load() -> list[dict]:
    with DATA.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def render(rows: list[dict]) -> str:
    """One markdown table: per role and scope class, each action whose outcome depends on the state
    gets its own line; the actions with one outcome in every state are folded into one line per outcome."""
    states = list(rows[0])[3:]
    lines = ["| role | scope | action | " + " | ".join(states) + " |", "|---|---|---|" + "---|" * len(states)]
    groups: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        groups.setdefault((row["role"], row["scope"]), []).append(row)
    for (role, scope), group in groups.items():
        folded: dict[str, list[str]] = {}
        for row in group:
            values = [row[s] for s in states]
            if len(set(values)) > 1:
                lines.append(f"| {role} | {scope} | {row['action']} | " + " | ".join(values) + " |")
            else:
                folded.setdefault(values[0], []).append(row["action"])
        for value, actions in folded.items():
            if len(actions) == len(group):
                named = "every action"
            elif len(actions) > len(group) / 2:
                named = "every other action"
            else:
                named = ", ".join(actions)
            lines.append(f"| {role} | {scope} | {named} | " + " | ".join([value] * len(states)) + " |")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    return BLOCK.main(argv, lambda: render(_load()))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
