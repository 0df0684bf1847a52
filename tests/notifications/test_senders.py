import logging

import pytest

from gridgov.core.privacy import mask_phone
from gridgov.notifications.models import Notification
from gridgov.notifications.senders import LogSender, SmsSender, WeChatSender, configured_senders


def test_mask_phone():
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("0371-67181234") == "037******1234"
    assert mask_phone("12345") == "*****"


def test_default_sender_is_the_log(settings):
    del settings.GRIDGOV_NOTIFY_SENDERS
    assert [type(s) for s in configured_senders()] == [LogSender]


@pytest.mark.django_db
def test_log_sender_logs_to_gridgov_notifications(make_user, caplog):
    n = Notification.objects.create(
        recipient=make_user("alice"),
        kind="case_dispatched",
        title="新案件待签收",
        link="/console/cases/20260101000001/",
        dedupe_key="k",
    )
    with caplog.at_level(logging.INFO, logger="gridgov.notifications"):
        LogSender().send(n)
    (record,) = [r for r in caplog.records if r.name == "gridgov.notifications"]
    assert "新案件待签收" in record.getMessage() and "/console/cases/20260101000001/" in record.getMessage()


@pytest.mark.django_db
@pytest.mark.parametrize("sender", [SmsSender(), WeChatSender()])
def test_phone_senders_log_a_masked_number(make_user, caplog, sender, monkeypatch):
    n = Notification.objects.create(recipient=make_user("alice"), kind="k", title="新案件", dedupe_key="k")
    monkeypatch.setattr(type(sender), "phone_of", lambda self, user: "13812345678")
    with caplog.at_level(logging.INFO, logger="gridgov.notifications"):
        sender.send(n)
    assert f"{sender.channel} to 138****5678: 新案件" in caplog.text
    assert "13812345678" not in caplog.text


@pytest.mark.django_db
def test_phone_sender_without_a_phone_sends_nothing(make_user, caplog):
    n = Notification.objects.create(recipient=make_user("alice"), kind="k", title="新案件", dedupe_key="k")
    with caplog.at_level(logging.INFO, logger="gridgov.notifications"):
        SmsSender().send(n)
    assert "has no phone" in caplog.text
