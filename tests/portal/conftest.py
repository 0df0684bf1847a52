"""The resident pages' fixtures: the points fixtures (王奶奶 has the cases' reporter phone; a held clock) and
the SMS sender that keeps what it sends (notifications.senders.KeptSmsSender), where tests read the codes."""

import re

import pytest

from gridgov.notifications.senders import KeptSmsSender
from tests.points.conftest import REPORTER_PHONE, people  # noqa: F401 — the residents
from tests.visits.conftest import clock  # noqa: F401 — the held clock

SIGN_IN = "/my/signin/"


@pytest.fixture
def sms(settings):
    settings.GRIDGOV_NOTIFY_SENDERS = ["gridgov.notifications.senders.KeptSmsSender"]
    KeptSmsSender.sent.clear()
    yield KeptSmsSender.sent
    KeptSmsSender.sent.clear()


def last_code(phone: str) -> str:
    """The code of the last SMS sent to `phone` (its six digits)."""
    body = next(body for to, body in reversed(KeptSmsSender.sent) if to == phone)
    return re.search(r"\d{6}", body).group(0)


def sign_in(client, phone: str = REPORTER_PHONE):
    """Request a code for `phone` and sign in with it: the response of the verify step."""
    assert client.post(SIGN_IN, {"action": "send", "phone": phone}).status_code == 200
    return client.post(SIGN_IN, {"action": "verify", "phone": phone, "code": last_code(phone)})
