"""The backup file's layout (its members and format version) and what making and restoring share:
the database engine, the tables counted in the manifest, hashing, PostgreSQL's client tools."""

from __future__ import annotations

import hashlib
import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from django.apps import apps
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext

from gridgov.core.errors import BadInput, Conflict

FORMAT = "gridgov-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA = "media"
MANIFEST_LIMIT = 256 * 1024 * 1024  # ~2 M photos' entries; a larger first member is not ours
CHUNK = 1024 * 1024

Progress = Callable[[str], None]


def say_to(progress: Progress | None) -> Progress:
    return progress or (lambda message: None)


def database_engine() -> str:
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBER:
        raise BadInput(gettext("backups support SQLite and PostgreSQL, not %(engine)s") % {"engine": vendor})
    return vendor


def sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def counted_tables() -> dict[str, str]:
    Case, CaseEvent, Upload = (apps.get_model("cases", name) for name in ("Case", "CaseEvent", "Upload"))
    from gridgov.core.models import AuditEvent

    return {
        "cases": Case._meta.db_table,
        "events": CaseEvent._meta.db_table,
        "audit": AuditEvent._meta.db_table,
        "uploads": Upload._meta.db_table,
        "users": get_user_model()._meta.db_table,
    }


def _pg_env() -> dict[str, str]:
    """libpq's environment for the configured database: the password never appears in an argument list."""
    params = connection.settings_dict
    env = dict(os.environ, PGAPPNAME="gridgov-backup")
    for key, var in (
        ("NAME", "PGDATABASE"),
        ("USER", "PGUSER"),
        ("HOST", "PGHOST"),
        ("PORT", "PGPORT"),
        ("PASSWORD", "PGPASSWORD"),
    ):
        if params.get(key):
            env[var] = str(params[key])
    for option in ("sslmode", "sslrootcert", "sslcert", "sslkey", "passfile", "service"):
        if (params.get("OPTIONS") or {}).get(option):
            env[f"PG{option.upper()}"] = str(params["OPTIONS"][option])
    return env


def run_pg_tool(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
    try:
        done = subprocess.run(argv, env=_pg_env(), capture_output=True, **kwargs)
    except FileNotFoundError as exc:
        raise Conflict(
            gettext("%(tool)s is not installed (PostgreSQL's client tools are needed)") % {"tool": argv[0]}
        ) from exc
    if done.returncode:
        raise Conflict(
            gettext("%(tool)s failed: %(error)s")
            % {"tool": argv[0], "error": done.stderr.decode(errors="replace").strip()[-2000:]}
        )
    return done
