"""Shared fixtures. The demo city is built once into the test database, through the real services."""

import os
from pathlib import Path

import pytest
from hypothesis import settings

from tests.notifications import live_celery
from tests.web import conftest as browser_conf

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


# ---- the closed loop: demo accounts, API clients with tokens, a point in a known grid -----------------


@pytest.fixture
def account(demo_city):
    """A demo account by username."""
    from django.contrib.auth import get_user_model

    def find(username):
        return get_user_model().objects.get(username=username)

    return find


@pytest.fixture
def api(account):
    """A JSON client for /api/v1/ (tests/api_client.py) signed in as a demo account, or anonymous."""
    from tests.api_client import Api

    def make(username=None, language=None) -> Api:
        return Api(account(username) if username else None, language=language)

    return make


@pytest.fixture
def spot(demo_city):
    """A point inside a known 三级网格 of 林山寨街道, and the codes above it (layouts are generated: it is
    found at run time)."""
    import shapely

    from gridgov.grids.selectors import current_geometries, locate

    code = "410102001002001"
    geom = current_geometries([code])[code]
    point = shapely.point_on_surface(geom)
    located = locate(point.x, point.y)
    assert located.grid.code == code
    return {"lon": point.x, "lat": point.y, "grid": code, "community": code[:12], "street": code[:9]}


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


# ---- admin import/export: a superuser's client (tests/config/conftest.py has its own for the config tests) ---


@pytest.fixture
def root(client, django_user_model):
    """A client signed in as a superuser of its own (the demo city has an `admin` too; we leave it alone)."""
    user = django_user_model.objects.create_superuser("io-root", "io-root@example.org", "io-Root-pass-1")
    client.force_login(user)
    client.user = user
    return client


# ---- a real Celery worker on the real Redis (helpers and the queue's name: tests/notifications/live_celery.py) ---


@pytest.fixture(scope="session")
def redis_test_url():
    import redis

    from gridgov.celery import configure

    client = redis.Redis.from_url(live_celery.REDIS_TEST_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("GRIDGOV_REQUIRE_REDIS") == "1":
            pytest.fail(
                f"Redis does not answer at {live_celery.REDIS_TEST_URL} ({exc}) and GRIDGOV_REQUIRE_REDIS=1",
                pytrace=False,
            )
        pytest.skip(
            f"Redis does not answer at {live_celery.REDIS_TEST_URL} ({exc}): Celery tests skipped; "
            "start redis-server or set GRIDGOV_TEST_REDIS_URL"
        )
    configure(live_celery.REDIS_TEST_URL, task_default_queue=live_celery.QUEUE)
    try:
        yield live_celery.REDIS_TEST_URL
    finally:
        queue = live_celery.QUEUE
        client.delete(queue, f"_kombu.binding.{queue}", f"_kombu.binding_permanent.{queue}")
        client.close()


@pytest.fixture
def celery_worker(redis_test_url, settings, transactional_db, monkeypatch):
    """A real Celery worker (solo pool, in a thread) consuming from Redis; enqueue() sends to it."""
    from celery.contrib.testing.worker import start_worker

    from gridgov.celery import app

    settings.GRIDGOV_REDIS_URL = redis_test_url
    # The project's system checks are other tests' business; a worker start would run them all.
    monkeypatch.setenv("CELERY_SKIP_CHECKS", "1")
    with start_worker(app, pool="solo", perform_ping_check=False, loglevel="WARNING", shutdown_timeout=30) as worker:
        yield worker


# --- the browser (Playwright driving Debian's Chromium, never a downloaded browser) -------------------


@pytest.fixture(scope="session")
def browser():
    if not browser_conf.CHROMIUM.exists():
        message = f"{browser_conf.CHROMIUM} is missing: apt-get install chromium"
        if os.environ.get("GRIDGOV_REQUIRE_BROWSER") == "1":
            pytest.fail(f"GRIDGOV_REQUIRE_BROWSER=1 and {message}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; Django would then refuse
    # ORM calls from the tests ("you cannot call this from an async context") while it lives.
    with pytest.MonkeyPatch.context() as mp, sync_playwright() as p:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
        browser = p.chromium.launch(executable_path=str(browser_conf.CHROMIUM), args=browser_conf.ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="en-US")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.errors = errors
    yield page
    context.close()


@pytest.fixture
def artifacts() -> Path:
    browser_conf.ARTIFACTS.mkdir(exist_ok=True)
    return browser_conf.ARTIFACTS
