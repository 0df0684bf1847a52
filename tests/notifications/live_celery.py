"""Fixtures for tests against a real Celery worker on the real Redis (no mocks).

The worker runs in a thread of the test process, so it shares the test database: tests that use it
need `transactional_db` (the worker cannot see rows inside the test's own transaction).
Redis: GRIDGOV_TEST_REDIS_URL, default DB 15 on 127.0.0.1:6379. A test run uses a queue of its own
and removes it afterwards instead of flushing the DB, so two test runs on one machine can share it.
Without Redis the tests are skipped, unless GRIDGOV_REQUIRE_REDIS=1 (CI) makes that a failure.
"""

import os
import time
import uuid

import pytest

REDIS_TEST_URL = os.environ.get("GRIDGOV_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# One queue per test process: Celery caches its queue declarations, and packages that import these
# fixtures each get their own instance of the session fixture.
QUEUE = f"gridgov-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="session")
def redis_test_url():
    import redis

    from gridgov.celery import configure

    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("GRIDGOV_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis does not answer at {REDIS_TEST_URL} ({exc}) and GRIDGOV_REQUIRE_REDIS=1", pytrace=False)
        pytest.skip(f"Redis does not answer at {REDIS_TEST_URL} ({exc}): Celery tests skipped; "
                    "start redis-server or set GRIDGOV_TEST_REDIS_URL")
    configure(REDIS_TEST_URL, task_default_queue=QUEUE)
    try:
        yield REDIS_TEST_URL
    finally:
        client.delete(QUEUE, f"_kombu.binding.{QUEUE}", f"_kombu.binding_permanent.{QUEUE}")
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


def wait_for(condition, timeout: float = 20.0, what: str = "the worker"):
    """Poll until condition() is truthy (the worker runs in another thread)."""
    from django.db import OperationalError

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if result := condition():
                return result
        except OperationalError as exc:
            # SQLite's in-memory test database, shared with the worker thread, reports its table
            # locks at once ("database table is locked") instead of waiting: poll again.
            if "locked" not in str(exc):
                raise
        time.sleep(0.05)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")
