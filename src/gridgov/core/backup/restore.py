"""Restoring a backup (恢复): the manifest checked, every member checked into staging, then the database
and the media folder replaced and every case's chain checked."""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import sqlite3
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, transaction
from django.utils.translation import gettext

from gridgov.core import audit
from gridgov.core.backup.layout import (
    CHUNK,
    DATABASE_MEMBER,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MANIFEST_LIMIT,
    MEDIA,
    Progress,
    counted_tables,
    database_engine,
    run_pg_tool,
    say_to,
    sha256_file,
)
from gridgov.core.errors import BadInput, Conflict

LOCK_TIMEOUT = "60s"  # a PostgreSQL restore waits this long for the server's sessions, then gives up


class ChainCheck(Protocol):
    """What a chain check returns (gridgov.cases.chains.ChainReport)."""

    broken: list[dict]

    @property
    def ok(self) -> bool: ...

    def as_dict(self) -> dict: ...


# Checks every case's hash chain after a restore; cases fills it in its AppConfig.ready(). A hook, because core
# imports no higher app (docs/architecture.md §2).
CHAIN_CHECK: list[Callable[[], ChainCheck]] = []


@dataclass
class RestoreReport:
    manifest: dict
    chains: ChainCheck
    media_files: int = 0
    media_removed: int = 0
    migrated: list[str] = field(default_factory=list)


def _unreadable() -> BadInput:
    return BadInput(gettext("the backup file is damaged or truncated (or not a gridgov backup); nothing was changed"))


def _safe_name(name: str, database: str) -> bool:
    parts = PurePosixPath(name).parts
    if name.startswith("/") or any(p in ("", ".", "..") for p in parts):
        return False
    return name == database or (len(parts) > 1 and parts[0] == MEDIA)


def _check_manifest(manifest: object) -> dict:
    if (
        not isinstance(manifest, dict)
        or manifest.get("format") != FORMAT
        or not isinstance(manifest.get("members"), dict)
        or not isinstance(manifest.get("migrations"), list)
    ):
        raise _unreadable()
    if manifest.get("format_version") != FORMAT_VERSION:
        raise BadInput(
            gettext("the backup has format version %(found)s; this gridgov reads version %(known)s")
            % {"found": manifest.get("format_version"), "known": FORMAT_VERSION}
        )
    engine = database_engine()
    if manifest.get("engine") != engine:
        raise BadInput(
            gettext("the backup was made from a %(found)s database and cannot be restored into %(engine)s")
            % {"found": manifest.get("engine"), "engine": engine}
        )
    database = manifest.get("database")
    if (
        database != DATABASE_MEMBER[engine]
        or database not in manifest["members"]
        or not all(
            _safe_name(n, database)
            and isinstance(e, dict)
            and isinstance(e.get("sha256"), str)
            and isinstance(e.get("size"), int)
            for n, e in manifest["members"].items()
        )
    ):
        raise _unreadable()
    from django.db.migrations.loader import MigrationLoader

    known = {f"{app}.{name}" for app, name in MigrationLoader(None, ignore_no_migrations=True).disk_migrations}
    unknown = [m for m in manifest["migrations"] if m not in known]
    if unknown:
        raise BadInput(
            gettext(
                "the backup was made with migrations this gridgov does not have (%(names)s): "
                "restore it with the version that made it (%(version)s) or a newer one"
            )
            % {"names": ", ".join(unknown[:5]), "version": manifest.get("gridgov_version")}
        )
    return manifest


def _holds_data() -> bool:
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for table in counted_tables().values():
            if table in tables:
                cursor.execute(f"SELECT 1 FROM {connection.ops.quote_name(table)} LIMIT 1")
                if cursor.fetchone():
                    return True
    return False


def _unpack(path: Path, staging: Path, say: Progress) -> dict:
    """Read the file once: the manifest, then every member into `staging`, each checked against its
    size and SHA-256. Any fault raises before the database or the media folder is touched."""
    try:
        # gzip's own reader, not tarfile's: it checks the CRC and the length at the end of the stream,
        # so a file cut inside the tar's end padding is refused too.
        with gzip.open(path, "rb") as stream, tarfile.open(fileobj=stream, mode="r|") as tar:
            manifest = _manifest_member(tar)
            expected, seen = manifest["members"], set()
            say(f"checking {len(expected)} members of the backup")
            while (info := tar.next()) is not None:
                entry = expected.get(info.name)
                if entry is None or info.name in seen or not info.isfile() or info.size != entry["size"]:
                    raise _unreadable()
                target = staging / info.name
                target.parent.mkdir(parents=True, exist_ok=True)
                digest, source = hashlib.sha256(), tar.extractfile(info)
                if source is None:  # not a regular file after all
                    raise _unreadable()
                with open(target, "wb") as out:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        out.write(chunk)
                if digest.hexdigest() != entry["sha256"]:
                    raise _unreadable()
                seen.add(info.name)
            while stream.read(CHUNK):
                pass
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise _unreadable() from exc
    except FileNotFoundError as exc:
        raise BadInput(gettext("no such file: %(path)s") % {"path": path}) from exc
    if seen != set(expected):
        raise _unreadable()
    return manifest


def _restore_sqlite(dump: Path) -> None:
    connection.ensure_connection()
    source = sqlite3.connect(dump)
    try:
        source.backup(connection.connection)  # replaces every page in one write transaction
    finally:
        source.close()


def _restore_postgresql(dump: Path) -> None:
    """Drop every table of this schema and load the dump, all in one transaction (psql
    --single-transaction): on any error the database is as it was. Tables of newer migrations go too,
    so `migrate` can then bring the restored schema up to the code."""
    quote = connection.ops.quote_name
    tables = connection.introspection.table_names(include_views=False)
    prelude = f"SET lock_timeout = '{LOCK_TIMEOUT}';\n"
    if tables:
        prelude += f"DROP TABLE IF EXISTS {', '.join(quote(t) for t in tables)} CASCADE;\n"
    with connection.cursor() as cursor:  # trigger functions (core/partitions.py): the dump creates them again
        cursor.execute(
            "SELECT oid::regprocedure::text FROM pg_proc WHERE pronamespace = current_schema()::regnamespace "
            "AND prorettype = 'trigger'::regtype"
        )
        functions = [row[0] for row in cursor.fetchall()]
    if functions:
        prelude += f"DROP FUNCTION IF EXISTS {', '.join(functions)} CASCADE;\n"
    connections.close_all()  # our own sessions would hold locks the DROP waits for
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(prelude)
    try:
        script = run_pg_tool(["pg_restore", "--no-owner", "--no-privileges", "--file=-", str(dump)]).stdout
        run_pg_tool(
            [
                "psql",
                "--no-psqlrc",
                "--quiet",
                "--set=ON_ERROR_STOP=1",
                "--single-transaction",
                f"--file={f.name}",
                "--file=-",
            ],
            input=script,
        )
    finally:
        os.unlink(f.name)


def _place_media(staged: Path, say: Progress) -> tuple[int, int]:
    """Make MEDIA_ROOT hold exactly the backup's files: put each in place, remove the others."""
    root = Path(settings.MEDIA_ROOT)
    root.mkdir(parents=True, exist_ok=True)
    wanted = set()
    if staged.is_dir():
        for source in sorted(p for p in staged.rglob("*") if p.is_file()):
            relative = source.relative_to(staged)
            target = root / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            partial = target.with_name(f".{target.name}.restoring")
            shutil.copyfile(source, partial)
            os.replace(partial, target)
            wanted.add(relative)
    removed = 0
    for folder, _dirs, files in os.walk(root, topdown=False):
        for name in files:
            path = Path(folder) / name
            if path.relative_to(root) not in wanted:
                path.unlink()
                removed += 1
        if Path(folder) != root and not os.listdir(folder):
            os.rmdir(folder)
    say(f"media folder restored: {len(wanted)} files, {removed} others removed")
    return len(wanted), removed


def restore_backup(
    *, path: Path, force: bool = False, actor=None, progress: Progress | None = None, staging_dir: Path | None = None
) -> RestoreReport:
    """Replace the database and the media folder by the backup's, then check every case's chain and
    record the restore in the restored audit log. Refuses (nothing changed) a damaged file, another
    engine's backup, one made with unknown migrations, and — without `force` — a database with data."""
    from django.core.management import call_command
    from django.db.migrations.executor import MigrationExecutor

    if not CHAIN_CHECK:
        raise ImproperlyConfigured("no chain check registered: is gridgov.cases in INSTALLED_APPS?")
    say = say_to(progress)
    database_engine()
    if connection.in_atomic_block:
        raise Conflict(gettext("a backup cannot be restored inside a transaction"))
    path = Path(path)
    with tempfile.TemporaryDirectory(prefix="gridgov-restore-", dir=staging_dir) as work:
        staging = Path(work)
        # The manifest alone first: a wrong engine or a database with data is refused before the long read.
        manifest = _peek_manifest(path)
        if not force and _holds_data():
            raise Conflict(
                gettext("the database already holds data; restoring replaces all of it: add --force to do so")
            )
        manifest = _unpack(path, staging, say)
        say(f"restoring the {manifest['engine']} database of {manifest['created_at']}")
        dump = staging / manifest["database"]
        (_restore_sqlite if manifest["engine"] == "sqlite" else _restore_postgresql)(dump)
        executor = MigrationExecutor(connection)
        pending = [f"{m.app_label}.{m.name}" for m, _ in executor.migration_plan(executor.loader.graph.leaf_nodes())]
        if pending:
            say(f"applying {len(pending)} migrations newer than the backup")
            call_command("migrate", interactive=False, verbosity=0)
        files, removed = _place_media(staging / MEDIA, say)
    say("checking every case's hash chain")
    chains = CHAIN_CHECK[0]()
    with transaction.atomic():
        audit.record(
            actor=actor,
            action="core.restore",
            object_type="backup",
            object_id=sha256_file(path)[0],
            data={
                "file": path.name,
                "created_at": manifest["created_at"],
                "counts": manifest["counts"],
                "gridgov_version": manifest.get("gridgov_version"),
                "media_files": files,
                "media_removed": removed,
                "migrated": pending,
                "chains_ok": chains.ok,
                "chains_broken": len(chains.broken),
            },
        )
    return RestoreReport(manifest=manifest, chains=chains, media_files=files, media_removed=removed, migrated=pending)


def _peek_manifest(path: Path) -> dict:
    """The checked manifest, read from the head of the file (its members are checked by _unpack)."""
    try:
        with gzip.open(path, "rb") as stream, tarfile.open(fileobj=stream, mode="r|") as tar:
            return _manifest_member(tar)
    except (tarfile.TarError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise _unreadable() from exc
    except FileNotFoundError as exc:
        raise BadInput(gettext("no such file: %(path)s") % {"path": path}) from exc


def _manifest_member(tar: tarfile.TarFile) -> dict:
    first = tar.next()
    if first is None or first.name != MANIFEST or not first.isfile() or first.size > MANIFEST_LIMIT:
        raise _unreadable()
    try:
        member = tar.extractfile(first)
        if member is None:
            raise _unreadable()
        return _check_manifest(json.loads(member.read()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise _unreadable() from exc


def read_manifest(*, path: Path) -> dict:
    """The manifest of a backup file, checked against this installation (engine, migrations)."""
    return _peek_manifest(Path(path))
