import threading

import pytest

from gridgov.notifications.senders import Sender

RECORDING = "tests.notifications.conftest.RecordingSender"


class RecordingSender(Sender):
    """Remembers the ids it was asked to send; shared with the worker thread."""

    sent: list[int] = []
    lock = threading.Lock()

    def send(self, notification) -> None:
        with self.lock:
            self.sent.append(notification.pk)


@pytest.fixture
def sent(settings) -> list[int]:
    settings.GRIDGOV_NOTIFY_SENDERS = [RECORDING]
    RecordingSender.sent.clear()
    return RecordingSender.sent


@pytest.fixture
def make_user(django_user_model):
    def make(username: str, **fields):
        return django_user_model.objects.create_user(username=username, password="x", **fields)

    return make
