"""Rate limits on every anonymous request (issue 10, 限流): budgets per client address from
settings.GRIDGOV_RATE_LIMITS (the real ones here: tests/conftest.py turns them off elsewhere), counted in
the database or in Redis so that every process shares them; over a budget: 429, Retry-After and a
Chinese sentence saying when to try again; staff are not counted; an endpoint nobody named falls under
the default budget."""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client, RequestFactory

import gridgov.settings as project_settings
from gridgov.core import throttle
from gridgov.core.middleware import request_budget
from gridgov.core.models import Attempt

REAL = dict(project_settings.GRIDGOV_RATE_LIMITS)  # the module's values: override_settings never touches them
REDIS_URL = os.environ.get("GRIDGOV_TEST_RATE_REDIS_URL", "redis://127.0.0.1:6379/7")
T0 = datetime(2031, 3, 4, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
ROOT = Path(__file__).resolve().parents[2]


def _redis_or_skip():
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        client.ping()
    except redis.RedisError as exc:
        if os.environ.get("GRIDGOV_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis does not answer at {REDIS_URL} ({exc}) and GRIDGOV_REQUIRE_REDIS=1", pytrace=False)
        pytest.skip(f"Redis does not answer at {REDIS_URL} ({exc})")
    return client


@pytest.fixture
def address():
    """A client address of this test only (and its /24, which no other test uses): runs side by side
    (SQLite, PostgreSQL) share Redis DB 7."""
    return f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"


@pytest.fixture(params=["database", "redis"])
def backend(request, settings, address):
    """The real budgets, counted in the database or in Redis (DB 7; only this test's keys are deleted)."""
    settings.GRIDGOV_RATE_LIMITS = dict(REAL)
    if request.param == "database":
        settings.GRIDGOV_RATE_LIMIT_REDIS_URL = ""
        yield request.param
        return
    client = _redis_or_skip()
    settings.GRIDGOV_RATE_LIMIT_REDIS_URL = REDIS_URL
    yield request.param
    for name in client.scan_iter(match=f"gridgov:{throttle.RATE_PREFIX}*:{address.rsplit('.', 1)[0]}.*"):
        client.delete(name)


def rate(budget: str) -> throttle.Rate:
    return throttle.parse_rate(REAL[budget])


def spot_body(title: str) -> dict:
    """A resident's report at a point inside a 三级网格 of the demo city."""
    import shapely

    from gridgov.grids.selectors import current_geometries

    code = "410102001002001"
    point = shapely.point_on_surface(current_geometries([code])[code])
    return {
        "title": title,
        "description": "三天没人清运",
        "lon": point.x,
        "lat": point.y,
        "reporter": {"name": "王五", "phone": "13700001234"},
    }


def assert_told_when(response, minutes: int) -> str:
    """429 with Retry-After in seconds and the Chinese sentence with the wait in minutes."""
    assert response.status_code == 429, response.content[:300]
    assert int(response["Retry-After"]) == minutes * 60
    text = (
        response.json()["detail"]
        if response["Content-Type"].startswith("application/json")
        else response.content.decode()
    )
    assert "请求过于频繁" in text and f"请在 {minutes} 分钟后" in text, text
    return text


# ---- intake at its real budget --------------------------------------------------------------------


def test_intake_over_its_budget_is_429_in_chinese_writes_nothing_and_passes_with_the_window(
    demo_city, backend, address
):
    from gridgov.cases.models import Case, IdempotencyKey

    client = Client(REMOTE_ADDR=address)
    budget = rate("intake")
    body = spot_body("限流测试的上报")
    with time_machine.travel(T0, tick=False) as clock:
        for i in range(budget.requests):
            made = client.post(
                "/api/v1/cases", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=f"limits-{address}-{i}"
            )
            assert made.status_code == 201, made.content
            clock.shift(timedelta(minutes=1))  # 10:00, 10:01, …
        assert Case.objects.filter(title=body["title"]).count() == budget.requests

        refused = client.post(
            "/api/v1/cases", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=f"limits-{address}-over"
        )
        # now 10:20 (the budget is 20 an hour): the 10:00 report leaves the window at 11:00
        text = assert_told_when(refused, int(budget.window.total_seconds() // 60) - budget.requests)
        assert "（11:00 以后）" in text, "the local time the wait ends"
        assert Case.objects.filter(title=body["title"]).count() == budget.requests, "no case was written"
        assert not IdempotencyKey.objects.filter(key=f"limits-{address}-over").exists(), "no key was kept"

        other = Client(REMOTE_ADDR=address.rsplit(".", 1)[0] + ".255")
        assert other.get("/api/v1/grids/locate", {"lon": body["lon"], "lat": body["lat"]}).status_code == 200, (
            "another budget and another address are not held"
        )

        clock.move_to(T0 + budget.window - timedelta(seconds=1))
        assert client.post("/api/v1/cases", body, content_type="application/json").status_code == 429
        clock.shift(timedelta(seconds=1))  # the first report leaves the window
        again = client.post(
            "/api/v1/cases", body, content_type="application/json", HTTP_IDEMPOTENCY_KEY=f"limits-{address}-later"
        )
        assert again.status_code == 201, again.content
        assert client.post("/api/v1/cases", body, content_type="application/json").status_code == 429, (
            "one left the window, one came back in"
        )


# ---- the count is shared by processes -------------------------------------------------------------

CHILD = """
import json, os, sys
import django
django.setup()
from django.db import connection
from django.test import Client
from gridgov.core.models import Attempt
if connection.vendor == "sqlite" and "core_attempt" not in connection.introspection.table_names():
    with connection.schema_editor() as editor:  # a bare file: the counts' table is all this needs
        editor.create_model(Attempt)
client = Client(REMOTE_ADDR=sys.argv[1])
# a case's public view without its code: 401 at once, counted against "track" (shared: the database or Redis)
print(json.dumps([client.get("/api/v1/cases/ZY-LIMITS").status_code for _ in range(int(sys.argv[2]))]))
"""


def _child(env: dict, address: str, requests: int) -> list[int]:
    """Another process, with the real middleware stack (no test fixtures), making `requests` requests."""
    run = subprocess.run(
        [sys.executable, "-c", CHILD, address, str(requests)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "gridgov.settings", "GRIDGOV_TEST_CLOCK": "", **env},
    )
    assert run.returncode == 0, run.stderr[-2000:]
    return json.loads(run.stdout.strip().splitlines()[-1])


def _database_url(tmp_path) -> str:
    """The test database when other processes can reach it (PostgreSQL); SQLite's lives in this process's
    memory, so both children then share a file of their own."""
    from django.db import connection

    s = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{tmp_path / 'shared-counts.sqlite3'}"
    from urllib.parse import quote

    auth = quote(s["USER"] or "", safe="") + (":" + quote(s["PASSWORD"], safe="") if s.get("PASSWORD") else "")
    port = f":{s['PORT']}" if s.get("PORT") else ""
    return f"postgresql://{auth}@{s.get('HOST') or '127.0.0.1'}{port}/{quote(s['NAME'], safe='')}"


def test_the_count_is_shared_by_processes(request, backend, address, tmp_path):
    from django.db import connection

    shared_database = backend == "database" and connection.vendor != "sqlite"
    # the children commit their counts to the test database: flushed afterwards (only then: it costs)
    request.getfixturevalue("transactional_db" if shared_database else "db")
    env = {
        "GRIDGOV_RATE_LIMITS": "track=3/1h",
        "GRIDGOV_DATABASE_URL": _database_url(tmp_path),
        "GRIDGOV_REDIS_URL": "",
        "GRIDGOV_RATE_LIMIT_REDIS_URL": REDIS_URL if backend == "redis" else "",
    }
    assert _child(env, address, 2) == [401, 401]
    assert _child(env, address, 2) == [401, 429], "the second process saw the first one's two requests"
    if shared_database:
        assert Attempt.objects.filter(scope="rate:track", key=address).count() == 3, "counted in this database"


# ---- the counter itself, on both stores -----------------------------------------------------------


def test_hit_serves_the_budget_then_says_when_the_oldest_leaves(db, backend, address):
    budget = throttle.Rate(3, timedelta(minutes=10))
    with time_machine.travel(T0, tick=False) as clock:
        for _ in range(3):
            assert throttle.hit("read", address, budget) == timedelta(0)
            clock.shift(timedelta(minutes=2))
        # served at 10:00, 10:02, 10:04; now 10:06: the 10:00 one leaves at 10:10
        assert throttle.hit("read", address, budget) == timedelta(minutes=4)
        assert throttle.hit("read", address, budget) == timedelta(minutes=4), "a refused request is not counted"
        assert throttle.hit("intake", address, budget) == timedelta(0), "budgets are counted apart"
        clock.shift(timedelta(minutes=4))
        assert throttle.hit("read", address, budget) == timedelta(0)
        assert throttle.hit("read", address, budget) == timedelta(minutes=2), "now the 10:02 one must leave"


def test_reads_without_redis_are_counted_in_memory_with_redis_in_redis(db, backend, address):
    """A GET must not write to the database (SQLite has one writer): without Redis, each process counts
    reads itself; with Redis they are shared like the rest."""
    budget = throttle.Rate(2, timedelta(minutes=10))
    with time_machine.travel(T0, tick=False):
        assert [throttle.hit("read", address, budget, database=False) for _ in range(3)] == [
            timedelta(0),
            timedelta(0),
            timedelta(minutes=10),
        ]
    assert not Attempt.objects.filter(key=address).exists(), "no row for a read"
    if backend == "redis":
        import redis

        assert redis.Redis.from_url(REDIS_URL).zcard(f"gridgov:rate:read:{address}") == 2, "in Redis: shared"


# ---- who is counted, and against which budget -----------------------------------------------------


@pytest.mark.parametrize(
    "method, path, data, budget",
    [
        ("POST", "/api/v1/cases", None, "intake"),
        ("POST", "/api/v1/uploads", None, "upload"),
        ("GET", "/track/", None, "track"),
        ("POST", "/track/", {"number": "X", "code": "Y"}, "track"),
        ("POST", "/track/", {"number": "X", "code": "Y", "action": "evaluate"}, "evaluate"),
        ("GET", "/api/v1/cases/ZY2031", None, "track"),
        ("POST", "/api/v1/cases/ZY2031/actions/evaluate", None, "evaluate"),
        ("POST", "/api/v1/cases/ZY2031/actions/accept", None, "write"),
        ("POST", "/login/", None, "signin"),
        ("POST", "/api/v1/auth/token", None, "signin"),
        # nobody named these: the defaults
        ("GET", "/", None, "read"),
        ("GET", "/rankings/", None, "read"),
        ("GET", "/api/v1/grids/locate", None, "read"),
        ("HEAD", "/report/categories.json", None, "read"),
        ("GET", "/an/endpoint/added/later/", None, "read"),
        ("POST", "/an/endpoint/added/later/", None, "write"),
        ("DELETE", "/api/v1/cases", None, "write"),
    ],
)
def test_each_request_falls_under_a_budget(method, path, data, budget):
    request = RequestFactory().generic(
        method,
        path,
        "&".join(f"{k}={v}" for k, v in (data or {}).items()),
        content_type="application/x-www-form-urlencoded",
    )
    assert request_budget(request) == budget
    assert budget in REAL


def test_a_page_nobody_named_gets_the_default_budget_as_a_page_in_words(db, backend, address):
    """/rankings/ has no budget of its own: "read" holds it; the 429 is a page (no inline script or style)."""
    read = rate("read")
    with time_machine.travel(T0, tick=False):
        for _ in range(read.requests - 1):  # the budget spent elsewhere (the map's data, say)
            assert throttle.hit("read", address, read, database=False) == timedelta(0)
        client = Client(REMOTE_ADDR=address)
        assert client.get("/rankings/").status_code == 200, "the last request of the budget is served"
        refused = client.get("/rankings/")
        assert_told_when(refused, int(read.window.total_seconds() // 60))
    page = refused.content.decode()
    assert refused["Content-Type"].startswith("text/html") and "请稍后再试" in page
    assert "<style" not in page and " style=" not in page and "<script>" not in page, "no inline script or style"


def test_staff_are_not_counted_but_a_made_up_token_is(demo_city, backend, address, settings):
    import secrets

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from gridgov.people.models import ApiToken
    from gridgov.people.services import token_hash

    settings.GRIDGOV_RATE_LIMITS = {**REAL, "read": "2/1h"}
    staff = get_user_model().objects.get(username="dispatcher")
    key = secrets.token_urlsafe(16)
    ApiToken.objects.create(user=staff, key_hash=token_hash(key), expires_at=timezone.now() + timedelta(hours=1))

    signed_in = Client(REMOTE_ADDR=address)
    signed_in.force_login(staff)
    bearer = Client(REMOTE_ADDR=address, HTTP_AUTHORIZATION=f"Bearer {key}")
    for _ in range(4):
        assert signed_in.get("/rankings/").status_code == 200
        assert bearer.get("/api/v1/grids?level=0").status_code == 200
    anonymous = Client(REMOTE_ADDR=address)
    assert [anonymous.get("/rankings/").status_code for _ in range(3)] == [200, 200, 429], (
        "the staff's requests from this address took nothing of its budget"
    )
    made_up = Client(REMOTE_ADDR=address, HTTP_AUTHORIZATION="Bearer not-a-token")
    assert made_up.get("/api/v1/grids?level=0").status_code == 429, "only a valid token is staff"


# ---- small parts ------------------------------------------------------------------------------------


def test_rates_are_read_from_words():
    assert throttle.parse_rate("20/1h") == throttle.Rate(20, timedelta(hours=1))
    assert throttle.parse_rate(" 600/10m ") == throttle.Rate(600, timedelta(minutes=10))
    assert throttle.parse_rate("5/s") == throttle.Rate(5, timedelta(seconds=1))
    assert throttle.parse_rate("off") is None
    for wrong in ("20", "20/1w", "0/1h", "x/1h", "20/0h"):
        with pytest.raises(ValueError):
            throttle.parse_rate(wrong)
    for budget, text in REAL.items():
        assert throttle.parse_rate(text) is not None, budget


def test_a_misspelt_budget_or_rate_stops_the_server_at_start(settings):
    from django.core.exceptions import ImproperlyConfigured

    from gridgov.http.ratelimit import RateLimitMiddleware

    for wrong in ({"intak": "20/1h"}, {"intake": "20 per hour"}):
        settings.GRIDGOV_RATE_LIMITS = {**REAL, **wrong}
        with pytest.raises(ImproperlyConfigured):
            RateLimitMiddleware(lambda request: None)
    settings.GRIDGOV_RATE_LIMITS = {**REAL, "intake": "off"}
    RateLimitMiddleware(lambda request: None)


def test_an_ipv6_client_is_counted_by_its_64():
    assert (
        throttle.client_key("2001:db8:1:2:aaaa::1")
        == throttle.client_key("2001:db8:1:2:bbbb::9")
        == "2001:db8:1:2::/64"
    )
    assert throttle.client_key("2001:db8:1:3::1") != throttle.client_key("2001:db8:1:2::1")
    assert throttle.client_key("::ffff:192.0.2.7") == "192.0.2.7"
    assert throttle.client_key("192.0.2.7") == "192.0.2.7"
