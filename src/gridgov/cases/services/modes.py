"""The four handling modes' steps (办理方式: 立即办、协调办、现场办、联动办) and 句号管理.

A case's mode is fixed at registration from its complexity (routing.ModeRule.complexities); the platform may
change it with a reason. Each mode's rule says what it asks before the lead unit may report a result:
现场办 a site visit with photos, 联动办 a 集中会商 (cases/services/joint.py) and progress reports on a schedule
(with 挂账 — suspend with a review date — when it cannot be settled now); 立即办 runs on a short clock of
working hours. Every case, whatever its mode, closes only with a reply to the requester recorded.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils.translation import gettext

from gridgov.cases import permissions
from gridgov.cases.models import Case
from gridgov.cases.services.inputs import check_case_photos, check_photos, text
from gridgov.cases.services.locking import lock_case
from gridgov.cases.services.record import now as _now
from gridgov.cases.services.record import record_event
from gridgov.cases.transitions import OPEN_REGISTERED, STEPS
from gridgov.core.errors import BadInput, Conflict
from gridgov.people.actors import Actor
from gridgov.routing import selectors as routing
from gridgov.routing.models import HandlingMode, ModeRule


def _begin(actor: Actor, number: str, step: str) -> tuple[Case, str]:
    case = lock_case(number, actor)
    t = STEPS[step]
    role = permissions.authorize(actor, case, t)
    permissions.require_status(case, t)
    return case, role


def next_progress_due(case: Case, rule: ModeRule, now: datetime) -> datetime | None:
    """When the next progress report of a case in `rule`'s mode is due (None: the mode asks none)."""
    days = rule.progress_every_days
    return now + timedelta(days=days) if days and case.dispatched_at else None


def required_before_result(case: Case) -> str | None:
    """What the case's mode still asks before a result may be reported (a refusal's text), or None."""
    if not case.mode:
        return None
    rule = routing.mode_rule(case.mode)
    if rule.site_visit_required and not case.events.filter(action="site_visit").exists():
        return gettext("%(mode)s: record the site visit with its photos before reporting the result") % {
            "mode": rule.get_mode_display()
        }
    if rule.consultation_required and not case.consultations.exists():
        return gettext("%(mode)s: hold the consultation (集中会商) of the units before reporting the result") % {
            "mode": rule.get_mode_display()
        }
    return None


@transaction.atomic
def change_mode(*, actor: Actor, number: str, mode: str, reason: str, at: datetime | None = None) -> Case:
    """变更办理方式: the platform hands the case another mode (with the reason), while it is still open."""
    if mode not in HandlingMode.values:
        raise BadInput(gettext("mode must be one of %(known)s") % {"known": ", ".join(HandlingMode.values)})
    case, role = _begin(actor, number, "change_mode")
    reason = text(reason, "reason", required=True)
    if mode == case.mode:
        raise Conflict(gettext("case %(number)s is handled that way already") % {"number": case.number})
    now = _now(at)
    before, case.mode = case.mode, mode
    case.progress_due = next_progress_due(case, routing.mode_rule(mode), now)
    record_event(
        case,
        actor=actor,
        action="change_mode",
        from_status=case.status,
        role=role,
        note=reason,
        data={"from": before, "to": mode},
        at=now,
    )
    return case


@transaction.atomic
def record_site_visit(
    *, actor: Actor, number: str, note: str, photos: list[str] | None = None, at: datetime | None = None
) -> Case:
    """现场办理: the lead unit was on the spot; photos prove it (at least one)."""
    case, role = _begin(actor, number, "site_visit")
    photos = check_case_photos(case, check_photos(photos))
    if not photos:
        raise BadInput(gettext("a site visit needs at least one photo taken on the spot"))
    note = text(note, "note", required=True)
    record_event(
        case,
        actor=actor,
        action="site_visit",
        from_status=case.status,
        role=role,
        note=note,
        data={"photos": photos},
        at=_now(at),
    )
    return case


@transaction.atomic
def report_progress(*, actor: Actor, number: str, note: str, at: datetime | None = None) -> Case:
    """进展报告: the lead unit says where things stand; the next report falls due after the mode's interval."""
    case, role = _begin(actor, number, "progress")
    now = _now(at)
    case.progress_due = next_progress_due(case, routing.mode_rule(case.mode), now) if case.mode else None
    record_event(
        case,
        actor=actor,
        action="progress",
        from_status=case.status,
        role=role,
        note=text(note, "note", required=True),
        data={"next_due": case.progress_due.isoformat() if case.progress_due else None},
        at=now,
    )
    return case


def set_reply(case: Case, reply: str, now: datetime) -> str:
    """Put the reply on the case (句号管理); the cleaned text."""
    case.reply = text(reply, "reply", required=True)
    case.replied_at = now
    return case.reply


@transaction.atomic
def reply_to_requester(*, actor: Actor, number: str, reply: str, at: datetime | None = None) -> Case:
    """答复: the platform's answer to the requester — what was done, or why it cannot be. A later reply
    replaces the earlier one (both stay in the case file)."""
    case, role = _begin(actor, number, "reply")
    now = _now(at)
    note = set_reply(case, reply, now)
    record_event(case, actor=actor, action="reply", from_status=case.status, role=role, note=note, at=now)
    return case


@transaction.atomic
def withdraw_reply(*, actor: Actor, number: str, reason: str, at: datetime | None = None) -> Case:
    """答复退回: the requester's side (the city's 12345 platform, a system actor) refused the reply. The case
    holds no reply again, so it cannot close (句号管理) before the platform answers anew; on a closed case
    the refusal is only recorded (the platform reopens it through the loop if need be)."""
    if not actor.is_system:
        raise BadInput(gettext("only an outside platform's adapter withdraws a reply"))
    case = lock_case(number, actor)
    now = _now(at)
    note = text(reason, "reason", required=True)
    if case.status in OPEN_REGISTERED:
        case.reply, case.replied_at = "", None
    record_event(case, actor=actor, action="reply_withdrawn", from_status=case.status, role="system", note=note, at=now)
    return case
