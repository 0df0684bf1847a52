"""`gridgov check --deploy` is clean in the production environment (docs/security.md) and warns with
the development defaults — Django's own deploy checks and gridgov's (core/checks.py) alike."""

import os
import secrets
import subprocess
import sys

import pytest

from gridgov.devenv import DEVELOPMENT_SECRET_KEY

# `check --deploy` reads settings, not tables: the SQLite run covers it (`once`)
pytestmark = pytest.mark.once

PRODUCTION = {
    "GRIDGOV_DEBUG": "0",
    "GRIDGOV_SECRET_KEY": secrets.token_urlsafe(50),
    "GRIDGOV_AUDIT_KEY": secrets.token_urlsafe(40),
    "GRIDGOV_DATA_KEY": secrets.token_urlsafe(40),
    "GRIDGOV_HTTPS": "1",
    "GRIDGOV_PROXY_SSL_HEADER": "X-Forwarded-Proto",
    "GRIDGOV_ALLOWED_HOSTS": "grid.example.cn",
}


def check_deploy(**overrides) -> subprocess.CompletedProcess:
    # a server's environment: none of ours but the database, and not the browser tests' async override
    env = {
        k: v
        for k, v in os.environ.items()
        if (not k.startswith("GRIDGOV_") or k in ("GRIDGOV_DATABASE_URL", "GRIDGOV_NODE_MODULES"))
        and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update(DJANGO_SETTINGS_MODULE="gridgov.settings", **overrides)  # production's apps, not the tests'
    return subprocess.run(
        [sys.executable, "-m", "gridgov.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_production_settings_pass_check_deploy():
    result = check_deploy(**PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout + result.stderr


def test_development_defaults_are_flagged():
    # the development key as `gridgov demo` declares it (without any key nothing starts: tests/core/test_settings.py)
    result = check_deploy(GRIDGOV_SECRET_KEY=DEVELOPMENT_SECRET_KEY)
    output = result.stdout + result.stderr
    assert result.returncode != 0
    for check in (
        "gridgov.W001",
        "gridgov.W002",
        "gridgov.W003",
        "gridgov.W005",
        "security.W008",
        "security.W012",
        "security.W004",
    ):
        assert check in output, output


@pytest.mark.parametrize("missing,check", [("GRIDGOV_AUDIT_KEY", "gridgov.W002"), ("GRIDGOV_DATA_KEY", "gridgov.W003")])
def test_each_missing_key_is_flagged_in_production(missing, check):
    result = check_deploy(**{k: v for k, v in PRODUCTION.items() if k != missing})
    assert result.returncode != 0 and check in result.stdout + result.stderr
    assert "security." not in result.stdout + result.stderr, "only the missing key is wrong"


def test_the_same_key_twice_is_flagged():
    result = check_deploy(**{**PRODUCTION, "GRIDGOV_DATA_KEY": PRODUCTION["GRIDGOV_AUDIT_KEY"]})
    assert result.returncode != 0 and "gridgov.W004" in result.stdout + result.stderr
