"""After closing: 回访评价 (the rating, by the reporter or a dispatcher's call-back) and 重新办理 (reopen)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext

from gridgov.cases import permissions
from gridgov.cases.models import Case, Satisfaction
from gridgov.cases.services.inputs import text
from gridgov.cases.services.locking import begin, clear_clock, deadline_data, lock_case, move
from gridgov.cases.services.record import now as _now
from gridgov.cases.services.record import record_event, tracking_code_matches
from gridgov.cases.transitions import TABLE
from gridgov.core.errors import BadInput, Forbidden
from gridgov.people.actors import Actor


def _prove_reporter(case: Case, *, tracking_code: str | None) -> str:
    """How the reporter proved it is them: "tracking_code", the one proof staff never see; Forbidden otherwise."""
    if not tracking_code_matches(case, tracking_code):
        raise Forbidden(gettext("the tracking code does not match this case"))
    return "tracking_code"


def _refuse_rating_by_phone_digits() -> None:
    """A rating is never given with the last 4 phone digits: staff see a phone's digits (masked, but
    seen), and staff must never rate as the reporter. Refused before any proof is tried, so not counted."""
    raise Forbidden(
        gettext(
            "a reporter rates a case with the tracking code on the receipt; the last 4 digits "
            "of the phone only open the case for reading"
        )
    )


def evaluate_case(
    *,
    actor: Actor,
    number: str,
    satisfaction: str,
    solved: bool,
    note: str = "",
    tracking_code: str | None = None,
    phone_last4: str | None = None,
    client: str = "",
    at: datetime | None = None,
) -> Case:
    """回访评价: by the reporter — who proves it with the case's tracking code, never with the last 4
    digits of the phone (`phone_last4` is refused: staff could know them) — or by a dispatcher after a
    call-back.

    A reporter's proof is throttled (cases.proof): failures count against the case and against
    `client` (the caller's address, from the view), outside the refused transaction."""
    if phone_last4 is not None and tracking_code is None:
        _refuse_rating_by_phone_digits()
    body = {
        "actor": actor,
        "number": number,
        "satisfaction": satisfaction,
        "solved": solved,
        "note": note,
        "tracking_code": tracking_code,
        "at": at,
    }
    if tracking_code is None:
        return _evaluate_case(**body)
    from gridgov.cases import proof  # proof builds on this package's code matching

    with proof.guarded(number=number, client=client):
        return _evaluate_case(**body)


@transaction.atomic
def _evaluate_case(
    *,
    actor: Actor,
    number: str,
    satisfaction: str,
    solved: bool,
    note: str,
    tracking_code: str | None,
    at: datetime | None,
) -> Case:
    t = TABLE["evaluate"]
    case = lock_case(number, None if tracking_code is not None else actor)  # the reporter proves it with the code
    proof = None
    if tracking_code is not None:
        proof = _prove_reporter(case, tracking_code=tracking_code)
        role = "reporter"
    else:
        role = permissions.authorize(actor, case, t)
    permissions.require_status(case, t)
    if satisfaction not in Satisfaction.values:
        raise BadInput(gettext("satisfaction must be satisfied, basically_satisfied or dissatisfied"))
    if not isinstance(solved, bool):
        raise BadInput(gettext("solved must be true or false"))
    case.satisfaction = satisfaction
    case.solved = solved
    before = move(case, t)
    record_event(
        case,
        actor=actor if role != "reporter" else Actor.anonymous("reporter"),
        action=t.action,
        from_status=before,
        role=role,
        note=text(note, "note"),
        data={"satisfaction": satisfaction, "solved": solved, "by": role, **({"proof": proof} if proof else {})},
        at=_now(at),
    )
    return case


@transaction.atomic
def reopen_case(*, actor: Actor, number: str, reason: str, at: datetime | None = None) -> Case:
    """重新办理: once, after the reporter was dissatisfied (cases.permissions)."""
    case, t, role = begin(actor, number, "reopen")
    case.reopen_count += 1
    case.closed_at = case.resolved_at = case.resolved_by = None
    case.resolved_level = case.satisfaction = ""
    case.solved = None
    clear_clock(case)
    before = move(case, t)
    record_event(
        case,
        actor=actor,
        action=t.action,
        from_status=before,
        role=role,
        note=text(reason, "reason", required=True),
        data=deadline_data(case),
        at=_now(at),
    )
    return case
