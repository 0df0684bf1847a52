"""Writes for notifications (通知): notify, mark_read, and the delivery behind the background task."""

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

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
DELIVER_MANY_TASK = "gridgov.notifications.deliver_notifications"
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
    handed to the senders by one background task after the transaction commits.
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
        _deliver_later(created)
    return created


@dataclass(frozen=True)
class Message:
    """One notification to several people, for notify_many (the arguments of notify)."""

    recipients: Sequence[AbstractBaseUser]
    kind: str
    title: str
    dedupe_key: str
    body: str = ""
    link: str = ""
    subject: str = ""


def notify_many(*, messages: Iterable[Message]) -> list[Notification]:
    """notify() for many messages at once: one query for who already has them, one bulk insert, one
    delivery task. The same rules: once per recipient and `dedupe_key`, inactive users skipped."""
    rows: dict[tuple[int, str], Notification] = {}
    for m in messages:
        if not m.dedupe_key:
            raise ValueError("dedupe_key is required: it is what makes notifying idempotent")
        title = m.title if len(m.title) <= TITLE_MAX else m.title[: TITLE_MAX - 1] + "…"
        for user in m.recipients:
            if user is not None and user.is_active and (user.pk, m.dedupe_key) not in rows:
                rows[(user.pk, m.dedupe_key)] = Notification(
                    recipient=user,
                    kind=m.kind,
                    title=title,
                    body=m.body,
                    link=m.link,
                    subject=m.subject,
                    dedupe_key=m.dedupe_key,
                )
    if not rows:
        return []
    with transaction.atomic():
        holders = Notification.objects.filter(
            dedupe_key__in={k for _, k in rows}, recipient_id__in={pk for pk, _ in rows}
        )
        for have in holders.values_list("recipient_id", "dedupe_key"):
            rows.pop(have, None)
        created = _create(list(rows.values()))
        _deliver_later(created)
    return created


def _deliver_later(created: list[Notification]) -> None:
    if created:
        enqueue(DELIVER_MANY_TASK, notification_ids=[n.pk for n in created])


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
        record(
            actor=user,
            action="notification.read",
            object_type="notification",
            object_id=str(marked[0]) if len(marked) == 1 else "",
            data={"ids": marked, "count": changed} if ids is not None else {"all": True, "count": changed},
        )
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


def deliver_many(*, notification_ids: list[int]) -> int:
    """deliver() for many: claim the undelivered ones in one statement, run the senders after the
    claim has committed (a crash in between loses the SMS, never sends it twice). Returns how many."""
    pending = Notification.objects.filter(pk__in=notification_ids, delivered_at__isnull=True)
    with transaction.atomic():
        # Locked (PostgreSQL; SQLite holds its write lock) so that a concurrent delivery skips them.
        claimed = list(
            pending.select_for_update(skip_locked=True, of=("self",)).select_related("recipient").order_by("pk")
        )
        if not claimed:
            return 0
        Notification.objects.filter(pk__in=[n.pk for n in claimed]).update(delivered_at=timezone.now())
        transaction.on_commit(lambda: _send(claimed))
    return len(claimed)


def _send(notifications: list[Notification]) -> None:
    senders = configured_senders()
    for notification in notifications:
        for sender in senders:
            try:
                sender.send(notification)
            except Exception:
                # One broken channel must not keep the message from the others.
                logger.exception("sender %s failed on notification %s", type(sender).__name__, notification.pk)
