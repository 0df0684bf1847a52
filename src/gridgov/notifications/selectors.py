"""Reads for notifications (通知): always a user's own inbox."""

from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.db.models import QuerySet

from gridgov.notifications.models import Notification


def inbox(user: AbstractBaseUser, unread_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first (收件箱)."""
    notifications = Notification.objects.filter(recipient=user)
    if unread_only:
        notifications = notifications.filter(read_at__isnull=True)
    return notifications.order_by("-created_at", "-id")


def unread_count(user: AbstractBaseUser) -> int:
    """For the badge on every page: counted on the partial index of unread rows."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


INBOX_PAGE_SIZE = 20


@dataclass(frozen=True)
class InboxPage:
    """One page of a user's inbox (收件箱), newest first, with what the list shows around it."""

    items: list[Notification]
    number: int  # this page, from 1
    pages: int
    total: int  # notifications in the list (all, or the unread ones)
    unread: int  # unread in the whole inbox, for the badge and the "mark all" button

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def has_next(self) -> bool:
        return self.number < self.pages


def inbox_page(
    user: AbstractBaseUser, *, page: int = 1, unread_only: bool = False, per_page: int = INBOX_PAGE_SIZE
) -> InboxPage:
    """A page of the user's own notifications; a page past the end gives the last one."""
    notifications = inbox(user, unread_only=unread_only)
    total = notifications.count()
    pages = max(1, -(-total // per_page))
    number = min(max(1, page), pages)
    start = (number - 1) * per_page
    items = list(notifications[start : start + per_page])
    unread = total if unread_only else unread_count(user)
    return InboxPage(items=items, number=number, pages=pages, total=total, unread=unread)
