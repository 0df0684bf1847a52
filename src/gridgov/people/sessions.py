"""Staff sessions end after a working day idle (会话空闲超时): SESSION_COOKIE_AGE counted from the last use.

Django counts the age from the session's last save. SESSION_SAVE_EVERY_REQUEST would make that the last
request, but it writes the session row on every page and API call — on SQLite every read would then
take the write lock. Instead a session is saved again (its expiry moved on) when it was last renewed
more than RENEW_EVERY ago: the idle limit holds to within those minutes, for one write per person per
five minutes.
"""

from __future__ import annotations

import time

RENEW_EVERY = 5 * 60  # seconds
_KEY = "_gridgov_renewed"


class IdleTimeoutMiddleware:
    """Placed after SessionMiddleware: it marks the session modified before SessionMiddleware saves it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.modified or not session.session_key:
            return response
        renewed = session.get(_KEY, 0)  # loads it: an expired or unknown key comes back empty
        if not session.is_empty() and time.time() - renewed >= RENEW_EVERY:
            session[_KEY] = int(time.time())
        return response
