"""Notifications through a real Celery worker on the real Redis (see live_celery.py)."""

from django.db import transaction

from gridgov.core.tasks import enqueue
from gridgov.notifications import services
from gridgov.notifications.models import Notification
from tests.notifications.live_celery import retry_locked, wait_for


def test_notify_is_delivered_by_the_worker_once(celery_worker, make_user, sent):
    alice = make_user("alice")
    with transaction.atomic():
        (n,) = services.notify(
            recipients=[alice],
            kind="case_dispatched",
            title="新案件待签收",
            link="/console/cases/20260101000001/",
            subject="20260101000001",
            dedupe_key="case:20260101000001:dispatched:1",
        )
    # deliver() claims the row before it calls the senders: wait for the send too, not only the claim
    wait_for(
        lambda: sent and Notification.objects.filter(pk=n.pk, delivered_at__isnull=False).exists(), what="delivery"
    )
    assert sent == [n.pk]

    # The same task again, twice (a redelivered message, a retry): nothing more is sent.
    # (retry_locked: the worker thread drains the outbox table these writes go to; see live_celery.py)
    retry_locked(lambda: enqueue("gridgov.notifications.deliver_notification", notification_id=n.pk))
    retry_locked(lambda: enqueue("gridgov.notifications.deliver_notification", notification_id=n.pk))
    # And a notify repeated by a second sweep: no new row, nothing queued.
    assert (
        retry_locked(
            lambda: services.notify(
                recipients=[alice],
                kind="case_dispatched",
                title="新案件待签收",
                dedupe_key="case:20260101000001:dispatched:1",
            )
        )
        == []
    )
    marker = retry_locked(
        lambda: Notification.objects.create(recipient=alice, kind="marker", title="m", dedupe_key="marker")
    )
    retry_locked(lambda: enqueue("gridgov.notifications.deliver_notification", notification_id=marker.pk))
    # Tasks run in order on the solo worker: once the marker is delivered, the repeats have run.
    wait_for(lambda: marker.pk in sent, what="the marker")
    assert sent == [n.pk, marker.pk]
    assert (
        retry_locked(
            lambda: Notification.objects.filter(recipient=alice, dedupe_key="case:20260101000001:dispatched:1").count()
        )
        == 1
    )
