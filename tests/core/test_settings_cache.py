"""The shared cache (settings.CACHES): every process of a site reads what another one wrote — the database's
table without Redis, Redis with GRIDGOV_REDIS_URL — so cached answers (the public rankings) agree."""

import os
import secrets

import pytest

from tests.core.settings_util import python, server_env

KEY = "k" * 60
# A fresh database file: the cache's table is all the writer makes (`gridgov migrate` makes it in a site's).
WRITE = (
    "from django.core.management import call_command; from django.core.cache import cache; "
    "backend = settings.CACHES['default']['BACKEND']; "
    "call_command('createcachetable') if backend.endswith('DatabaseCache') else None; "
    "cache.set(KEY, VALUE, 300); print(backend)"
)
READ = "from django.core.cache import cache; print(cache.get(KEY))"


def _two_processes(env: dict) -> tuple[str, bool]:
    key, value = f"probe-{secrets.token_hex(4)}", secrets.token_hex(8)
    wrote = python(WRITE.replace("KEY", repr(key)).replace("VALUE", repr(value)), env)
    assert wrote.returncode == 0, wrote.stderr[-3000:]
    read = python(READ.replace("KEY", repr(key)), env)
    assert read.returncode == 0, read.stderr[-3000:]
    return wrote.stdout.strip(), read.stdout.strip() == value


def test_without_redis_processes_share_the_database_cache(tmp_path):
    env = server_env(GRIDGOV_SECRET_KEY=KEY, GRIDGOV_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    backend, shared = _two_processes(env)
    assert backend == "django.core.cache.backends.db.DatabaseCache"
    assert shared, "the second process reads what the first one cached"


def test_with_redis_processes_share_redis(tmp_path):
    import redis

    url = os.environ.get("GRIDGOV_TEST_CACHE_REDIS_URL", "redis://127.0.0.1:6379/4")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.RedisError as exc:
        if os.environ.get("GRIDGOV_REQUIRE_REDIS") == "1":
            pytest.fail(f"Redis does not answer at {url} ({exc}) and GRIDGOV_REQUIRE_REDIS=1", pytrace=False)
        pytest.skip(f"Redis does not answer at {url} ({exc})")
    env = server_env(
        GRIDGOV_SECRET_KEY=KEY, GRIDGOV_REDIS_URL=url, GRIDGOV_DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}"
    )
    backend, shared = _two_processes(env)
    assert backend == "django.core.cache.backends.redis.RedisCache"
    assert shared, "the second process reads what the first one cached"


@pytest.mark.django_db
def test_the_migrations_make_the_cache_table_the_tests_use():
    """The suite runs on the real cache (not locmem): the database cache, its table made by core 0006."""
    from django.conf import settings
    from django.core.cache import cache
    from django.db import connection

    if settings.GRIDGOV_REDIS_URL:
        pytest.skip("this run's cache is Redis")
    assert settings.CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache"
    assert settings.CACHES["default"]["LOCATION"] in connection.introspection.table_names()
    cache.set("probe", [1, 2], 60)
    assert cache.get("probe") == [1, 2]
