"""The unread count for the inbox badge (未读通知) on every staff page."""

from functools import cache

from gridgov.notifications.selectors import unread_count


def inbox(request) -> dict:
    """`inbox_unread`: the signed-in user's unread notifications. A callable, which templates call when
    they show the badge: counted only on pages that show it, once however often it is shown (the count
    runs on the partial index of unread rows). Absent for visitors."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    @cache
    def count() -> int:
        return unread_count(user)

    return {"inbox_unread": count}
