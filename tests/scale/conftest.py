"""Scale tests (issue 16): several processes, private PostgreSQL clusters, killed processes.

Every test here is marked `scale` and runs in the suite's own `scale` run (scripts/run-tests), never in the
SQLite or PostgreSQL run; each starts the servers it needs itself. The demo city is built once per run into a
template database of one private cluster (`demo_cluster`); a test takes a copy of it (`demo_database`), which
costs a file copy instead of a migration and a city (about a minute each on two cores).
"""

from __future__ import annotations

import shutil

import pytest

from tests.scale.pgcluster import TEMPLATE, Cluster, private_folder
from tests.scale.procs import Site


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/scale/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.scale)


@pytest.fixture(scope="session")
def demo_cluster():
    """A private cluster (a replica may be made of it) holding the demo city in the template database."""
    root = private_folder()
    cluster = Cluster(root / "primary").init(wal_level="replica", max_wal_senders="4").start()
    try:
        Site(cluster.create_database(TEMPLATE), folder=root / "build").build_demo()
        yield cluster
    finally:
        cluster.destroy()
        shutil.rmtree(root, ignore_errors=True)
