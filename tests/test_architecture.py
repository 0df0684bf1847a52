"""The architecture as written down holds (docs/architecture.md §2, §3, §9): the import-layer contracts in
pyproject.toml, the state table in the docs against the one in the code, and every citation of a section."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.once  # nothing here depends on the database engine

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "architecture.md"


def test_import_contracts_are_kept():
    """lint-imports over src/gridgov: a lower app importing a higher one fails here with the import's line."""
    lint_imports = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert "BROKEN" not in result.stdout
    assert "0 broken" in result.stdout


def test_contracts_name_the_layers_of_the_docs():
    """The contract is the one §2 draws: every app of the diagram is a layer, top to bottom in its order."""
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    layers = next(c for c in config["contracts"] if c["id"] == "layers")["layers"]
    flat = [name.strip().split(".")[-1] for layer in layers for name in layer.split("|")]
    assert flat.index("bench") < flat.index("sim") < flat.index("web") < flat.index("assessment")
    assert flat.index("assessment") < flat.index("cases") < flat.index("people") < flat.index("grids")
    assert flat.index("grids") < flat.index("core")
    apps = {p.name for p in (ROOT / "src" / "gridgov").iterdir() if (p / "apps.py").exists()}
    assert apps <= set(flat), f"apps missing from the layers contract: {sorted(apps - set(flat))}"


def test_state_table_in_docs_is_current():
    from scripts import state_table

    assert state_table.BLOCK.path == DOCS
    assert state_table.BLOCK.read() == state_table.render(), "run: .venv/bin/python scripts/state_table.py"


def test_every_cited_section_exists():
    """`docs/architecture.md §N` in code, tests, scripts and docs names a numbered section of the file."""
    sections = set(re.findall(r"^## (\d+)\. ", DOCS.read_text(encoding="utf-8"), flags=re.MULTILINE))
    assert sections, "the sections of docs/architecture.md are numbered: ## 1. …"
    cited = {}
    files = [ROOT / "README.md", ROOT / "pyproject.toml", ROOT / "Makefile", ROOT / ".ci" / "run"]
    for folder in ("src", "tests", "scripts", "docs"):
        files += [p for p in (ROOT / folder).rglob("*") if p.suffix in {".py", ".md", ".js", ".html", ".toml"}]
    for path in files:
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8", errors="replace")
        for match in re.finditer(r"architecture\.md((?:[ ,/]*§\d+)+)", text):
            for number in re.findall(r"§(\d+)", match.group(1)):
                cited.setdefault(number, set()).add(str(path.relative_to(ROOT)))
    missing = {n: sorted(paths) for n, paths in cited.items() if n not in sections}
    assert not missing, f"cited sections that docs/architecture.md does not have: {missing}"
