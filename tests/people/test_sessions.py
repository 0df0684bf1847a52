"""Staff sessions end after a working day idle (issue 10): SESSION_COOKIE_AGE counted from the last
request, renewed by people.sessions at most every few minutes rather than written on every request."""

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from gridgov.people.sessions import RENEW_EVERY

START = datetime(2027, 3, 2, 0, 30, tzinfo=UTC)


@pytest.fixture
def staff(django_user_model):
    return django_user_model.objects.create_user("session-staff", password="Session-horse-9")


def signed_in(client) -> bool:
    status = client.get("/api/v1/auth/tokens").status_code
    assert status in (200, 401)
    return status == 200


@pytest.mark.django_db
def test_a_session_idle_past_the_working_day_is_signed_out(staff, settings):
    assert 8 * 3600 <= settings.SESSION_COOKIE_AGE <= 12 * 3600
    with time_machine.travel(START, tick=False) as clock:
        client = Client()
        client.force_login(staff)
        clock.shift(timedelta(hours=1))
        assert signed_in(client)
        clock.shift(timedelta(seconds=settings.SESSION_COOKIE_AGE + 1))
        assert not signed_in(client)


@pytest.mark.django_db
def test_a_session_in_use_lives_on_past_the_working_day(staff, settings):
    with time_machine.travel(START, tick=False) as clock:
        client = Client()
        client.force_login(staff)
        for _ in range(12):  # a request every two hours for a day: twice the idle limit
            clock.shift(timedelta(hours=2))
            assert signed_in(client)
        # and then idle again: it ends a working day after the last request
        clock.shift(timedelta(seconds=settings.SESSION_COOKIE_AGE - RENEW_EVERY))
        assert signed_in(client)
        clock.shift(timedelta(seconds=settings.SESSION_COOKIE_AGE + 1))
        assert not signed_in(client)


@pytest.mark.django_db
def test_the_session_is_not_written_on_every_request(staff):
    with time_machine.travel(START, tick=False) as clock:
        client = Client()
        client.force_login(staff)
        clock.shift(timedelta(hours=1))
        assert signed_in(client)  # renews

        def session_writes():
            with CaptureQueriesContext(connection) as queries:
                assert signed_in(client)
            return [
                q["sql"]
                for q in queries
                if "django_session" in q["sql"] and q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
            ]

        clock.shift(timedelta(seconds=RENEW_EVERY - 1))
        assert session_writes() == []
        clock.shift(timedelta(seconds=1))
        assert len(session_writes()) == 1
