import threading
import time

import pytest
from django.db import OperationalError, connection

from gridgov.notifications import services
from gridgov.notifications.models import Notification
from gridgov.notifications.tasks import deliver_notification
from tests.notifications.conftest import RECORDING


def _row(user, key="k"):
    return Notification.objects.create(recipient=user, kind="case_dispatched", title="新案件", dedupe_key=key)


@pytest.mark.django_db
def test_deliver_twice_sends_once(make_user, sent):
    n = _row(make_user("alice"))
    deliver_notification(notification_id=n.pk)
    deliver_notification(notification_id=n.pk)
    assert sent == [n.pk]
    n.refresh_from_db()
    assert n.delivered_at is not None


@pytest.mark.django_db
def test_deliver_of_a_deleted_notification_is_a_no_op(sent):
    assert services.deliver(notification_id=987654321) is False
    assert sent == []


@pytest.mark.django_db
def test_a_failing_sender_does_not_stop_the_others(make_user, sent, settings, caplog):
    settings.GRIDGOV_NOTIFY_SENDERS = ["tests.notifications.test_deliver.BrokenSender", RECORDING]
    n = _row(make_user("alice"))
    assert services.deliver(notification_id=n.pk) is True
    assert sent == [n.pk]
    assert "BrokenSender failed" in caplog.text


class BrokenSender:
    def send(self, notification):
        raise ConnectionError("SMS gateway down")


@pytest.mark.django_db(transaction=True)
def test_two_workers_delivering_at_once_send_once(make_user, sent):
    """The conditional UPDATE lets exactly one of several concurrent deliveries through."""
    n = _row(make_user("alice"))
    start = threading.Barrier(4)
    results = []

    def worker():
        start.wait()
        try:
            results.append(_retry_locked(lambda: services.deliver(notification_id=n.pk)))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == [False, False, False, True]
    assert sent == [n.pk]


def _retry_locked(fn, attempts: int = 100):
    """SQLite's in-memory test database shares one cache between threads, and its table locks fail at
    once ("database table is locked") where a file database waits out its busy_timeout: wait here."""
    for _ in range(attempts - 1):
        try:
            return fn()
        except OperationalError as exc:
            if "locked" not in str(exc):
                raise
            time.sleep(0.01)
    return fn()
