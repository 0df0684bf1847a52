"""Writes for notifications (通知): notify, mark_read, and the delivery behind the background task."""

import logging
from collections.abc import Iterable

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from gridgov.core.audit import record
from gridgov.core.tasks import enqueue
from gridgov.notifications.models import Notification
from gridgov.notifications.senders import configured_senders

logger = logging.getLogger("gridgov.notifications")

# By name: gridgov.notifications.tasks imports this module.
DELIVER_TASK = "gridgov.notifications.deliver_notification"
TITLE_MAX = Notification._meta.get_field("title").max_length


def notify(
    *,
    recipients: Iterable[AbstractBaseUser],
    kind: str,
    title: str,
    body: str = "",
    link: str = "",
    subject: str = "",
    dedupe_key: str,
) -> list[Notification]:
    """Notify (通知) each recipient once per `dedupe_key`; return the notifications created now.

    Idempotent: a recipient who already holds a notification with this key gets nothing new, so a
    retried task or a sweep run by two workers notifies once. Choose keys that name the event, e.g.
    f"case:{number}:dispatched:{event_seq}". Inactive users are skipped. Each new notification is
    handed to the senders by a background task after the transaction commits.
    """
    if not dedupe_key:
        raise ValueError("dedupe_key is required: it is what makes notifying idempotent")
    users = {user.pk: user for user in recipients if user is not None and user.is_active}
    if not users:
        return []
    if len(title) > TITLE_MAX:
        title = title[: TITLE_MAX - 1] + "…"
    fields = {"kind": kind, "title": title, "body": body, "link": link, "subject": subject, "dedupe_key": dedupe_key}
    with transaction.atomic():
        holders = Notification.objects.filter(dedupe_key=dedupe_key, recipient_id__in=users)
        have = set(holders.values_list("recipient_id", flat=True))
        created = _create([Notification(recipient=user, **fields) for pk, user in users.items() if pk not in have])
        for notification in created:
            enqueue(DELIVER_TASK, notification_id=notification.pk)
    return created


def _create(rows: list[Notification]) -> list[Notification]:
    try:
        with transaction.atomic():
            return Notification.objects.bulk_create(rows)
    except IntegrityError:
        # A concurrent notify with the same key won the race for some recipients: go row by row.
        created = []
        for row in rows:
            fields = {f: getattr(row, f) for f in ("kind", "title", "body", "link", "subject")}
            notification, new = Notification.objects.get_or_create(
                recipient=row.recipient, dedupe_key=row.dedupe_key, defaults=fields
            )
            if new:
                created.append(notification)
        return created


@transaction.atomic
def mark_read(*, user: AbstractBaseUser, ids: Iterable[int] | None = None) -> int:
    """Mark the user's own notifications read (已读); `ids=None` marks them all. Returns how many changed.

    Someone else's ids are ignored (a reader marks only their own inbox). A change is audited: that a
    message was seen is what a 督办 follow-up asks about."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        ids = sorted({int(i) for i in ids})
        unread = unread.filter(pk__in=ids)
    # Locked first, so the audit names exactly the rows this call changed (not one marked meanwhile).
    marked = list(unread.select_for_update().values_list("pk", flat=True))
    changed = Notification.objects.filter(pk__in=marked, read_at__isnull=True).update(read_at=timezone.now())
    if changed:
        record(actor=user, action="notification.read", object_type="notification",
               object_id=str(marked[0]) if len(marked) == 1 else "",
               data={"ids": marked, "count": changed} if ids is not None else {"all": True, "count": changed})
    return changed


def deliver(*, notification_id: int) -> bool:
    """Hand one notification to the configured senders, once; False if already delivered or gone.

    The conditional UPDATE is the claim: of two workers running this at once, one changes the row
    and the other sees 0 rows and stops. Claiming before sending means a crash in between loses the
    SMS (the inbox row stays), where the other order would send it twice.
    """
    claimed = Notification.objects.filter(pk=notification_id, delivered_at__isnull=True).update(
        delivered_at=timezone.now()
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    for sender in configured_senders():
        try:
            sender.send(notification)
        except Exception:
            # One broken channel must not keep the message from the others.
            logger.exception("sender %s failed on notification %s", type(sender).__name__, notification_id)
    return True
