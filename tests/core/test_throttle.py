"""core.throttle: failures counted in the database, a wait that ends when the oldest leave the window."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import time_machine
from django.test import RequestFactory

from gridgov.core import throttle
from gridgov.core.models import Attempt

LIMIT = throttle.Limit(failures=3, window=timedelta(hours=1))
T0 = datetime(2031, 3, 4, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def test_the_wait_starts_at_the_limit_and_ends_when_the_oldest_failure_leaves(db):
    with time_machine.travel(T0, tick=False) as clock:
        for _minute in (0, 10, 20):
            assert throttle.wait("t", "k", LIMIT) == timedelta(0), "under the limit: no wait"
            throttle.fail("t", ["k"])
            clock.shift(timedelta(minutes=10))
        # 3 failures at 10:00, 10:10, 10:20; now 10:30: the 10:00 one frees a try at 11:00
        assert throttle.wait("t", "k", LIMIT) == timedelta(minutes=30)
        assert throttle.wait("t", "other", LIMIT) == timedelta(0), "other keys are not held"
        clock.move_to(T0 + timedelta(hours=1, seconds=1))
        assert throttle.wait("t", "k", LIMIT) == timedelta(0), "the oldest left the window"


def test_failures_count_per_scope_and_key_and_old_ones_are_forgotten(db):
    with time_machine.travel(T0, tick=False) as clock:
        throttle.fail("t", ["a", "b", "a"])  # a key named twice counts once
        assert Attempt.objects.filter(scope="t").count() == 2
        throttle.fail("u", ["a"])
        assert throttle.longest_wait("t", [("a", throttle.Limit(1, timedelta(hours=1))), ("c", LIMIT)]) == timedelta(
            hours=1
        )
        clock.shift(throttle.KEEP + timedelta(minutes=1))
        throttle.fail("t", ["z"])  # recording a failure forgets the scope's ones older than KEEP
        assert sorted(Attempt.objects.filter(scope="t").values_list("key", flat=True)) == ["z"]
        assert Attempt.objects.filter(scope="u").count() == 1, "other scopes are left alone"


def test_whole_minutes_round_up():
    assert throttle.whole_minutes(timedelta(seconds=1)) == 1
    assert throttle.whole_minutes(timedelta(minutes=59, seconds=1)) == 60


def test_client_address_from_remote_addr_or_the_proxy_header(settings):
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_REAL_IP="203.0.113.9")
    settings.GRIDGOV_CLIENT_IP_HEADER = ""
    assert throttle.client_address(request) == "10.0.0.1", "a header is not trusted unless configured"
    settings.GRIDGOV_CLIENT_IP_HEADER = "X-Real-IP"
    assert throttle.client_address(request) == "203.0.113.9"
    settings.GRIDGOV_CLIENT_IP_HEADER = "X-Forwarded-For"
    forwarded = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 198.51.100.7")
    assert throttle.client_address(forwarded) == "198.51.100.7", "the address our proxy added, not the client's claim"
