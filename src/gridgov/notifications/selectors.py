"""Reads for notifications (通知): always a user's own inbox."""

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
