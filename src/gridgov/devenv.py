"""A development environment, declared explicitly (开发与演示环境): docs/deploy.md.

The settings are production's unless told otherwise: with GRIDGOV_DEBUG off they refuse to start without
GRIDGOV_SECRET_KEY, and INSTALLED_APPS carries neither the demo city (sim) nor the bench. The embedded demo,
the bench and the test suite say instead that they are a development environment: `declare_development`
puts the development key and GRIDGOV_DEMO_APPS=1 in the environment before the settings are read, so every
process they start (gunicorn's workers, the sibling worker, the tests' subprocesses) inherits both.

No Django here: `gridgov.cli` calls this before anything reads the settings.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping

# Signs sessions and CSRF tokens of a machine nobody else reaches; `check --deploy` flags it (gridgov.W001).
DEVELOPMENT_SECRET_KEY = "gridgov-insecure-development-key-set-GRIDGOV_SECRET_KEY"
# The console commands that run the demo city or the bench: they need the sim and bench apps.
DEMO_COMMANDS = frozenset({"demo", "accounts", "bench"})


def declare_development(environ: MutableMapping[str, str] | None = None) -> None:
    """The development key (unless a key is set) and the demo apps, for this process and its children."""
    environ = os.environ if environ is None else environ
    if not environ.get("GRIDGOV_SECRET_KEY", "").strip():
        environ["GRIDGOV_SECRET_KEY"] = DEVELOPMENT_SECRET_KEY
    environ["GRIDGOV_DEMO_APPS"] = "1"
