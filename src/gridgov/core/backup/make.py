"""Making a backup (备份): a consistent snapshot of the database, the media files, one gzip tar."""

from __future__ import annotations

import io
import json
import os
import sqlite3
import tarfile
import tempfile
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

import gridgov
from gridgov.core import audit
from gridgov.core.backup.layout import (
    DATABASE_MEMBER,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MEDIA,
    Progress,
    counted_tables,
    database_engine,
    run_pg_tool,
    say_to,
    sha256_file,
)
from gridgov.core.errors import BadInput, Conflict


def _counts_and_migrations(cursor) -> tuple[dict[str, int], list[str]]:
    """Read through a DB-API cursor on the snapshot itself (not through the ORM's live connection)."""
    counts = {}
    for name, table in counted_tables().items():
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[name] = cursor.fetchone()[0]
    cursor.execute('SELECT app, name FROM "django_migrations" ORDER BY id')
    return counts, [f"{app}.{name}" for app, name in cursor.fetchall()]


def _dump_sqlite(target: Path) -> tuple[dict[str, int], list[str]]:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)  # all pages in one step: one read snapshot, WAL included
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        return _counts_and_migrations(copy.cursor())
    finally:
        copy.close()


def _dump_postgresql(target: Path) -> tuple[dict[str, int], list[str]]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts, migrations = _counts_and_migrations(cursor)
        # Uncompressed: the whole tar is gzipped once. The snapshot lives while this transaction does.
        run_pg_tool(["pg_dump", "--format=custom", "--compress=0", f"--snapshot={snapshot}", f"--file={target}"])
    return counts, migrations


def _media_files() -> list[tuple[str, Path]]:
    root = Path(settings.MEDIA_ROOT)
    found = []
    for folder, dirs, files in os.walk(root):
        dirs.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found.append(("/".join((MEDIA, *path.relative_to(root).parts)), path))
    return found


def make_backup(*, path: Path, actor=None, progress: Progress | None = None) -> dict:
    """Write the backup to `path` (replaced only once the new file is complete) and record it in the
    audit log. Runs outside any transaction, while the server runs. Returns the manifest."""
    say = say_to(progress)
    engine = database_engine()
    if connection.in_atomic_block:
        raise Conflict(gettext("a backup cannot be made inside a transaction"))
    path = Path(path).resolve()
    if path.is_relative_to(Path(settings.MEDIA_ROOT).resolve()):
        raise BadInput(
            gettext("the backup file must not be inside the media folder %(folder)s") % {"folder": settings.MEDIA_ROOT}
        )
    if not path.parent.is_dir():
        raise BadInput(gettext("the folder %(folder)s does not exist") % {"folder": path.parent})
    with tempfile.TemporaryDirectory(prefix="gridgov-backup-") as work:
        dump = Path(work) / DATABASE_MEMBER[engine]
        say(f"copying the {engine} database")
        counts, migrations = (_dump_sqlite if engine == "sqlite" else _dump_postgresql)(dump)
        members = {dump.name: dump}
        files = _media_files()
        say(f"reading {len(files)} media files under {settings.MEDIA_ROOT}")
        listed = {}
        for name, source in [(dump.name, dump), *files]:
            try:
                sha, size = sha256_file(source)
            except FileNotFoundError:
                continue  # deleted since the walk (an unattached upload purged): not referenced by the snapshot
            listed[name] = {"sha256": sha, "size": size}
            members[name] = source
        manifest = {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "engine": engine,
            "gridgov_version": gridgov.__version__,
            "created_at": timezone.now().isoformat(),
            "database": dump.name,
            "migrations": migrations,
            "counts": counts,
            "members": listed,
        }
        say(f"writing {path}")
        partial = path.with_name(f".{path.name}.partial")
        try:
            _write_tar(partial, manifest, members)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    sha, size = sha256_file(path)
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="core.backup",
            object_type="backup",
            object_id=sha,
            data={"file": path.name, "size": size, "engine": engine, "counts": counts, "media_files": len(listed) - 1},
        )
    say(f"done: {size} bytes, sha256 {sha}")
    return manifest


def _write_tar(partial: Path, manifest: dict, members: dict[str, Path]) -> None:
    with open(partial, "wb") as raw:
        with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6, format=tarfile.PAX_FORMAT) as tar:
            body = json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size, info.mtime, info.mode = len(body), int(datetime.now().timestamp()), 0o600
            tar.addfile(info, io.BytesIO(body))
            for name, entry in manifest["members"].items():
                info = tarfile.TarInfo(name)
                info.size, info.mode = entry["size"], 0o600
                info.mtime = int(members[name].stat().st_mtime)
                with open(members[name], "rb") as f:
                    tar.addfile(info, f)  # exactly `size` bytes: a photo is never rewritten in place
        raw.flush()
        os.fsync(raw.fileno())
