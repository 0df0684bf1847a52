"""Signing in (issue 10, finding 2): the password is checked outside any write transaction (wrong
passwords stalled every write on SQLite), guessing is bounded per account and per client address on
POST /api/v1/auth/token and /login/ alike (429 with the wait in words), and every failure is logged and
audited — never the password."""

import logging
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone

from gridgov.core.errors import NotAuthenticated, TooMany
from gridgov.core.models import Attempt, AuditEvent
from gridgov.people import login_guard, services
from gridgov.people.models import ApiToken

PASSWORD = "Correct-horse-9"
WRONG = "Wrong-horse-9"


@pytest.fixture
def staff(django_user_model, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # dozens of tries: quickly
    return django_user_model.objects.create_user("guard-staff", password=PASSWORD)


def _token(username, password, addr="192.0.2.1"):
    return Client().post(
        "/api/v1/auth/token",
        {"username": username, "password": password},
        content_type="application/json",
        REMOTE_ADDR=addr,
    )


def _login(username, password, addr="192.0.2.1", client=None):
    return (client or Client()).post("/login/", {"username": username, "password": password}, REMOTE_ADDR=addr)


@pytest.mark.django_db
def test_the_password_is_checked_outside_any_transaction(staff, monkeypatch):
    """Observed inside the password hasher: no transaction (savepoint) was opened around it, and no
    write ran before it. Before the fix issue_token was @transaction.atomic (SQLite's write lock)."""
    from django.contrib.auth import base_user

    real = base_user.check_password
    seen = []

    def watched(*args, **kwargs):
        seen.append(len(connection.atomic_blocks))
        return real(*args, **kwargs)

    monkeypatch.setattr(base_user, "check_password", watched)
    outside = len(connection.atomic_blocks)  # the test's own transaction, if any
    with pytest.raises(NotAuthenticated):
        services.issue_token(username=staff.username, password=WRONG, client="192.0.2.1")
    assert services.issue_token(username=staff.username, password=PASSWORD, client="192.0.2.1")
    assert seen == [outside, outside], "the password was checked inside a transaction"
    assert ApiToken.objects.filter(user=staff).count() == 1


@pytest.mark.django_db
def test_token_requests_are_bounded_per_account(staff):
    for n in range(login_guard.PER_ACCOUNT.failures):  # from ever new addresses: the account counts
        assert _token(staff.username, WRONG, addr=f"192.0.2.{10 + n}").status_code == 401
    r = _token(staff.username, PASSWORD, addr="198.51.100.1")
    assert r.status_code == 429, "while throttled the right password is refused too"
    assert "分钟后再试" in r.json()["detail"] and 0 < int(r["Retry-After"]) <= 15 * 60
    assert not ApiToken.objects.filter(user=staff).exists()
    # the same for the account written in other capitals: one account, one count
    assert _token(staff.username.upper(), PASSWORD, addr="198.51.100.2").status_code == 429


@pytest.mark.django_db
def test_token_requests_are_bounded_per_client(staff):
    for n in range(login_guard.PER_CLIENT.failures):  # a different name each time: the address counts
        assert _token(f"nobody-{n}", WRONG, addr="192.0.2.66").status_code == 401
    assert _token(staff.username, PASSWORD, addr="192.0.2.66").status_code == 429
    assert _token(staff.username, PASSWORD, addr="203.0.113.5").status_code == 200, "others still get in"


@pytest.mark.django_db
def test_the_wait_ends_after_the_window(staff):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        for _ in range(login_guard.PER_ACCOUNT.failures):
            with pytest.raises(NotAuthenticated):
                login_guard.authenticate(username=staff.username, password=WRONG)
        with pytest.raises(TooMany):
            login_guard.authenticate(username=staff.username, password=PASSWORD)
        clock.shift(login_guard.PER_ACCOUNT.window + timedelta(seconds=1))
        assert login_guard.authenticate(username=staff.username, password=PASSWORD) == staff


@pytest.mark.django_db
def test_the_login_page_is_bounded_and_says_how_long_to_wait(staff):
    for n in range(login_guard.PER_ACCOUNT.failures):
        r = _login(staff.username, WRONG, addr=f"192.0.2.{20 + n}")
        assert r.status_code == 200 and 'id="sign-in-error"' in r.content.decode()
    page = Client()
    r = _login(staff.username, PASSWORD, addr="198.51.100.3", client=page)
    html = r.content.decode()
    assert r.status_code == 429 and "分钟后再试" in html and "此账号或您所在的网络地址密码错误次数过多" in html
    assert "_auth_user_id" not in page.session, "not signed in"


@pytest.mark.django_db
def test_the_login_page_is_bounded_per_client(staff):
    for n in range(login_guard.PER_CLIENT.failures):
        assert _login(f"nobody-{n}", WRONG, addr="192.0.2.77").status_code == 200
    assert _login(staff.username, PASSWORD, addr="192.0.2.77").status_code == 429
    assert _login(staff.username, PASSWORD, addr="203.0.113.6").status_code == 302, "others still get in"


@pytest.mark.django_db
def test_failed_logins_are_audited_and_logged_without_the_password(staff, caplog):
    with caplog.at_level(logging.WARNING, logger="gridgov.people.login_guard"):
        assert _token(staff.username, WRONG, addr="192.0.2.88").status_code == 401
        assert _login(staff.username, WRONG, addr="192.0.2.89").status_code == 200
        assert _login(staff.username, PASSWORD, addr="192.0.2.89").status_code == 302  # success: not a failure
    events = list(AuditEvent.objects.filter(action="auth.login_failed").order_by("id"))
    assert [(e.data["username"], e.data["client"], e.data["via"]) for e in events] == [
        (staff.username, "192.0.2.88", "api"),
        (staff.username, "192.0.2.89", "web"),
    ]
    assert all(WRONG not in str(e.data) and PASSWORD not in str(e.data) for e in events)
    assert caplog.text.count("failed sign-in for 'guard-staff'") == 2
    assert WRONG not in caplog.text and PASSWORD not in caplog.text
    assert Attempt.objects.filter(scope=login_guard.SCOPE, key="account:guard-staff").count() == 2


@pytest.mark.django_db
def test_the_admin_sign_in_is_bounded_too(staff):
    staff.is_staff = True
    staff.save()
    for _ in range(login_guard.PER_ACCOUNT.failures):
        r = Client().post("/admin/login/", {"username": staff.username, "password": WRONG}, REMOTE_ADDR="192.0.2.90")
        assert r.status_code == 200
    r = Client().post("/admin/login/", {"username": staff.username, "password": PASSWORD}, REMOTE_ADDR="192.0.2.91")
    assert r.status_code == 200 and "分钟后再试" in r.content.decode(), "throttled: not signed in"
    assert AuditEvent.objects.filter(action="auth.login_failed", data__via="web").count() == 5
