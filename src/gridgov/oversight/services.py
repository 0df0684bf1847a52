"""一聘三督 writes: appoint a supervisor (聘), end an appointment, record an inspection with its findings (督).

Each finding either opens a case through the one intake (cases.services.report_case, channel supervisor, as a
covert finding does: campaigns.covert) or presses an overdue case (cases.services.supervise_case, 督办). The
covert helper is not reused: it writes a CovertFinding that counts in the campaign's street ranking."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext

from gridgov.cases.models import Case, CaseEvent, Channel
from gridgov.cases.services import report_case, supervise_case
from gridgov.core import audit
from gridgov.core.errors import BadInput, Conflict, Forbidden, NotFound
from gridgov.core.text import clean_text
from gridgov.grids.locator import current_locator
from gridgov.grids.models import Grid
from gridgov.oversight import rules
from gridgov.oversight.models import Appointment, Finding, FindingKind, Inspection
from gridgov.people.actors import Actor
from gridgov.people.models import Post, PostKind, Role, in_force
from gridgov.people.services import create_user
from gridgov.people.services.posts import assign_post

MAX_FINDINGS = 20


@transaction.atomic
def appoint(
    *,
    actor: Actor,
    username: str,
    full_name: str,
    area: str,
    start_date: date,
    end_date: date,
    letter_number: str = "",
) -> Appointment:
    """聘: appoint a resident supervisor of a street or community for a term; creates their account (without a
    password, an administrator sets it) when needed, and a supervisor post dated with the term."""
    if not Grid.objects.filter(code=area, level__in=(1, 2), valid_to__isnull=True).exists():
        raise BadInput(gettext("the area must be the code of a street or a community"))
    if not (actor.is_admin or actor.is_system or actor.can_any(rules.APPOINTERS, area)):
        raise Forbidden(gettext("supervisors of %(area)s are appointed by its leaders") % {"area": area})
    if end_date < start_date:
        raise BadInput(gettext("the term must end on or after the day it starts"))
    user = get_user_model().objects.filter(username=username).first()
    if user is None:
        name = clean_text(full_name, gettext("the name"), limit=60, required=True)
        user = create_user(username=username, password=None, full_name=name)
    if Appointment.objects.filter(
        user=user, area=area, ended_on__isnull=True, start_date__lte=end_date, end_date__gte=start_date
    ).exists():
        raise Conflict(gettext("this person already holds an appointment here in that term: end it first"))
    post = assign_post(
        user=user,
        role=cast(str, Role.SUPERVISOR),
        scope=area,
        title=gettext("resident supervisor"),
        public=False,
        details={"kind": PostKind.SUPERVISOR, "start_date": start_date, "end_date": end_date},
        actor=actor.user,
    )
    appointment = Appointment.objects.create(
        user=user,
        area=area,
        start_date=start_date,
        end_date=end_date,
        letter_number=clean_text(letter_number, gettext("the letter number"), limit=40),
        appointed_by=actor.user,
        post=post,
    )
    audit.record(
        actor=actor.user,
        action="oversight.appoint",
        object_type="appointment",
        object_id=appointment.pk,
        data={"user": user.get_username(), "area": area, "from": str(start_date), "to": str(end_date)},
    )
    return appointment


@transaction.atomic
def end_appointment(*, actor: Actor, appointment: Appointment, reason: str, on: date | None = None) -> Appointment:
    """解聘: end a term early; the supervisor post ends the same day."""
    if not (actor.is_admin or actor.can_any(rules.APPOINTERS, appointment.area)):
        raise NotFound(gettext("no such appointment in your area"))
    day = on or timezone.localdate()
    if appointment.ended_on is not None or day > appointment.end_date:
        raise Conflict(gettext("this appointment has already ended"))
    day = max(day, appointment.start_date)
    appointment.ended_on = day
    appointment.end_reason = clean_text(reason, gettext("the reason"), limit=200, required=True)
    appointment.save(update_fields=["ended_on", "end_reason"])
    if appointment.post is not None:
        appointment.post.end_date = day
        appointment.post.save(update_fields=["end_date"])
    audit.record(
        actor=actor.user,
        action="oversight.end_appointment",
        object_type="appointment",
        object_id=appointment.pk,
        data={"on": str(day), "reason": appointment.end_reason},
    )
    return appointment


def current_appointment(actor: Actor, grid_code: str, day: date) -> Appointment:
    """The actor's appointment covering the grid on the day; 403 outside the term or the area."""
    for a in Appointment.objects.filter(user_id=getattr(actor.user, "pk", None), start_date__lte=day):
        if grid_code.startswith(a.area) and day <= a.last_day:
            return a
    raise Forbidden(gettext("you are not an appointed supervisor of this grid on that day"))


@dataclass(frozen=True)
class Recorded:
    inspection: Inspection
    findings: list[Finding]
    created: bool = True  # False: a resend of an inspection recorded already (nothing written)


def _point(item: dict[str, Any], grid: Grid) -> tuple[float, float]:
    try:
        lon, lat = float(item["lon"]), float(item["lat"])
    except (KeyError, TypeError, ValueError):
        raise BadInput(gettext("this finding needs the place: longitude and latitude")) from None
    code = current_locator().locate(lon, lat)
    if code is None or not code.startswith(grid.code):
        raise BadInput(gettext("the point lies outside the inspected grid: check the place"))
    return lon, lat


def _ancestors(code: str) -> list[str]:
    return [code[:n] for n in (9, 12, 15, 18) if n <= len(code)]


def _finding(actor: Actor, inspection: Inspection, item: dict[str, Any], now) -> Finding:
    grid, day = inspection.grid, inspection.day
    kind = item.get("kind")
    description = clean_text(item.get("description", ""), gettext("the description"), limit=2000)
    worker_id = item.get("worker")
    if (
        worker_id is not None
        and not Post.objects.filter(
            in_force(day), user_id=worker_id, role__in=("grid_worker", "grid_leader"), scope__in=_ancestors(grid.code)
        ).exists()
    ):
        raise BadInput(gettext("the worker named does not work in this grid"))
    if kind == FindingKind.OVERDUE:
        case = Case.objects.filter(
            number=item.get("case") or "", grid__code__startswith=inspection.appointment.area
        ).first()
        if case is None:
            raise NotFound(gettext("no such case in your area"))
        if not rules.overdue(case, now):
            raise Conflict(
                gettext("case %(number)s is not past its deadline: nothing to press") % {"number": case.number}
            )
        supervise_case(actor=actor, number=case.number, note=description or gettext("Overdue: pressed by a supervisor"))
        event = CaseEvent.objects.filter(case=case, action="supervise").order_by("-seq").first()
        return Finding(
            kind=kind,
            description=description,
            grid=case.grid,
            case=case,
            opened=False,
            event=event,
            worker_id=worker_id,
            day=day,
            inspection=inspection,
        )
    if kind == FindingKind.MISSED:
        lon, lat = _point(item, grid)
        session = rules.patrolled(grid.code, day)
        if session is None:
            raise Conflict(
                gettext("the grid was not patrolled that day or the day before: record a work-style finding")
            )
        known = rules.known_case(grid.code, lon, lat, day)
        if known is not None:
            raise Conflict(gettext("the grid already reported this (case %(number)s)") % {"number": known.number})
        worker_id = worker_id or session.worker_id
        label = gettext("Should have been found")
    elif kind == FindingKind.WORK_STYLE:
        if not description:
            raise BadInput(gettext("a work-style finding needs a description of what was seen"))
        lon, lat = _point(item, grid)
        label = gettext("Work style")
    else:
        raise BadInput(gettext("kind must be missed, overdue or work_style"))
    title = clean_text(item.get("title") or description[:60] or label, gettext("the problem"), limit=200, required=True)
    intake = report_case(
        actor=actor,
        title=title,
        description=f"{gettext('resident supervisor')} · {label}\n{description}".strip(),
        lon=lon,
        lat=lat,
        channel=cast(str, Channel.SUPERVISOR),
        at=now if day == timezone.localdate() else datetime.combine(day, time(16), timezone.get_current_timezone()),
    )
    return Finding(
        kind=kind,
        description=description,
        lon=lon,
        lat=lat,
        grid=intake.case.grid,
        case=intake.case,
        opened=True,
        worker_id=worker_id,
        day=day,
        inspection=inspection,
    )


def _resent(actor: Actor, inspection: Inspection) -> Recorded:
    if inspection.appointment.user_id != getattr(actor.user, "pk", None):
        raise Conflict(gettext("this id was used by someone else: the client must make a new one"))
    return Recorded(inspection, list(inspection.findings.order_by("pk")), created=False)


@transaction.atomic
def record_inspection(
    *,
    actor: Actor,
    grid: Grid,
    day: date | None = None,
    note: str = "",
    findings: list[dict[str, Any]],
    client_id: uuid.UUID | str | None = None,
) -> Recorded:
    """督: an inspection of a grid of the supervisor's area, each finding opening a case or pressing one.
    `client_id` (made by the phone or the form): a resend answers the first inspection and writes nothing."""
    cid = None
    if client_id:
        try:
            cid = uuid.UUID(str(client_id))
        except ValueError:
            raise BadInput(gettext("client_id must be a UUID made by the client")) from None
        seen = Inspection.objects.select_related("appointment").filter(client_id=cid).first()
        if seen is not None:
            return _resent(actor, seen)
    now = timezone.now()
    day = day or timezone.localdate()
    if day > timezone.localdate():
        raise BadInput(gettext("an inspection cannot be dated in the future"))
    appointment = current_appointment(actor, grid.code, day)
    if not findings or len(findings) > MAX_FINDINGS:
        raise BadInput(gettext("record 1 to %(n)d findings") % {"n": MAX_FINDINGS})
    try:
        with transaction.atomic():  # a resend racing the first waits for it, then finds it here
            inspection = Inspection.objects.create(
                appointment=appointment,
                grid=grid,
                day=day,
                note=clean_text(note, gettext("the note"), limit=500),
                client_id=cid,
            )
    except IntegrityError:
        return _resent(actor, Inspection.objects.select_related("appointment").get(client_id=cid))
    made = []
    for item in findings:
        f = _finding(actor, inspection, item, now)
        f.save()
        made.append(f)
    audit.record(
        actor=actor.user,
        action="oversight.inspection",
        object_type="inspection",
        object_id=inspection.pk,
        data={"grid": grid.code, "day": str(day), "cases": [f.case.number for f in made]},
    )
    return Recorded(inspection, made)
