from gridgov.core.tasks import task
from gridgov.notifications import services


@task
def deliver_notification(*, notification_id: int) -> None:
    """gridgov.notifications.deliver_notification: run the senders once; a repeat does nothing."""
    services.deliver(notification_id=notification_id)
