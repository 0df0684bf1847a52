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


def pytest_report_header(config):
    from tests.clock import ENV, hold_process_clock, requested

    moment = hold_process_clock()  # held since `tests` was imported (before any fixture); this reads it
    return f"{ENV}={requested().isoformat()}: the process clock reads {moment.isoformat()}" if moment else None


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


@pytest.fixture(autouse=True)
def rate_limits_off():
    """Tests send many anonymous requests from one address (127.0.0.1): the request budgets
    (settings.GRIDGOV_RATE_LIMITS) are off unless a test sets them, as tests/core/test_rate_limits.py does."""
    from django.test import override_settings

    with override_settings(GRIDGOV_RATE_LIMITS={}):
        yield


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture
def tomorrow_at_ten():
    """The clock held (ticking) at 10:00 of the next local day: a test that files cases now and then
    reads "today" or "the month so far" cannot straddle a midnight or a month's end, whatever the hour."""
    from datetime import datetime, time, timedelta

    import time_machine
    from django.utils import timezone

    moment = datetime.combine(timezone.localdate() + timedelta(days=1), time(10), timezone.get_default_timezone())
    with time_machine.travel(moment.timestamp(), tick=True):  # a timestamp: leave the process's TZ alone
        yield moment


def pytest_collection_modifyitems(config, items):
    """Tests marked `once` do not depend on the database engine (the locate bench works in memory) or are
    covered on PostgreSQL by another test (the transition table by the permission matrix): the PostgreSQL
    run skips them, saying so, to keep CI within its time."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
        return
    skip = pytest.mark.skip(reason="marked `once`: runs in the SQLite run of the suite")
    for item in items:
        if item.get_closest_marker("once"):
            item.add_marker(skip)
