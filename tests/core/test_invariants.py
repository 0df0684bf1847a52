"""Invariants between tables kept in code survive `python -O` (core/invariants.py): no module-level
`assert` guards one, and each `require_same_keys` at module level still refuses a broken table under -O."""

import ast
import os

import pytest

from tests.core.settings_util import ROOT, run

# source and imports under `python -O`, no database: the SQLite run covers it (`once`)
pytestmark = pytest.mark.once

SRC = ROOT / "src" / "gridgov"


def _module_level(tree: ast.Module):
    """Statements run at import: the module's own, and those inside its top-level if/try/with blocks."""
    todo = list(tree.body)
    while todo:
        node = todo.pop()
        yield node
        if isinstance(node, (ast.If, ast.Try, ast.With)):
            todo.extend(ast.iter_child_nodes(node))


def _sites() -> list[tuple[str, str, int, int]]:
    """(module, the name of a table it compares, first and last line) of each module-level require_same_keys."""
    found = []
    for path in sorted(SRC.rglob("*.py")):
        tree = ast.parse(path.read_text("utf-8"))
        for node in _module_level(tree):
            call = node.value if isinstance(node, ast.Expr) else None
            if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "require_same_keys":
                name = next(arg.id for arg in call.args[:2] if isinstance(arg, ast.Name))
                module = ".".join(path.relative_to(SRC.parent).with_suffix("").parts)
                found.append((module, name, node.lineno, node.end_lineno))
    return found


def test_no_module_level_assert_in_src():
    asserts = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in SRC.rglob("*.py")
        for node in _module_level(ast.parse(path.read_text("utf-8")))
        if isinstance(node, ast.Assert)
    ]
    assert asserts == [], "an assert vanishes under python -O: use core.invariants.require_same_keys"


def test_the_invariants_are_where_they_were():
    modules = {module for module, *_ in _sites()}
    assert {
        "gridgov.cases.transitions",
        "gridgov.web.console",
        "gridgov.assessment.views",
        "gridgov.assessment.models",
    } <= modules
    assert any(module.startswith("gridgov.cases.") for module, name, *_ in _sites() if name == "ACTION_SERVICES")


def test_the_whole_project_imports_and_checks_under_python_O():
    done = run(["-O", "-m", "django", "check"], dict(os.environ))
    assert done.returncode == 0, done.stdout + done.stderr[-3000:]


# In a -O process: set Django up, then run a module's source again, up to its check, with one key added to one of
# its tables just before the check (or intact), and report what happened. Asserts are gone there (the first
# line proves it).
BREAK = """
import importlib.util, sys
assert False, "asserts run: not -O"
module, name, line, end, broken = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5] == "broken"
spec = importlib.util.find_spec(module)
lines = open(spec.origin, encoding="utf-8").read().splitlines(keepends=True)[:end]
if broken:
    lines.insert(line - 1, f"{name} = [*{name}, '__broken__']\\n")
from django.core.exceptions import ImproperlyConfigured
namespace = {"__name__": module + "_broken", "__file__": spec.origin}
try:
    exec(compile("".join(lines), spec.origin, "exec"), namespace)
except ImproperlyConfigured as exc:
    print("refused:", exc)
else:
    print("accepted")
"""


@pytest.mark.parametrize("module,name,line,end", _sites(), ids=[f"{m}:{n}" for m, n, *_ in _sites()])
def test_a_broken_table_is_refused_under_python_O(module, name, line, end):
    where = [module, name, str(line), str(end)]
    intact = run(["-O", "-c", "import django; django.setup()\n" + BREAK, *where, "intact"], dict(os.environ))
    assert (intact.returncode, intact.stdout.strip()) == (0, "accepted"), intact.stdout + intact.stderr[-3000:]
    done = run(["-O", "-c", "import django; django.setup()\n" + BREAK, *where, "broken"], dict(os.environ))
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.startswith("refused:") and "__broken__" in done.stdout, done.stdout
