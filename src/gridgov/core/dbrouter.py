"""Reads of dashboards and exports from a read replica (docs/deploy.md: GRIDGOV_REPLICA_URL).

With GRIDGOV_REPLICA_URL set, settings.py adds the database alias "replica" (a PostgreSQL hot standby of the
primary) and installs ReplicaRouter. Nothing is routed there by default: a replica lags behind the primary, and
a case's own page must show the step its user just took. Only the code that asks for it reads from the replica:

    with reading_replica():                       # gridgov report, gridgov cases export
        book = monthly_workbook(region=..., month=...)

    @reads_replica                                # the dashboard, /stats/*, the Excel downloads (GET only)
    def dashboard(request): ...

Even then these stay on the primary: writes (always), reads inside a transaction on the primary (what the
transaction wrote, or a chain's last hash, must be read where it was written), and the models of the apps in
PRIMARY_APPS (accounts, posts, tokens, sessions, the audit log and the outbox, the shared cache): who the
caller is and what they may see is never a replica's stale answer. Migrations run on the primary only.
Without the variable the router is not installed and reading_replica() changes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

REPLICA = "replica"
# Read from the primary even inside reading_replica(): identity and permissions, sessions, the audit chain,
# the outbox, keys, and the cache every process shares (DatabaseCache's model is in "django_cache").
PRIMARY_APPS = frozenset({"auth", "contenttypes", "sessions", "admin", "people", "core", "django_cache"})

_reading: ContextVar[bool] = ContextVar("gridgov_reading_replica", default=False)
V = TypeVar("V", bound=Callable[..., Any])


def replica_alias() -> str:
    """The alias dashboards and exports read from: "replica" when one is configured, else "default"."""
    return REPLICA if REPLICA in settings.DATABASES else DEFAULT_DB_ALIAS


@contextmanager
def reading_replica() -> Iterator[str]:
    """Within the block, reads of the product's data go to the replica (when there is one); yields its alias."""
    token = _reading.set(True)
    try:
        yield replica_alias()
    finally:
        _reading.reset(token)


def reads_replica(view: V) -> V:
    """A view (or a Django Ninja operation, `router.add_decorator`) whose GET and HEAD read from the replica;
    any other method runs as before."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        with reading_replica():
            return view(request, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


class ReplicaRouter:
    """Installed by settings.py only when GRIDGOV_REPLICA_URL is set."""

    def db_for_read(self, model, **hints) -> str | None:
        if not _reading.get() or model._meta.app_label in PRIMARY_APPS or REPLICA not in settings.DATABASES:
            return None  # Django's default: the instance's own database, else "default"
        if connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None  # read your own transaction's writes
        return REPLICA

    def db_for_write(self, model, **hints) -> str:
        return DEFAULT_DB_ALIAS  # never the replica (a hot standby refuses writes anyway)

    def allow_relation(self, obj1, obj2, **hints) -> bool | None:
        # the replica holds the primary's rows: an object read there may be linked to one read on the primary
        if {obj1._state.db, obj2._state.db} <= {DEFAULT_DB_ALIAS, REPLICA}:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, model_name: str | None = None, **hints) -> bool:
        return db == DEFAULT_DB_ALIAS
