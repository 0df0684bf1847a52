"""One action by name (the API and the pages call `perform`): the service of every transition."""

from __future__ import annotations

from django.utils.translation import gettext

from gridgov.cases.models import Case
from gridgov.cases.services.evaluation import evaluate_case, reopen_case
from gridgov.cases.services.modes import change_mode, record_site_visit, reply_to_requester, report_progress
from gridgov.cases.services.steps import (
    accept_case,
    close_case,
    deny_extension,
    dispatch_case,
    escalate_case,
    grant_extension,
    merge_case,
    register_case,
    reject_case,
    request_extension,
    resolve_case,
    resume_case,
    return_case,
    supervise_case,
    suspend_case,
    verify_case,
)
from gridgov.cases.transitions import STEPS, TABLE
from gridgov.core.errors import NotFound
from gridgov.core.invariants import require_same_keys
from gridgov.people.actors import Actor
from gridgov.worktime.calendar import one_calendar

ACTION_SERVICES = {
    "register": register_case,
    "reject": reject_case,
    "merge": merge_case,
    "dispatch": dispatch_case,
    "accept": accept_case,
    "return": return_case,
    "escalate": escalate_case,
    "request_extension": request_extension,
    "grant_extension": grant_extension,
    "deny_extension": deny_extension,
    "suspend": suspend_case,
    "resume": resume_case,
    "supervise": supervise_case,
    "resolve": resolve_case,
    "verify": verify_case,
    "close": close_case,
    "evaluate": evaluate_case,
    "reopen": reopen_case,
}
require_same_keys(ACTION_SERVICES, TABLE, "every action of the table has its service")
# the handling modes' steps beside the table (transitions.STEPS): pages post them as actions too
STEP_SERVICES = {
    "change_mode": change_mode,
    "site_visit": record_site_visit,
    "progress": report_progress,
    "reply": reply_to_requester,
}
require_same_keys(STEP_SERVICES, STEPS, "every step has its service")


def perform(action: str, *, actor: Actor, number: str, **body) -> Case:
    """Run one action by name (the API and pages call this)."""
    service = ACTION_SERVICES.get(action) or STEP_SERVICES.get(action)
    if service is None:
        raise NotFound(
            gettext("unknown action %(action)r: one of %(known)s")
            % {"action": action, "known": ", ".join([*ACTION_SERVICES, *STEP_SERVICES])}
        )
    # the deadlines of one action see one set of workday overrides, read once
    with one_calendar():
        return service(actor=actor, number=number, **body)
