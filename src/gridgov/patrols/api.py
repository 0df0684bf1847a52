"""Patrols over JSON under /api/v1/patrols (docs/architecture.md §4): my plans, sessions recorded on the
phone (start, track batches, check-ins, findings, end), attendance and coverage."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Body, Header, Query, Router, Schema, Status
from pydantic import Field

from gridgov.cases import selectors as case_selectors
from gridgov.core.errors import NotFound
from gridgov.grids.models import Grid
from gridgov.http.auth import actor_from_request
from gridgov.http.problems import Problem
from gridgov.patrols import findings, selectors, services
from gridgov.patrols.models import PatrolPlan

router = Router(tags=["patrols"])
ROUTERS = [("/patrols", router)]  # mounted by gridgov.http.api

ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem}


def plan_out(plan: PatrolPlan) -> dict:
    return {
        "id": plan.pk,
        "name": plan.name,
        "grid": {"code": plan.grid.code, "name": plan.grid.name},
        "frequency": plan.frequency,
        "window": [plan.window_start.strftime("%H:%M"), plan.window_end.strftime("%H:%M")],
        "min_checkins": plan.min_checkins,
        "valid_from": plan.valid_from,
        "valid_to": plan.valid_to,
        "points": [
            {"id": p.pk, "name": p.name, "lon": p.lon, "lat": p.lat, "radius_m": p.radius_m} for p in plan.points.all()
        ],
    }


@router.get("/plans", response={200: dict, 401: Problem}, summary="Patrol plans of my grids (巡查计划)")
def plans(request: HttpRequest, on: date | None = None):
    actor = actor_from_request(request, required=True)
    return {"plans": [plan_out(p) for p in selectors.my_plans(actor, on=on)]}


class PointIn(Schema):
    name: str = Field(max_length=100)
    lon: float
    lat: float
    radius_m: int = Field(50, ge=5, le=1000)


class PlanIn(Schema):
    grid: str
    name: str = Field(max_length=100)
    frequency: Literal["daily", "workdays"] = "daily"
    window_start: time
    window_end: time
    min_checkins: int = Field(0, ge=0)
    valid_from: date
    valid_to: date | None = None
    crs: Literal["wgs84", "gcj02"] = "wgs84"
    points: list[PointIn] = Field(max_length=200)


@router.post("/plans", response={201: dict, **ERRORS}, summary="A patrol plan for a grid (grid leaders, admins)")
def plan_create(request: HttpRequest, body: PlanIn = Body(...)):
    actor = actor_from_request(request, required=True)
    grid = Grid.objects.filter(code=body.grid, valid_to__isnull=True).first()
    if grid is None:
        raise NotFound(gettext("no grid %(grid)s among your grids") % {"grid": body.grid})
    plan = services.create_plan(
        actor=actor,
        grid=grid,
        name=body.name,
        frequency=body.frequency,
        window_start=body.window_start,
        window_end=body.window_end,
        min_checkins=body.min_checkins,
        valid_from=body.valid_from,
        valid_to=body.valid_to,
        crs=body.crs,
        points=[p.dict() for p in body.points],
    )
    return Status(201, plan_out(plan))


class StartIn(Schema):
    id: uuid.UUID = Field(description="made by the phone: a resent start gives the same session")
    plan: int | None = None
    grid: str | None = None
    started_at: datetime | None = None


@router.post("/sessions", response={201: dict, 200: dict, **ERRORS}, summary="Start a patrol (开始巡查)")
def start(request: HttpRequest, body: StartIn = Body(...)):
    actor = actor_from_request(request, required=True)
    plan = selectors.my_plan(actor, body.plan) if body.plan is not None else None
    grid = None
    if body.grid:
        grid = Grid.objects.filter(code=body.grid, valid_to__isnull=True).first()
        if grid is None:
            raise NotFound(gettext("no grid %(grid)s among your grids") % {"grid": body.grid})
    started = services.start_session(actor=actor, client_id=body.id, grid=grid, plan=plan, started_at=body.started_at)
    return Status(201 if started.created else 200, selectors.session_summary(started.session))


@router.get("/sessions/{session_id}", response={200: dict, 401: Problem, 404: Problem}, summary="One of my patrols")
def session(request: HttpRequest, session_id: str):
    actor = actor_from_request(request, required=True)
    return selectors.session_summary(selectors.own_session(actor, session_id))


class TrackPointIn(Schema):
    id: uuid.UUID
    lon: float
    lat: float
    at: datetime
    accuracy: float | None = None


class TrackIn(Schema):
    crs: Literal["wgs84", "gcj02"] = "wgs84"
    points: list[TrackPointIn] = Field(max_length=services.MAX_BATCH)


@router.post(
    "/sessions/{session_id}/track",
    response={200: dict, **ERRORS},
    summary="Sync track points recorded offline (exactly once by their ids)",
)
def track(request: HttpRequest, session_id: str, body: TrackIn = Body(...)):
    actor = actor_from_request(request, required=True)
    synced = services.sync_track(
        actor=actor,
        session=selectors.own_session(actor, session_id),
        points=[p.dict() for p in body.points],
        crs=body.crs,
    )
    return {"received": synced.received, "new": synced.new}


class CheckInIn(Schema):
    point: int
    lon: float
    lat: float
    crs: Literal["wgs84", "gcj02"] = "wgs84"
    at: datetime | None = None


@router.post("/sessions/{session_id}/checkins", response={201: dict, 200: dict, **ERRORS}, summary="Check in (打卡)")
def checkin(request: HttpRequest, session_id: str, body: CheckInIn = Body(...)):
    actor = actor_from_request(request, required=True)
    session = selectors.own_session(actor, session_id)
    point = session.plan.points.filter(pk=body.point).first() if session.plan else None
    if point is None:
        raise NotFound(gettext("this point is not on the plan of this patrol"))
    done = services.check_in(
        actor=actor, session=session, point=point, lon=body.lon, lat=body.lat, crs=body.crs, at=body.at
    )
    c = done.checkin
    return Status(
        201 if done.created else 200,
        {"point": point.pk, "name": point.name, "at": timezone.localtime(c.at).isoformat(), "distance_m": c.distance_m},
    )


class OnSpot(Schema):
    result: str
    photos: list[str] = []


class FindingIn(Schema):
    title: str = Field(max_length=200)
    description: str = ""
    address: str = Field("", max_length=200)
    lon: float
    lat: float
    crs: Literal["wgs84", "gcj02"] = "wgs84"
    category: str | None = None
    photos: list[str] = []
    resolved: OnSpot | None = None


@router.post(
    "/sessions/{session_id}/findings",
    response={201: dict, **ERRORS},
    summary="A problem found on the patrol: a case (channel patrol), or solved on the spot",
)
def finding(
    request: HttpRequest,
    session_id: str,
    body: FindingIn = Body(...),
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
):
    actor = actor_from_request(request, required=True)
    found = findings.report_finding(
        actor=actor,
        session=selectors.own_session(actor, session_id),
        title=body.title,
        description=body.description,
        address=body.address,
        lon=body.lon,
        lat=body.lat,
        crs=body.crs,
        category=body.category,
        photos=body.photos,
        resolved=body.resolved.dict() if body.resolved else None,
        idempotency_key=idempotency_key,
    )
    case = found.finding.case
    return Status(
        201,
        {
            **case_selectors.summary(case),
            "session": session_id,
            "on_spot": found.finding.on_spot,
            "replayed": not found.intake.created,
        },
    )


class EndIn(Schema):
    ended_at: datetime | None = None


@router.post("/sessions/{session_id}/end", response={200: dict, **ERRORS}, summary="End a patrol (结束巡查)")
def end(request: HttpRequest, session_id: str, body: EndIn = Body(None)):
    actor = actor_from_request(request, required=True)
    session = services.end_session(
        actor=actor, session=selectors.own_session(actor, session_id), ended_at=body.ended_at if body else None
    )
    return selectors.session_summary(session)


class Range(Schema):
    grid: str
    start: date
    end: date


@router.get("/attendance", response={200: dict, 400: Problem, 401: Problem, 404: Problem}, summary="出勤率")
def attendance(request: HttpRequest, filters: Query[Range]):
    actor = actor_from_request(request, required=True)
    rows = selectors.attendance(actor, grid=filters.grid, start=filters.start, end=filters.end)
    return {
        "grid": filters.grid,
        "start": filters.start,
        "end": filters.end,
        "rows": rows,
        "grids": selectors.attendance_by_grid(rows),
    }


@router.get("/coverage", response={200: dict, 400: Problem, 401: Problem, 404: Problem}, summary="巡查覆盖率")
def coverage(request: HttpRequest, filters: Query[Range]):
    actor = actor_from_request(request, required=True)
    return {
        "start": filters.start,
        "end": filters.end,
        **selectors.coverage(actor, grid=filters.grid, start=filters.start, end=filters.end),
    }
