"""Every write to a case (案件办理), one function per action of the closed loop (docs/architecture.md).

Each function checks the actor's role and scope (403), then the case's state (409) — the rules live in
cases.permissions — then writes the case and exactly one CaseEvent in one transaction, holding the
case's row lock so that two people cannot both sign for, resolve or close it; the follow-up work
(notifications, indicators) goes to the outbox and runs after commit.

The parts: intake (上报), steps (立案 … 结案, from locking, registration, handling and closing),
evaluation (回访评价, 重新办理), joint (集中会商, 协办反馈), actions (`perform` by name), sweep (红黄灯),
record (the keyed chain of the case file), numbering (case numbers, tracking codes), platforms (which
platform holds a case), inputs (checks of what was typed or attached). This package exports the public
names of all of them.
"""

from gridgov.cases.permissions import ASSIST_STATUSES, assisting_unit_of, authorize
from gridgov.cases.services.actions import ACTION_SERVICES, perform
from gridgov.cases.services.evaluation import evaluate_case, reopen_case
from gridgov.cases.services.inputs import MAX_CASE_PHOTOS
from gridgov.cases.services.intake import Intake, report_case
from gridgov.cases.services.joint import consult_case, report_assist_part
from gridgov.cases.services.modes import (
    change_mode,
    record_site_visit,
    reply_to_requester,
    report_progress,
    withdraw_reply,
)
from gridgov.cases.services.numbering import TRACKING_ALPHABET
from gridgov.cases.services.platforms import LEVEL_NAMES, parent_platform, platform_of, resolution_level
from gridgov.cases.services.record import (
    STATE_FIELDS,
    STATE_LOOKUPS,
    case_state,
    event_digest,
    phone_last4_matches,
    reporter_digest,
    state_digest,
    tracking_code_matches,
    tracking_hash,
)
from gridgov.cases.services.repeats import report_following
from gridgov.cases.services.steps import (
    MAX_EXTENSION_DAYS,
    accept_case,
    close_case,
    deny_extension,
    dispatch_case,
    escalate_case,
    grant_extension,
    merge_case,
    register_and_dispatch,
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
from gridgov.cases.services.sweep import SweepResult, sweep_deadlines

__all__ = [
    "ACTION_SERVICES",
    "ASSIST_STATUSES",
    "LEVEL_NAMES",
    "MAX_CASE_PHOTOS",
    "MAX_EXTENSION_DAYS",
    "STATE_FIELDS",
    "STATE_LOOKUPS",
    "TRACKING_ALPHABET",
    "Intake",
    "SweepResult",
    "accept_case",
    "assisting_unit_of",
    "authorize",
    "case_state",
    "change_mode",
    "close_case",
    "consult_case",
    "deny_extension",
    "dispatch_case",
    "escalate_case",
    "evaluate_case",
    "event_digest",
    "grant_extension",
    "merge_case",
    "parent_platform",
    "perform",
    "phone_last4_matches",
    "platform_of",
    "record_site_visit",
    "register_and_dispatch",
    "register_case",
    "reject_case",
    "reopen_case",
    "reply_to_requester",
    "report_assist_part",
    "report_case",
    "report_following",
    "report_progress",
    "reporter_digest",
    "request_extension",
    "resolution_level",
    "resolve_case",
    "resume_case",
    "return_case",
    "state_digest",
    "supervise_case",
    "suspend_case",
    "sweep_deadlines",
    "tracking_code_matches",
    "tracking_hash",
    "verify_case",
    "withdraw_reply",
]
