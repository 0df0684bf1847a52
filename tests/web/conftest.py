"""What the browser tests share besides their fixtures (`browser`, `page`, `artifacts`: tests/conftest.py, so that
every folder's browser tests use the one Chromium of the session: a second sync Playwright in one thread fails)."""

import os
from pathlib import Path

CHROMIUM = Path(os.environ.get("GRIDGOV_CHROMIUM", "/usr/bin/chromium"))
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


# A shape whose own centre hits it (concave shapes may not): where a real click lands on it.
CLICKABLE = """(selector) => {
  for (const p of document.querySelectorAll(selector)) {
    const r = p.getBoundingClientRect();
    const x = r.left + r.width / 2, y = r.top + r.height / 2;
    if (document.elementFromPoint(x, y) === p) return {code: p.dataset.code, x, y};
  }
  return null;
}"""
