"""Deliberation over JSON under /api/v1/deliberation (三段式决策): staff open matters, run the opinion period,
record each round in order and the two publications; residents read a grid's public matters and give
their opinion without an account (bounded per client address: 429 with Retry-After)."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.utils.translation import gettext
from ninja import Body, Query, Router, Schema, Status
from pydantic import Field

from gridgov.core.errors import NotFound
from gridgov.core.throttle import client_address
from gridgov.deliberation import selectors, services
from gridgov.grids.models import Grid
from gridgov.http.auth import actor_from_request
from gridgov.http.problems import Problem

router = Router(tags=["deliberation"])
ROUTERS = [("/deliberation", router)]  # mounted by gridgov.http.api

ERRORS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 409: Problem}


def _staff_matter(request: HttpRequest, pk: int):
    actor = actor_from_request(request, required=True)
    return actor, selectors.matter_for(actor, pk)


class MatterIn(Schema):
    grid: str = Field(description="the community or village (12-digit code)", max_length=12)
    title: str = Field(max_length=200)
    description: str = Field("", max_length=services.MAX_TEXT)
    procedure: str | None = Field(
        None, description="community (一征三议两公开) or village (四议两公开); default: the grid's"
    )


@router.post("/matters", response={201: dict, **ERRORS}, summary="Open a matter for deliberation (议事立项)")
def open_matter(request: HttpRequest, body: MatterIn = Body(...)):
    actor = actor_from_request(request, required=True)
    grid = Grid.objects.filter(code=body.grid, valid_to__isnull=True).first()
    if grid is None:
        raise NotFound(gettext("no community or village %(grid)s in use") % {"grid": body.grid})
    matter = services.open_matter(
        actor=actor, grid=grid, title=body.title, description=body.description, procedure=body.procedure
    )
    return Status(201, selectors.matter_row(selectors.matter_for(actor, matter.pk)))


class ListFilters(Schema):
    grid: str | None = None
    status: str | None = None
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10**9)


@router.get("/matters", response={200: dict, 401: Problem}, summary="Matters in my grids")
def matter_list(request: HttpRequest, filters: Query[ListFilters]):
    actor = actor_from_request(request, required=True)
    qs = selectors.matters(actor, grid=filters.grid, status=filters.status)
    page = qs[filters.offset : filters.offset + filters.limit]
    return {"count": qs.count(), "items": [selectors.matter_row(m) for m in page]}


@router.get("/matters/{pk}", response={200: dict, 401: Problem, 404: Problem}, summary="A matter, for staff")
def matter_detail(request: HttpRequest, pk: int):
    _, matter = _staff_matter(request, pk)
    return selectors.matter_row(matter)


class OpinionsIn(Schema):
    until: datetime = Field(description="when the opinion period ends, with its UTC offset")


@router.post("/matters/{pk}/opinions/open", response={200: dict, **ERRORS}, summary="Open the opinion period (一征)")
def open_opinions(request: HttpRequest, pk: int, body: OpinionsIn = Body(...)):
    actor, matter = _staff_matter(request, pk)
    services.open_opinions(actor=actor, matter=matter, until=body.until)
    return selectors.matter_row(selectors.matter_for(actor, pk))


@router.post("/matters/{pk}/opinions/close", response={200: dict, **ERRORS}, summary="Close the opinion period")
def close_opinions(request: HttpRequest, pk: int):
    actor, matter = _staff_matter(request, pk)
    services.close_opinions(actor=actor, matter=matter)
    return selectors.matter_row(selectors.matter_for(actor, pk))


@router.get("/matters/{pk}/opinions", response={200: dict, 401: Problem, 404: Problem}, summary="Opinions given")
def opinion_list(request: HttpRequest, pk: int):
    _, matter = _staff_matter(request, pk)
    items = [
        {"at": o.at, "name": o.name_masked, "phone": o.phone_masked, "text": o.text, "resident": o.resident_id}
        for o in selectors.opinions(matter)
    ]
    return {"count": len(items), "items": items}


class RoundIn(Schema):
    stage: str
    held_on: date
    body: str = Field("", max_length=100)
    minutes: str = Field(max_length=services.MAX_TEXT)
    expected: int = Field(ge=1, le=100000)
    present: int = Field(ge=0, le=100000)
    present_names: str = Field("", max_length=services.MAX_TEXT)
    votes_for: int = Field(ge=0)
    votes_against: int = Field(0, ge=0)
    votes_abstain: int = Field(0, ge=0)


@router.post("/matters/{pk}/rounds", response={201: dict, **ERRORS}, summary="Record a round of deliberation (议)")
def record_round(request: HttpRequest, pk: int, body: RoundIn = Body(...)):
    actor, matter = _staff_matter(request, pk)
    held = services.record_round(actor=actor, matter=matter, **body.dict())
    return Status(
        201, {**selectors.matter_row(selectors.matter_for(actor, pk)), "round": selectors.round_row(held, public=False)}
    )


class PublicationIn(Schema):
    text: str = Field(max_length=services.MAX_TEXT)
    place: str = Field("", max_length=100)
    published_at: datetime | None = None


@router.post(
    "/matters/{pk}/publications/{kind}",
    response={201: dict, **ERRORS},
    summary="Make the decision or result public (两公开)",
)
def publish(request: HttpRequest, pk: int, kind: str, body: PublicationIn = Body(...)):
    actor, matter = _staff_matter(request, pk)
    act = {"decision": services.publish_decision, "result": services.publish_result}.get(kind)
    if act is None:
        raise NotFound(gettext("publications are “decision” or “result”"))
    act(actor=actor, matter=matter, text=body.text, place=body.place, published_at=body.published_at)
    return Status(201, selectors.matter_row(selectors.matter_for(actor, pk)))


class WithdrawIn(Schema):
    reason: str = Field(max_length=500)


@router.post("/matters/{pk}/withdraw", response={200: dict, **ERRORS}, summary="Withdraw a matter (撤回)")
def withdraw(request: HttpRequest, pk: int, body: WithdrawIn = Body(...)):
    actor, matter = _staff_matter(request, pk)
    services.withdraw_matter(actor=actor, matter=matter, reason=body.reason)
    return selectors.matter_row(selectors.matter_for(actor, pk))


# ---- public: no sign-in ---------------------------------------------------------------------------


@router.get("/public/grids/{code}/matters", response={200: dict, 404: Problem}, summary="A grid's public matters")
def public_list(request: HttpRequest, code: str):
    if not Grid.objects.filter(code=code, valid_to__isnull=True).exists():
        raise NotFound(gettext("no grid %(grid)s in use") % {"grid": code})
    items = selectors.board_matters(code)
    return {"count": len(items), "items": items}


@router.get("/public/matters/{pk}", response={200: dict, 404: Problem}, summary="A matter's public view")
def public_detail(request: HttpRequest, pk: int):
    return selectors.matter_row(selectors.public_matter(pk), public=True)


class OpinionIn(Schema):
    text: str = Field(max_length=services.MAX_OPINION)
    name: str = Field("", max_length=50)
    phone: str = Field("", max_length=30)


@router.post(
    "/public/matters/{pk}/opinions",
    response={201: dict, 400: Problem, 404: Problem, 409: Problem, 429: Problem},
    summary="Give an opinion on a matter (一征, no account)",
)
def give_opinion(request: HttpRequest, pk: int, body: OpinionIn = Body(...)):
    matter = selectors.public_matter(pk)
    opinion = services.record_opinion(
        matter=matter, text=body.text, name=body.name, phone=body.phone, client=client_address(request)
    )
    return Status(
        201, {"matter": matter.pk, "name": opinion.name_masked, "phone": opinion.phone_masked, "at": opinion.at}
    )
