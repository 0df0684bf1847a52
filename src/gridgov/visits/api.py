"""Household visits over JSON under /api/v1/visits (docs/architecture.md §4): record a visit (with the
problems found), list mine or my subtree's, the care visits due, coverage per grid."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext
from ninja import Body, Query, Router, Schema, Status
from pydantic import Field

from gridgov.core.errors import NotFound
from gridgov.http.auth import actor_from_request
from gridgov.http.problems import Problem
from gridgov.registry.models import Household
from gridgov.visits import selectors, services

router = Router(tags=["visits"])
ROUTERS = [("/visits", router)]  # mounted by gridgov.http.api

ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem}


class OnSpot(Schema):
    result: str
    photos: list[str] = []


class FindingIn(Schema):
    title: str = Field(max_length=200)
    description: str = ""
    address: str = Field("", max_length=200)
    lon: float | None = None  # default: the household's address point
    lat: float | None = None
    crs: Literal["wgs84", "gcj02"] = "wgs84"
    category: str | None = None
    photos: list[str] = []
    resolved: OnSpot | None = None


class VisitIn(Schema):
    id: uuid.UUID = Field(description="made by the phone: a resent visit gives the same visit and writes nothing")
    household: int
    purpose: Literal["visit", "care", "screening", "policy", "mediation"] = "visit"
    at: datetime | None = None
    people_seen: int = Field(0, ge=0, le=999)
    residents: list[int] = Field([], max_length=100)
    notes: str = Field("", max_length=services.MAX_NOTES)
    findings: list[FindingIn] = Field([], max_length=services.MAX_FINDINGS)


@router.post("", response={201: dict, 200: dict, **ERRORS}, summary="Record a household visit (入户走访)")
def record(request: HttpRequest, body: VisitIn = Body(...)):
    actor = actor_from_request(request, required=True)
    household = Household.objects.select_related("grid", "address").filter(pk=body.household).first()
    if household is None:
        raise NotFound(gettext("no such household in your grids"))
    done = services.record_visit(
        actor=actor,
        client_id=body.id,
        household=household,
        purpose=body.purpose,
        at=body.at,
        people_seen=body.people_seen,
        resident_ids=body.residents,
        notes=body.notes,
        findings=[f.dict() for f in body.findings],
    )
    visit = selectors.visits(actor, mine=True).get(pk=done.visit.pk)
    return Status(201 if done.created else 200, {**selectors.visit_row(visit), "replayed": not done.created})


class ListFilters(Schema):
    mine: bool = False
    grid: str | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**9)


@router.get("", response={200: dict, 401: Problem}, summary="My visits, or those in my grids")
def visit_list(request: HttpRequest, filters: Query[ListFilters]):
    actor = actor_from_request(request, required=True)
    qs = selectors.visits(actor, mine=filters.mine, grid=filters.grid)
    page = qs[filters.offset : filters.offset + filters.limit]
    return {"count": qs.count(), "items": [selectors.visit_row(v) for v in page]}


class DueFilters(Schema):
    grid: str | None = None
    on: date | None = None


@router.get("/care-due", response={200: dict, 401: Problem, 404: Problem}, summary="Care visits due (关爱探访到期)")
def care_due(request: HttpRequest, filters: Query[DueFilters]):
    actor = actor_from_request(request, required=True)
    on = filters.on or timezone.localdate()
    items = selectors.care_due(actor, on=on, grid=filters.grid)
    return {"on": on, "count": len(items), "items": items}


class CoverageFilters(Schema):
    grid: str
    on: date | None = None


@router.get("/coverage", response={200: dict, 401: Problem, 404: Problem}, summary="入户覆盖率 (30 and 90 days)")
def coverage(request: HttpRequest, filters: Query[CoverageFilters]):
    actor = actor_from_request(request, required=True)
    return selectors.coverage(actor, grid=filters.grid, on=filters.on)
