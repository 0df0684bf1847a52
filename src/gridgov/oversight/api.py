"""一聘三督 over JSON under /api/v1/oversight: appoint and end a term, my appointments and findings, record an
inspection."""

from __future__ import annotations

from datetime import date
from typing import Literal
from uuid import UUID

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Body, Router, Schema, Status
from pydantic import Field

from gridgov.core.errors import NotFound
from gridgov.grids.models import Grid
from gridgov.http.auth import actor_from_request
from gridgov.http.problems import Problem
from gridgov.oversight import selectors, services
from gridgov.oversight.models import Appointment

router = Router(tags=["oversight"])
ROUTERS = [("/oversight", router)]  # mounted by gridgov.http.api

ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem}


class FindingIn(Schema):
    kind: Literal["missed", "overdue", "work_style"]
    description: str = Field("", max_length=2000)
    title: str = Field("", max_length=200)
    lon: float | None = None
    lat: float | None = None
    case: str | None = None
    worker: int | None = None  # the worker responsible, when known (a missed finding: the grid's patroller)


class InspectionIn(Schema):
    client_id: UUID | None = None  # made by the client: a resend answers the first inspection (200)
    grid: str
    day: date | None = None
    note: str = Field("", max_length=500)
    findings: list[FindingIn] = Field(..., max_length=services.MAX_FINDINGS)


@router.get("/mine", response={200: dict, 401: Problem}, summary="My appointments and findings (一聘三督)")
def mine(request: HttpRequest):
    actor = actor_from_request(request, required=True)
    return {
        "appointments": [selectors.appointment_row(a) for a in selectors.my_appointments(actor)],
        "findings": [selectors.finding_row(f) for f in selectors.my_findings(actor)[:100]],
    }


@router.post(
    "/inspections", response={200: dict, 201: dict, **ERRORS}, summary="Record an inspection with findings (督查)"
)
def inspect(request: HttpRequest, body: InspectionIn = Body(...)):
    actor = actor_from_request(request, required=True)
    grid = Grid.objects.filter(code=body.grid, valid_to__isnull=True).first()
    if grid is None:
        raise NotFound(gettext("no such grid"))
    done = services.record_inspection(
        actor=actor,
        grid=grid,
        day=body.day,
        note=body.note,
        findings=[f.dict() for f in body.findings],
        client_id=body.client_id,
    )
    return Status(
        201 if done.created else 200,
        {"inspection": done.inspection.pk, "findings": [selectors.finding_row(f) for f in done.findings]},
    )


class AppointmentIn(Schema):
    username: str = Field(max_length=150)
    full_name: str = Field("", max_length=60)
    area: str = Field(max_length=18)
    start_date: date
    end_date: date
    letter_number: str = Field("", max_length=40)


class EndIn(Schema):
    reason: str = Field(max_length=200)
    on: date | None = None


@router.post("/appointments", response={201: dict, **ERRORS}, summary="Appoint a resident supervisor (聘)")
def appoint(request: HttpRequest, body: AppointmentIn = Body(...)):
    actor = actor_from_request(request, required=True)
    made = services.appoint(actor=actor, **body.dict())
    return Status(201, selectors.appointment_row(made))


@router.post("/appointments/{appointment_id}/end", response={200: dict, **ERRORS}, summary="End a term early (解聘)")
def end(request: HttpRequest, appointment_id: int, body: EndIn = Body(...)):
    actor = actor_from_request(request, required=True)
    appointment = Appointment.objects.filter(pk=appointment_id).select_related("post").first()
    if appointment is None:
        raise NotFound(gettext("no such appointment in your area"))
    return selectors.appointment_row(
        services.end_appointment(actor=actor, appointment=appointment, reason=body.reason, on=body.on)
    )
