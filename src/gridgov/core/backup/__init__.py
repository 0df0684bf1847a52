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

The parts: layout (the file's members and what both directions share), make (备份), restore (恢复, and
reading a file's manifest). This package exports the public names of all of them; `CHAIN_CHECK` is the
one list restore reads, filled by cases' AppConfig.ready().
"""

from gridgov.core.backup.layout import (
    CHUNK,
    DATABASE_MEMBER,
    FORMAT,
    FORMAT_VERSION,
    MANIFEST,
    MANIFEST_LIMIT,
    MEDIA,
    Progress,
)
from gridgov.core.backup.make import make_backup
from gridgov.core.backup.restore import (
    CHAIN_CHECK,
    LOCK_TIMEOUT,
    ChainCheck,
    RestoreReport,
    read_manifest,
    restore_backup,
)

__all__ = [
    "CHAIN_CHECK",
    "CHUNK",
    "DATABASE_MEMBER",
    "FORMAT",
    "FORMAT_VERSION",
    "LOCK_TIMEOUT",
    "MANIFEST",
    "MANIFEST_LIMIT",
    "MEDIA",
    "ChainCheck",
    "Progress",
    "RestoreReport",
    "make_backup",
    "read_manifest",
    "restore_backup",
]
