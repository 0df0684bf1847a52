"""Helpers for tests against a real Celery worker on the real Redis (no mocks); the fixtures
(`redis_test_url`, `celery_worker`) are in tests/conftest.py.

The worker runs in a thread of the test process, so it shares the test database: tests that use it
need `transactional_db` (the worker cannot see rows inside the test's own transaction).
Redis: GRIDGOV_TEST_REDIS_URL, default DB 15 on 127.0.0.1:6379. A test run uses a queue of its own
and removes it afterwards instead of flushing the DB, so two test runs on one machine can share it.
Without Redis the tests are skipped, unless GRIDGOV_REQUIRE_REDIS=1 (CI) makes that a failure.
"""

import os
import time
import uuid

REDIS_TEST_URL = os.environ.get("GRIDGOV_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# One queue per test process: Celery caches its queue declarations.
QUEUE = f"gridgov-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"


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


def retry_locked(fn, attempts: int = 200):
    """Run fn() (a write from the test's thread) again while SQLite's in-memory test database, whose
    cache the worker thread shares, answers "database table is locked" at once where a file database
    would wait out its busy_timeout: the worker drains the outbox table the test writes to."""
    from django.db import OperationalError

    for _ in range(attempts - 1):
        try:
            return fn()
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.01)
    return fn()
