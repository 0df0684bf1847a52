"""Errors a service raises, each with the HTTP status the API and pages answer with.

The message says what to do; the API sends it as {"detail": message}.
"""


class GridgovError(Exception):
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class BadInput(GridgovError):
    status = 400


class NotAuthenticated(GridgovError):
    status = 401


class Forbidden(GridgovError):
    status = 403


class NotFound(GridgovError):
    status = 404


class Conflict(GridgovError):
    """The case's state does not allow this, someone else got there first, or a key was reused."""

    status = 409


class TooMany(GridgovError):
    """Too many failed attempts (a guessed tracking code): wait `retry_after` seconds, then try again."""

    status = 429

    def __init__(self, message: str, *, retry_after: int):
        super().__init__(message)
        self.retry_after = retry_after
