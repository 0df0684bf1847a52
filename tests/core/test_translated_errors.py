"""Every refusal a person can read is translatable: no English sentence reaches a Chinese reader.

An AST scan of src/: a BadInput/Forbidden/Conflict/NotFound/NotAuthenticated (or HttpError, Http404,
CoordinateError) built with a string literal or an f-string holding words, rather than with
`gettext(...) % {...}`, fails here with its file and line. Management commands (messages for operators
at a terminal) raise CommandError and are not scanned.
"""

import ast
import re
from pathlib import Path

import pytest

from gridgov.core.errors import GridgovError

SRC = Path(__file__).resolve().parents[2] / "src" / "gridgov"


def _subclasses(cls: type) -> set[str]:
    return {cls.__name__}.union(*(_subclasses(sub) for sub in cls.__subclasses__()))


# Every error a service raises (new ones too, such as TooMany), and the ones the API answers with.
REFUSALS = _subclasses(GridgovError) | {"HttpError", "Http404", "CoordinateError"}
TRANSLATORS = {"gettext", "_", "pgettext", "ngettext", "npgettext", "gettext_lazy", "pgettext_lazy", "ngettext_lazy"}
WORD = re.compile(r"[A-Za-z]{2,}")


def _name(func: ast.expr) -> str:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""


def untranslated(node: ast.expr) -> bool:
    """The message is, or is built around, English text in the source."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and bool(WORD.search(node.value))
    if isinstance(node, ast.JoinedStr):
        return any(untranslated(part) for part in node.values if isinstance(part, ast.Constant))
    if isinstance(node, ast.BinOp):
        if isinstance(node.op, ast.Mod):
            return untranslated(node.left)
        return untranslated(node.left) or untranslated(node.right)
    if isinstance(node, ast.Call) and _name(node.func) in TRANSLATORS:
        return False
    return False  # a variable or str(exc): translated where it was made


def message_of(call: ast.Call) -> ast.expr | None:
    index = 1 if _name(call.func) == "HttpError" else 0
    if len(call.args) > index:
        return call.args[index]
    return next((k.value for k in call.keywords if k.arg in ("message", "detail")), None)


def untranslated_refusals(root: Path = SRC) -> list[str]:
    found = []
    for path in sorted(root.rglob("*.py")):
        if "migrations" in path.parts or "management" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _name(node.func) in REFUSALS:
                message = message_of(node)
                if message is not None and untranslated(message):
                    found.append(f"{path.relative_to(root.parent)}:{node.lineno}: {ast.unparse(message)[:90]}")
    return found


def test_every_refusal_is_translatable():
    found = untranslated_refusals()
    assert not found, 'wrap these messages in gettext("…") % {…} and translate them in django.po:\n' + "\n".join(found)


@pytest.mark.parametrize(
    "source, caught",
    [
        ('raise BadInput("unknown category")', True),
        ('raise Forbidden(f"case {n} is outside your grids")', True),
        ('raise Conflict("case %s is closed" % n)', True),
        ('raise HttpError(400, "give a level")', True),
        ('raise NotFound(gettext("no case numbered %(n)s") % {"n": n})', False),
        ('raise BadInput(_("Describe the result."))', False),
        ('raise BadInput(f"{action}: {problems}")', False),  # codes and translated parts only
        ("raise BadInput(str(exc))", False),
    ],
)
def test_the_scan_tells_english_from_translated(tmp_path, source, caught):
    (tmp_path / "mod.py").write_text(source + "\n", encoding="utf-8")
    assert bool(untranslated_refusals(tmp_path)) is caught
