"""API tokens (issue 10, finding 9): a working day's lifetime with renewal, last use recorded without a
write per request, and each person's own list of tokens to revoke from."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gridgov.core.models import AuditEvent
from gridgov.people.models import ApiToken
from gridgov.people.services import token_hash

PASSWORD = "Tokens-horse-9"
START = datetime(2027, 3, 2, 1, 0, tzinfo=UTC)  # 09:00 in 郑州; any moment would do


@pytest.fixture
def staff(django_user_model, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    return django_user_model.objects.create_user("token-staff", password=PASSWORD)


@pytest.fixture
def other(django_user_model):
    return django_user_model.objects.create_user("token-other", password=PASSWORD + "x")


def sign_in(username="token-staff", password=PASSWORD, label=""):
    r = Client().post(
        "/api/v1/auth/token",
        {"username": username, "password": password, "label": label},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    return r.json()["token"]


def call(key, method="get", path="/api/v1/auth/tokens"):
    return getattr(Client(), method)(path, HTTP_AUTHORIZATION=f"Bearer {key}")


def token_of(key) -> ApiToken:
    return ApiToken.objects.get(key_hash=token_hash(key))


@pytest.mark.django_db
def test_a_token_lives_a_working_day_and_then_says_what_to_do(staff, settings):
    assert settings.GRIDGOV_TOKEN_HOURS == 12
    with time_machine.travel(START, tick=False) as clock:
        key = sign_in()
        assert token_of(key).expires_at == START + timedelta(hours=12)
        clock.shift(timedelta(hours=11, minutes=59))
        assert call(key).status_code == 200
        clock.shift(timedelta(minutes=1))
        r = call(key)
    assert r.status_code == 401
    assert "已过期" in r.json()["detail"] and "/api/v1/auth/token" in r.json()["detail"]


@pytest.mark.django_db
def test_renewal_gives_a_fresh_token_and_kills_the_old(staff):
    with time_machine.travel(START, tick=False) as clock:
        old = sign_in(label="手机")
        clock.shift(timedelta(hours=10))
        r = call(old, "post", "/api/v1/auth/token/renew")
        assert r.status_code == 200, r.content
        new = r.json()["token"]
        assert new != old
        assert datetime.fromisoformat(r.json()["expires_at"]) == START + timedelta(hours=22)
        assert call(new).status_code == 200
        refused = call(old)
        assert refused.status_code == 401 and "吊销" in refused.json()["detail"]
        assert call(old, "post", "/api/v1/auth/token/renew").status_code == 401, "a revoked token renews nothing"
        fresh = token_of(new)
        assert fresh.label == "手机" and fresh.created_at == START, "the renewal keeps the sign-in's time"
        assert token_of(old).revoked_at == START + timedelta(hours=10)
    assert AuditEvent.objects.filter(action="auth.token_renewed", object_id=str(fresh.pk)).exists()


@pytest.mark.django_db
def test_renewals_end_a_week_after_the_password_was_typed(staff, settings):
    assert settings.GRIDGOV_TOKEN_MAX_DAYS == 7
    with time_machine.travel(START, tick=False) as clock:
        key = sign_in()
        for _ in range(15):  # every 11 hours, always in time
            clock.shift(timedelta(hours=11))
            r = call(key, "post", "/api/v1/auth/token/renew")
            assert r.status_code == 200, r.content
            key = r.json()["token"]
        # 165 hours in: the last renewal cannot outlive the week (168 hours), where 12 more hours would
        assert token_of(key).expires_at == START + timedelta(days=7)
        clock.shift(timedelta(hours=11))
        assert call(key, "post", "/api/v1/auth/token/renew").status_code == 401
        assert call(key).status_code == 401


@pytest.mark.django_db
def test_last_used_at_is_written_at_most_once_a_minute(staff):
    with time_machine.travel(START, tick=False) as clock:
        key = sign_in()
        assert token_of(key).last_used_at is None
        clock.shift(timedelta(minutes=5))
        assert call(key).status_code == 200
        assert token_of(key).last_used_at == START + timedelta(minutes=5)
        clock.shift(timedelta(seconds=59))
        with CaptureQueriesContext(connection) as queries:
            assert call(key).status_code == 200
        assert not [q for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")], "written within a minute"
        assert token_of(key).last_used_at == START + timedelta(minutes=5)
        clock.shift(timedelta(seconds=1))
        assert call(key).status_code == 200
        assert token_of(key).last_used_at == START + timedelta(minutes=6)


@pytest.mark.django_db
def test_the_list_shows_my_tokens_only_and_never_a_key(staff, other):
    mine = [sign_in(label="电脑"), sign_in(label="手机")]
    theirs = sign_in("token-other", PASSWORD + "x", label="他的")
    r = call(mine[0])
    assert r.status_code == 200, r.content
    rows = r.json()
    assert sorted(row["label"] for row in rows) == ["手机", "电脑"]
    assert {row["id"] for row in rows} == {token_of(k).pk for k in mine}
    assert set(rows[0]) == {"id", "label", "created_at", "last_used_at", "expires_at", "revoked_at"}
    assert not any(k in r.content.decode() or token_hash(k) in r.content.decode() for k in [*mine, theirs])
    assert Client().get("/api/v1/auth/tokens").status_code == 401


@pytest.mark.django_db
def test_i_revoke_my_token_but_never_anothers(staff, other):
    key, spare = sign_in(), sign_in(label="备用")
    theirs = sign_in("token-other", PASSWORD + "x")
    r = call(key, "delete", f"/api/v1/auth/tokens/{token_of(theirs).pk}")
    assert r.status_code == 404 and "不存在" in r.json()["detail"]
    for nonsense in (0, -1, 2**63, 10**30):  # never a database error
        assert call(key, "delete", f"/api/v1/auth/tokens/{nonsense}").status_code == 404
    assert call(theirs).status_code == 200, "another person's token is untouched"
    assert call(key, "delete", f"/api/v1/auth/tokens/{token_of(spare).pk}").status_code == 204
    assert call(spare).status_code == 401
    assert call(key).status_code == 200
    assert AuditEvent.objects.filter(action="auth.token_revoked", object_id=str(token_of(spare).pk)).exists()
    # and one's own current token: signing out of the API
    assert call(key, "delete", f"/api/v1/auth/tokens/{token_of(key).pk}").status_code == 204
    assert call(key).status_code == 401


@pytest.mark.django_db
def test_an_unknown_token_is_401_in_chinese(staff):
    r = call("not-a-token")
    assert r.status_code == 401 and "/api/v1/auth/token" in r.json()["detail"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in r.json()["detail"])
