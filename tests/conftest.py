"""Shared fixtures. The demo city is built once into the test database, through the real services."""

import os
from pathlib import Path

import pytest
from hypothesis import settings

# CI explores the same examples on every run (a red CI must be reproducible); locally hypothesis
# draws new ones each time and remembers failures in .hypothesis/.
settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

DATA = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    from gridgov.sim.services import build_demo_city

    with django_db_blocker.unblock():
        build_demo_city(seed=0, days=0)


@pytest.fixture
def demo_city(db):
    """The 中原区 demo city (seed 0). Transactional tests flush the database; rebuild it then."""
    from gridgov.grids.locator import forget_locator
    from gridgov.sim.services import build_demo_city

    build_demo_city(seed=0, days=0)
    forget_locator()
    return "410102"


@pytest.fixture
def data_dir() -> Path:
    return DATA
