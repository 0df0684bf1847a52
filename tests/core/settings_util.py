"""Run gridgov in another process with a server's environment: none of the tests' GRIDGOV_* variables,
no declared development environment (gridgov.devenv), the production settings module."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SETUP = "import django; django.setup(); from django.conf import settings; "


def server_env(**overrides: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("GRIDGOV_") and k not in ("DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE")
    }
    env["DJANGO_SETTINGS_MODULE"] = "gridgov.settings"
    env.update(overrides)
    return env


def run(args: list[str], env: dict[str, str], timeout: int = 180) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout)


def python(code: str, env: dict[str, str], *flags: str) -> subprocess.CompletedProcess:
    """`python [flags] -c code` with the settings set up first."""
    return run([*flags, "-c", SETUP + code], env)
