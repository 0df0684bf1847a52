"""Campaigns and covert inspections over JSON under /api/v1/campaigns (docs/architecture.md): create, start
and close campaigns, tick a grid's checklist, progress and overdue grids, covert findings, and the public
street ranking (暗访排名)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Literal

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Body, Query, Router, Schema, Status
from pydantic import Field

from gridgov.campaigns import covert, selectors, services
from gridgov.campaigns.models import Campaign, CampaignTarget, ChecklistItem
from gridgov.core.errors import NotFound
from gridgov.grids.models import Grid
from gridgov.http.auth import actor_from_request
from gridgov.http.problems import Problem

router = Router(tags=["campaigns"])
ROUTERS = [("/campaigns", router)]  # mounted by gridgov.http.api

ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem}


class ItemIn(Schema):
    text: str = Field(max_length=200)
    needs_photo: bool = False
    needs_note: bool = False


class CampaignIn(Schema):
    id: uuid.UUID = Field(description="made by the client: a resent campaign gives the same one and writes nothing")
    title: str = Field(max_length=100)
    kind: Literal["living_environment", "safety", "household", "other"]
    grid: str = Field(max_length=18, description="the district or street it is pushed down from")
    start_date: date
    due_date: date
    items: list[ItemIn] = Field(min_length=1, max_length=services.MAX_ITEMS)


@router.get("", response={200: dict, 401: Problem}, summary="Campaigns over or under my grids (专项排查)")
def campaign_list(request: HttpRequest, status: Literal["draft", "running", "closed"] | None = None):
    actor = actor_from_request(request, required=True)
    rows = [selectors.campaign_row(c) for c in selectors.campaigns(actor, status=status)]
    return {"count": len(rows), "items": rows}


@router.post("", response={201: dict, 200: dict, **ERRORS}, summary="Create a campaign with its checklist (draft)")
def campaign_create(request: HttpRequest, body: CampaignIn = Body(...)):
    actor = actor_from_request(request, required=True)
    grid = Grid.objects.filter(code=body.grid, valid_to__isnull=True).first()
    if grid is None:
        raise NotFound(gettext("no grid %(grid)s") % {"grid": body.grid})
    done = services.create_campaign(
        actor=actor,
        client_id=body.id,
        title=body.title,
        kind=body.kind,
        grid=grid,
        start_date=body.start_date,
        due_date=body.due_date,
        items=[i.dict() for i in body.items],
    )
    row = selectors.campaign_row(selectors.campaign(actor, done.obj.pk))
    return Status(201 if done.created else 200, {**row, "replayed": not done.created})


class Overdue(Schema):
    on: date | None = None


@router.get("/overdue", response={200: dict, 401: Problem}, summary="Grids past a campaign's due date (逾期)")
def campaign_overdue(request: HttpRequest, filters: Query[Overdue]):
    actor = actor_from_request(request, required=True)
    items = selectors.overdue(actor, on=filters.on)
    return {"count": len(items), "items": items}


class RankingFilters(Schema):
    region: str = Field(max_length=9, pattern=r"^\d{6}(\d{3})?$", description="a district or street code")
    start: date | None = None
    end: date | None = None


@router.get("/ranking", response={200: dict}, summary="Streets ranked by covert inspection findings (暗访排名, public)")
def campaign_ranking(request: HttpRequest, filters: Query[RankingFilters]):
    rows = selectors.street_ranking(region=filters.region, start=filters.start, end=filters.end)
    return {"region": filters.region, "start": filters.start, "end": filters.end, "items": rows}


class FindingIn(Schema):
    id: uuid.UUID = Field(description="made by the phone: a resent finding gives the same one and writes nothing")
    category: str = Field(max_length=60, description="the kind of problem, e.g. 垃圾乱堆")
    title: str = Field(max_length=200)
    description: str = Field("", max_length=5000)
    lon: float
    lat: float
    crs: Literal["wgs84", "gcj02"] = "wgs84"
    photos: list[str] = []
    found_at: datetime | None = None
    campaign: int | None = None


@router.post("/covert", response={201: dict, 200: dict, **ERRORS}, summary="Record a covert inspection finding (暗访)")
def campaign_covert(request: HttpRequest, body: FindingIn = Body(...)):
    actor = actor_from_request(request, required=True)
    campaign = selectors.campaign(actor, body.campaign) if body.campaign is not None else None
    done = covert.record_finding(
        actor=actor,
        client_id=body.id,
        category=body.category,
        title=body.title,
        description=body.description,
        lon=body.lon,
        lat=body.lat,
        crs=body.crs,
        photos=body.photos,
        found_at=body.found_at,
        campaign=campaign,
    )
    f = selectors.findings(actor).filter(pk=done.obj.pk).first() or done.obj
    return Status(201 if done.created else 200, {**selectors.finding_row(f), "replayed": not done.created})


class FindingFilters(Schema):
    street: str | None = Field(None, max_length=9)
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**9)


@router.get("/covert", response={200: dict, 401: Problem}, summary="Covert inspection findings in my area")
def campaign_covert_list(request: HttpRequest, filters: Query[FindingFilters]):
    actor = actor_from_request(request, required=True)
    qs = selectors.findings(actor, street=filters.street)
    page = qs[filters.offset : filters.offset + filters.limit]
    return {"count": qs.count(), "items": [selectors.finding_row(f) for f in page]}


def _campaign(request: HttpRequest, campaign_id: int):
    actor = actor_from_request(request, required=True)
    return actor, selectors.campaign(actor, campaign_id)


@router.get("/{campaign_id}", response={200: dict, 401: Problem, 404: Problem}, summary="One campaign")
def campaign_detail(request: HttpRequest, campaign_id: int):
    _, c = _campaign(request, campaign_id)
    return selectors.campaign_row(c)


@router.post("/{campaign_id}/start", response={200: dict, **ERRORS}, summary="Push the campaign to its grids (下发)")
def campaign_start(request: HttpRequest, campaign_id: int):
    actor, c = _campaign(request, campaign_id)
    done = services.start_campaign(actor=actor, campaign=c)
    return {**selectors.campaign_row(selectors.campaign(actor, c.pk)), "targets": done.obj.targets.count()}


@router.post("/{campaign_id}/close", response={200: dict, **ERRORS}, summary="Close the campaign")
def campaign_close(request: HttpRequest, campaign_id: int):
    actor, c = _campaign(request, campaign_id)
    services.close_campaign(actor=actor, campaign=c)
    return selectors.campaign_row(selectors.campaign(actor, c.pk))


@router.get("/{campaign_id}/progress", response={200: dict, 401: Problem, 404: Problem}, summary="Progress per grid")
def campaign_progress(request: HttpRequest, campaign_id: int, grid: str | None = None):
    actor, c = _campaign(request, campaign_id)
    return selectors.progress(actor, c, grid=grid)


def _target(c: Campaign, grid: str) -> CampaignTarget:
    target = c.targets.select_related("grid", "campaign").filter(grid__code=grid).first()
    if target is None:
        raise NotFound(
            gettext("the campaign was not pushed to grid %(grid)s: pick a 三级网格 under it") % {"grid": grid}
        )
    return target


@router.get(
    "/{campaign_id}/grids/{grid}", response={200: dict, 401: Problem, 404: Problem}, summary="A grid's checklist"
)
def campaign_grid_checklist(request: HttpRequest, campaign_id: int, grid: str):
    actor, c = _campaign(request, campaign_id)
    target = _target(c, grid)
    return {"campaign": c.pk, "grid": grid, "items": selectors.checklist(actor, target)}


class OnSpot(Schema):
    result: str
    photos: list[str] = []


class ProblemIn(Schema):
    title: str = Field("", max_length=200)
    description: str = Field("", max_length=5000)
    lon: float | None = None  # default: a point inside the grid
    lat: float | None = None
    crs: Literal["wgs84", "gcj02"] = "wgs84"
    category: str | None = None
    photos: list[str] = []
    resolved: OnSpot | None = None


class ResultIn(Schema):
    id: uuid.UUID = Field(description="made by the phone: a resent result gives the same one and writes nothing")
    grid: str = Field(max_length=18)
    item: int = Field(ge=1, description="the item's position in the checklist")
    outcome: Literal["ok", "problem"]
    note: str = Field("", max_length=services.MAX_NOTE)
    photos: list[str] = []
    problem: ProblemIn | None = None
    at: datetime | None = None


@router.post("/{campaign_id}/results", response={201: dict, 200: dict, **ERRORS}, summary="Tick a checklist item")
def campaign_result(request: HttpRequest, campaign_id: int, body: ResultIn = Body(...)):
    actor, c = _campaign(request, campaign_id)
    target = _target(c, body.grid)
    item = ChecklistItem.objects.filter(campaign=c, position=body.item).first()
    if item is None:
        raise NotFound(gettext("the checklist has no item %(n)d") % {"n": body.item})
    done = services.record_result(
        actor=actor,
        client_id=body.id,
        target=target,
        item=item,
        outcome=body.outcome,
        note=body.note,
        photos=body.photos,
        problem=body.problem.dict() if body.problem else None,
        at=body.at,
    )
    return Status(201 if done.created else 200, {**selectors.result_row(done.obj), "replayed": not done.created})
