"""Reads of cases, scoped to the actor; personal data masked unless revealed (and then logged)."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from gridgov.cases import deadlines
from gridgov.cases.models import Case, CaseEvent, Status
from gridgov.cases.transitions import LABELS, TABLE
from gridgov.core import audit
from gridgov.core.errors import Forbidden, NotFound
from gridgov.core.privacy import mask_name, mask_phone
from gridgov.core.timefmt import iso
from gridgov.people.actors import Actor

# The public status in plain words (zh-hans: 已受理，等待立案 …), translated when shown: lazy.
PUBLIC_STATUS_WORDS = {
    "reported": gettext_lazy("Received, waiting to be registered"),
    "registered": gettext_lazy("Registered, waiting to be dispatched"),
    "dispatched": gettext_lazy("Dispatched to the responsible unit"),
    "in_progress": gettext_lazy("Being handled"),
    "suspended": gettext_lazy("On hold"),
    "resolved": gettext_lazy("Handled, waiting to be checked"),
    "verified": gettext_lazy("Checked, waiting to be closed"),
    "closed": gettext_lazy("Finished: please rate the result"),
    "evaluated": gettext_lazy("Finished and rated"),
    "rejected": gettext_lazy("Not accepted as a case"),
    "merged": gettext_lazy("Merged with a report of the same problem"),
}


def event_label(action: str) -> str:
    """An event's name in the reader's language (the active one)."""
    label = LABELS.get(action)
    return str(label) if label is not None else action


def visibility(actor: Actor) -> Q:
    """Cases an actor may read: their grids' and platforms' cases, and their unit's."""
    q = Q(pk__in=[])
    for role, scope in actor.posts:
        if role == "department_handler":
            # its cases now, and the ones it handled before (returned, or handed on)
            q |= (Q(lead_unit=scope) | Q(assisting_units__icontains=f'"{scope}"')
                  | Q(pk__in=CaseEvent.objects.filter(unit=scope).values("case_id")))
        elif scope:
            q |= Q(grid__code__startswith=scope) | Q(platform__startswith=scope) | Q(lead_unit__startswith=scope)
    return q


def visible_cases(actor: Actor) -> QuerySet[Case]:
    return Case.objects.filter(visibility(actor)).select_related("grid", "category")


def case_for_staff(actor: Actor, number: str) -> Case:
    case = Case.objects.select_related("grid", "category", "master").filter(number=number).first()
    if case is None:
        raise NotFound(f"no case numbered {number}")
    if not visible_cases(actor).filter(pk=case.pk).exists():
        raise Forbidden(f"case {number} is outside your grids and units")
    return case


def overdue(now: datetime) -> Q:
    """Running cases past a deadline now: late to resolve, or (dispatched, not yet signed for) late to
    sign — the moments `deadlines.light_of` turns red. Suspended and finished cases are not overdue."""
    late_to_sign = Q(status="dispatched", accepted_at__isnull=True, sign_by__lt=now)
    return Q(status__in=deadlines.RUNNING) & (Q(resolve_by__lt=now) | late_to_sign)


def case_list(actor: Actor, *, status: str | None = None, light: str | None = None, grid: str | None = None,
              category: str | None = None, channel: str | None = None, unit: str | None = None,
              overdue_only: bool = False, now: datetime | None = None) -> QuerySet[Case]:
    qs = visible_cases(actor)
    if overdue_only:
        qs = qs.filter(overdue(now or timezone.now()))
    if status:
        qs = qs.filter(status__in=status.split(","))
    if light:
        qs = qs.filter(light=light)
    if grid:
        qs = qs.filter(grid__code__startswith=grid)
    if category:
        qs = qs.filter(category__code__startswith=category)
    if channel:
        qs = qs.filter(channel=channel)
    if unit:
        qs = qs.filter(Q(lead_unit=unit) | Q(assisting_units__icontains=f'"{unit}"'))
    return qs.order_by("-reported_at", "-id")


def _grid_ref(case: Case) -> dict:
    return {"code": case.grid.code, "name": case.grid.name, "level": case.grid.level}


def _category(case: Case) -> dict | None:
    return {"code": case.category.code, "name": case.category.name} if case.category else None


def summary(case: Case, now: datetime | None = None) -> dict:
    """The fields every view shares."""
    now = now or timezone.now()
    return {
        "number": case.number, "title": case.title, "status": case.status, "grid": _grid_ref(case),
        "category": _category(case), "complexity": case.complexity, "channel": case.channel,
        "deadlines": deadlines.as_dict(case, now), "reported_at": iso(case.reported_at),
        "lon": case.lon, "lat": case.lat, "address": case.address,
    }


def staff_view(case: Case, actor: Actor, *, reveal: bool = False, now: datetime | None = None) -> dict:
    """The case with its whole file, for staff in scope. Reporter data masked unless `reveal`."""
    events = list(case.events.order_by("seq"))
    reporter = {"name": mask_name(case.reporter_name), "phone": mask_phone(case.reporter_phone), "masked": True}
    if reveal and (case.reporter_name or case.reporter_phone):
        reporter = {"name": case.reporter_name, "phone": case.reporter_phone, "masked": False}
        audit.record(actor=actor.user, action="personal_data.read", object_type="case", object_id=case.number,
                     data={"fields": ["reporter_name", "reporter_phone"], "as": actor.label})
    return {
        **summary(case, now),
        "description": case.description, "platform": case.platform, "lead_unit": case.lead_unit or None,
        "assisting_units": case.assisting_units, "photos": case.photos, "result": case.result,
        "resolved_level": case.resolved_level or None, "satisfaction": case.satisfaction or None,
        "solved": case.solved, "master": case.master.number if case.master_id else None,
        "pending_extension_days": case.pending_extension_days,
        "counts": {"returns": case.return_count, "extensions": case.extension_count, "reworks": case.rework_count,
                   "escalations": case.escalation_count, "reopens": case.reopen_count},
        "reporter": reporter, "version": case.version,
        "events": [{"seq": e.seq, "action": e.action, "label": event_label(e.action), "actor": e.actor_label,
                    "role": e.actor_role, "from_status": e.from_status or None, "to_status": e.to_status,
                    "unit": e.unit or None, "note": e.note, "data": e.data, "at": iso(e.at)} for e in events],
        "actions": available_actions(case, actor),
    }


def public_view(case: Case, now: datetime | None = None) -> dict:
    """What the reporter sees with the tracking code: no staff names, no personal data.

    A merged duplicate shows the master's progress: its reporter follows the master.
    """
    followed = case.master if case.master_id else case
    events = followed.events.order_by("seq").values("action", "to_status", "at", "note")
    public_notes = {"reject", "resolve", "resolve_on_spot", "return"}  # what the reporter should read
    return {
        "number": case.number, "title": case.title, "status": followed.status,
        "status_text": str(PUBLIC_STATUS_WORDS[followed.status]), "grid": _grid_ref(case), "category": _category(case),
        "reported_at": iso(case.reported_at), "merged_into": case.master.number if case.master_id else None,
        "result": followed.result if followed.status in (Status.RESOLVED, Status.VERIFIED, Status.CLOSED, Status.EVALUATED) else "",
        "can_evaluate": case.status == Status.CLOSED,
        "timeline": [{"action": e["action"], "label": event_label(e["action"]),
                      "status": e["to_status"], "at": iso(e["at"]),
                      "note": e["note"] if e["action"] in public_notes and e["action"] != "return" else ""}
                     for e in events],
    }


def available_actions(case: Case, actor: Actor) -> list[str]:
    """Actions this actor may take on this case now (pages show these and only these)."""
    from gridgov.cases.services import authorize  # the same rule the services apply

    pending = bool(case.pending_extension_days)
    extra_state = {
        "grant_extension": pending, "deny_extension": pending, "request_extension": not pending,
        "reopen": case.satisfaction == "dissatisfied" and case.reopen_count == 0,
        "verify": actor.user is None or case.resolved_by_id != getattr(actor.user, "pk", None),
    }
    allowed = []
    for action, t in TABLE.items():
        if not t.allows_status(case.status) or not extra_state.get(action, True):
            continue
        try:
            authorize(actor, case, t)
        except Forbidden:
            continue
        allowed.append(action)
    return allowed
