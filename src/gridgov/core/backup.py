"""Backup and restore (备份与恢复): the database and the uploaded photos in one file.

The file is a gzip tar: manifest.json first (format, engine, gridgov version, applied migrations,
created_at, counts, and the size and SHA-256 of every other member), then the database — a page copy
made with SQLite's online backup API, or `pg_dump -Fc` — then media/ (everything under MEDIA_ROOT).

Why not dumpdata/loaddata: its JSON cuts times to milliseconds, and every case's hash chain covers
its events' times to the microsecond; an engine's own dump keeps every value as stored.

Both engines take a consistent snapshot while the server runs: SQLite's backup API copies in one
read transaction (WAL included), PostgreSQL's dump runs on a snapshot exported from a REPEATABLE READ
transaction in which the manifest's counts and migrations are read too. The photos are walked after
the snapshot, so every photo the database refers to is in the file (a photo is written before its row).

Restore reads the whole file and checks every member against the manifest into a staging folder
before it changes anything. Keys (GRIDGOV_SECRET_KEY, GRIDGOV_AUDIT_KEY, GRIDGOV_DATA_KEY) are never
in the file: without the same keys the chains cannot be checked nor contact data read.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Protocol

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, connections, transaction
from django.utils import timezone
from django.utils.translation import gettext

import gridgov
from gridgov.core import audit
from gridgov.core.errors import BadInput, Conflict

FORMAT = "gridgov-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.pgdump"}
MEDIA = "media"
MANIFEST_LIMIT = 256 * 1024 * 1024  # ~2 M photos' entries; a larger first member is not ours
LOCK_TIMEOUT = "60s"  # a PostgreSQL restore waits this long for the server's sessions, then gives up
CHUNK = 1024 * 1024

Progress = Callable[[str], None]


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


def _say(progress: Progress | None) -> Progress:
    return progress or (lambda message: None)


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBER:
        raise BadInput(gettext("backups support SQLite and PostgreSQL, not %(engine)s") % {"engine": vendor})
    return vendor


def _sha256_file(path: Path) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _counted_tables() -> dict[str, str]:
    Case, CaseEvent, Upload = (apps.get_model("cases", name) for name in ("Case", "CaseEvent", "Upload"))
    from gridgov.core.models import AuditEvent

    return {
        "cases": Case._meta.db_table,
        "events": CaseEvent._meta.db_table,
        "audit": AuditEvent._meta.db_table,
        "uploads": Upload._meta.db_table,
        "users": get_user_model()._meta.db_table,
    }


def _counts_and_migrations(cursor) -> tuple[dict[str, int], list[str]]:
    """Read through a DB-API cursor on the snapshot itself (not through the ORM's live connection)."""
    counts = {}
    for name, table in _counted_tables().items():
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[name] = cursor.fetchone()[0]
    cursor.execute('SELECT app, name FROM "django_migrations" ORDER BY id')
    return counts, [f"{app}.{name}" for app, name in cursor.fetchall()]


# ---- backup ---------------------------------------------------------------------------------------


def _dump_sqlite(target: Path) -> tuple[dict[str, int], list[str]]:
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)  # all pages in one step: one read snapshot, WAL included
        copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        return _counts_and_migrations(copy.cursor())
    finally:
        copy.close()


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


def _run(argv: list[str], **kwargs) -> subprocess.CompletedProcess:
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


def _dump_postgresql(target: Path) -> tuple[dict[str, int], list[str]]:
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        counts, migrations = _counts_and_migrations(cursor)
        # Uncompressed: the whole tar is gzipped once. The snapshot lives while this transaction does.
        _run(["pg_dump", "--format=custom", "--compress=0", f"--snapshot={snapshot}", f"--file={target}"])
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
    say = _say(progress)
    engine = _engine()
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
                sha, size = _sha256_file(source)
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
    sha, size = _sha256_file(path)
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


# ---- restore --------------------------------------------------------------------------------------


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
    engine = _engine()
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
        for table in _counted_tables().values():
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
    connections.close_all()  # our own sessions would hold locks the DROP waits for
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as f:
        f.write(prelude)
    try:
        script = _run(["pg_restore", "--no-owner", "--no-privileges", "--file=-", str(dump)]).stdout
        _run(
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
    say = _say(progress)
    _engine()
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
            object_id=_sha256_file(path)[0],
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
