from gridgov.core.tasks import task
from gridgov.notifications import services


@task
def deliver_notification(*, notification_id: int) -> None:
    """gridgov.notifications.deliver_notification: run the senders once; a repeat does nothing."""
    services.deliver(notification_id=notification_id)


@task
def deliver_notifications(*, notification_ids: list[int]) -> None:
    """gridgov.notifications.deliver_notifications: the senders for many at once; repeats do nothing."""
    services.deliver_many(notification_ids=notification_ids)
