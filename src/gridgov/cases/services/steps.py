"""The steps of the closed loop (办理流程), one function each: 立案 … 结案 (docs/architecture.md).

Each checks the actor's role and scope (403), then the case's state (409) — both in cases.permissions —
then writes the case and exactly one CaseEvent in one transaction, holding the case's row lock so that
two people cannot both sign for, resolve or close it.

The parts: locking (the row lock and what every step shares), registration (立案 … 派遣), handling (签收 …
督办), closing (处置反馈, 核查, 结案). This module exports the public names of all of them.
"""

from gridgov.cases.services.closing import close_case, resolve_case, verify_case
from gridgov.cases.services.handling import (
    MAX_EXTENSION_DAYS,
    accept_case,
    deny_extension,
    escalate_case,
    grant_extension,
    request_extension,
    resume_case,
    return_case,
    supervise_case,
    suspend_case,
)
from gridgov.cases.services.locking import begin, clear_clock, deadline_data, lock_case, move
from gridgov.cases.services.registration import (
    COMPLEXITIES,
    dispatch_case,
    merge_case,
    register_and_dispatch,
    register_case,
    reject_case,
)

__all__ = [
    "COMPLEXITIES",
    "MAX_EXTENSION_DAYS",
    "accept_case",
    "begin",
    "clear_clock",
    "close_case",
    "deadline_data",
    "deny_extension",
    "dispatch_case",
    "escalate_case",
    "grant_extension",
    "lock_case",
    "merge_case",
    "move",
    "register_and_dispatch",
    "register_case",
    "reject_case",
    "request_extension",
    "resolve_case",
    "resume_case",
    "return_case",
    "supervise_case",
    "suspend_case",
    "verify_case",
]
